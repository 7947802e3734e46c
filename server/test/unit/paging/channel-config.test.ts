import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { MASKED } from '../../../src/contract/index.ts';
import { maskChannelConfig, parseChannelConfig, SECRET_FIELDS } from '../../../src/paging/channel-config.ts';

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';

/** The issues of a refused config, as `field: message`. */
function refusal(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof z.ZodError) return err.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('parseChannelConfig', () => {
  test('accepts each type as API.md shows it', () => {
    expect(parseChannelConfig('webhook', { url: 'https://hooks.example/vigil', secret: 's' })).toEqual({ url: 'https://hooks.example/vigil', secret: 's' });
    expect(parseChannelConfig('webhook', { url: 'http://10.0.0.5:8080/hook', secret: '' })).toEqual({ url: 'http://10.0.0.5:8080/hook' });
    for (const type of ['slack', 'teams', 'discord', 'mattermost'] as const) {
      expect(parseChannelConfig(type, { url: ` ${SLACK} ` })).toEqual({ url: SLACK });
    }
    expect(parseChannelConfig('telegram', { botToken: '123456:ABC-DEF_ghi', chatId: -1001234567890 })).toEqual({ botToken: '123456:ABC-DEF_ghi', chatId: '-1001234567890' });
    expect(parseChannelConfig('telegram', { botToken: '1:a', chatId: '@vigil_ops' })).toEqual({ botToken: '1:a', chatId: '@vigil_ops' });
    expect(parseChannelConfig('ntfy', { url: 'https://ntfy.sh', topic: 'vigil-ops_1', token: 'tk_x' })).toEqual({ url: 'https://ntfy.sh', topic: 'vigil-ops_1', token: 'tk_x' });
    expect(parseChannelConfig('email', { to: ['oncall@example.com', 'b@example.org'] })).toEqual({ to: ['oncall@example.com', 'b@example.org'] });
  });

  test('refuses what is not http(s), naming the field', () => {
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://h:70/', 'not a url', 'http://']) {
      expect(refusal(() => parseChannelConfig('slack', { url })), url).toEqual(['url: expected an http:// or https:// URL']);
    }
    expect(refusal(() => parseChannelConfig('ntfy', { url: 'ws://ntfy.example', topic: 'a' }))).toEqual(['url: expected an http:// or https:// URL']);
    expect(refusal(() => parseChannelConfig('webhook', {}))).toEqual(['url: expected an http(s) URL']);
  });

  test('refuses a bad bot token, chat id, topic, addresses and unknown fields, naming each', () => {
    expect(refusal(() => parseChannelConfig('telegram', { botToken: 'abc', chatId: 'x y' }))).toEqual([
      expect.stringMatching(/^botToken: expected the bot token/),
      expect.stringMatching(/^chatId: expected a chat id/),
    ]);
    expect(refusal(() => parseChannelConfig('ntfy', { url: 'https://ntfy.sh', topic: 'a/b' }))).toEqual(['topic: expected 1 to 64 letters, digits, - or _']);
    expect(refusal(() => parseChannelConfig('email', { to: [] }))).toEqual(['to: at least one address']);
    expect(refusal(() => parseChannelConfig('email', { to: ['ok@example.com', 'nope'] }))).toEqual(['to.1: expected an e-mail address']);
    expect(refusal(() => parseChannelConfig('email', { to: Array.from({ length: 21 }, (_, i) => `u${i}@example.com`) }))).toEqual(['to: at most 20 addresses']);
    expect(refusal(() => parseChannelConfig('slack', { url: SLACK, channel: '#ops' }))).toEqual([expect.stringMatching(/channel/)]);
    expect(refusal(() => parseChannelConfig('slack', 'https://x'))).toHaveLength(1);
  });

  test('a secret sent back masked keeps the stored value; a masked value with nothing stored is refused', () => {
    const previous = { url: 'https://receiver.example/hook/abc123', secret: 'old-secret' };
    expect(parseChannelConfig('webhook', { url: 'https://receiver.example/••••••', secret: MASKED }, previous)).toEqual(previous);
    expect(parseChannelConfig('webhook', { url: MASKED, secret: 'new-secret' }, previous)).toEqual({ ...previous, secret: 'new-secret' });
    expect(parseChannelConfig('telegram', { botToken: MASKED, chatId: '42' }, { botToken: '1:tok', chatId: '7' })).toEqual({ botToken: '1:tok', chatId: '42' });
    expect(refusal(() => parseChannelConfig('webhook', { url: 'https://receiver.example/hook', secret: MASKED }))).toEqual(['secret: no stored value to keep: send the value itself']);
    expect(refusal(() => parseChannelConfig('slack', { url: `https://other.example/${MASKED}` }, { url: SLACK }))).toEqual([expect.stringMatching(/^url: a masked value can only be sent back unchanged/)]);
  });
});

describe('maskChannelConfig', () => {
  test('secrets masked, URLs carrying a token shown as scheme://host/••••••', () => {
    expect(maskChannelConfig('slack', { url: SLACK })).toEqual({ url: `https://hooks.slack.com/${MASKED}` });
    expect(maskChannelConfig('webhook', { url: 'http://127.0.0.1:9000/?token=x', secret: 's' })).toEqual({ url: `http://127.0.0.1:9000/${MASKED}`, secret: MASKED });
    expect(maskChannelConfig('webhook', { url: 'https://receiver.example' })).toEqual({ url: 'https://receiver.example/' });
    expect(maskChannelConfig('telegram', { botToken: '1:tok', chatId: '42' })).toEqual({ botToken: MASKED, chatId: '42' });
    expect(maskChannelConfig('ntfy', { url: 'https://u:pw@ntfy.example', topic: 'ops', token: 'tk' })).toEqual({ url: 'https://ntfy.example', topic: 'ops', token: MASKED });
    expect(maskChannelConfig('email', { to: ['a@example.com'] })).toEqual({ to: ['a@example.com'] });
  });

  test('no secret of any type survives masking', () => {
    const configs = {
      webhook: { url: 'https://h.example/p/SECRET', secret: 'SECRET' },
      slack: { url: 'https://h.example/SECRET' },
      teams: { url: 'https://h.example/workflows?sig=SECRET' },
      discord: { url: 'https://h.example/api/webhooks/1/SECRET' },
      mattermost: { url: 'https://h.example/hooks/SECRET' },
      telegram: { botToken: '1:SECRET', chatId: '1' },
      ntfy: { url: 'https://h.example', topic: 't', token: 'SECRET' },
      email: { to: ['a@example.com'] },
    };
    for (const [type, config] of Object.entries(configs)) {
      expect(JSON.stringify(maskChannelConfig(type as keyof typeof configs, config)), type).not.toContain('SECRET');
      expect(SECRET_FIELDS[type as keyof typeof configs]).toBeDefined();
    }
  });
});
