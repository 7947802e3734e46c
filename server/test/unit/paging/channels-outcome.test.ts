import { describe, expect, test } from 'vitest';
import { secretValues } from '../../../src/paging/channels/index.ts';
import { answerOutcome, errorOutcome, excerpt, retryAfterMs } from '../../../src/paging/channels/outcome.ts';
import { OutboundFailed, OutboundRefused, type OutboundResponse } from '../../../src/paging/http.ts';

const answer = (status: number, bodyText = '', headers: Record<string, string> = {}): OutboundResponse => ({ status, bodyText, headers, ms: 12 });

describe('answerOutcome', () => {
  test('2xx delivered; 5xx and 408 retried; 429 retried after what it says; other 4xx and 3xx not retried', () => {
    expect(answerOutcome('Slack', answer(200, 'ok'), [])).toEqual({ delivered: true, status: 200, ms: 12 });
    expect(answerOutcome('Discord', answer(204), [])).toEqual({ delivered: true, status: 204, ms: 12 });
    expect(answerOutcome('Slack', answer(503, '<html>down</html>'), [])).toEqual({ delivered: false, status: 503, error: 'Slack answered 503: <html>down</html>', retryable: true, ms: 12 });
    expect(answerOutcome('x', answer(408), [])).toMatchObject({ retryable: true });
    expect(answerOutcome('Slack', answer(429, 'rate_limited', { 'retry-after': '30' }), [])).toMatchObject({ delivered: false, status: 429, retryable: true, retryAfterMs: 30_000 });
    expect(answerOutcome('Slack', answer(404, 'no_service'), [])).toEqual({ delivered: false, status: 404, error: 'Slack answered 404: no_service', retryable: false, ms: 12 });
    expect(answerOutcome('the webhook receiver', answer(301, '', { location: 'http://elsewhere' }), [])).toMatchObject({ retryable: false, error: expect.stringContaining('redirect, not followed') });
  });

  test('the excerpt is short, on one line, and never carries a secret of the channel', () => {
    const url = 'https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx';
    const secrets = secretValues('slack', { url });
    const said = answerOutcome('Slack', answer(404, `Cannot POST /services/T0001/B0002/abcdefghijklmnopqrstuvwx\n\n${'z'.repeat(1_000)}`), secrets);
    expect(said.delivered).toBe(false);
    const error = said.delivered ? '' : said.error;
    expect(error).not.toContain('abcdefghijklmnopqrstuvwx');
    expect(error).not.toContain('\n');
    expect(error.length).toBeLessThan(300);
    expect(excerpt(`token 123:SECRETPART was refused by ${'https://u:pw@h/x'}`, secretValues('telegram', { botToken: '123:SECRETPART', chatId: '1' }))).toBe('token •••••• was refused by https://h/x');
  });
});

describe('retryAfterMs', () => {
  test('seconds, an HTTP date, Discord\'s and Telegram\'s JSON, bounded', () => {
    const now = Date.parse('2026-12-05T09:00:00Z');
    expect(retryAfterMs({ 'retry-after': '2' }, '', now)).toBe(2_000);
    expect(retryAfterMs({ 'retry-after': 'Sat, 05 Dec 2026 09:00:10 GMT' }, '', now)).toBe(10_000);
    expect(retryAfterMs({}, '{"message":"You are being rate limited.","retry_after":0.75,"global":false}', now)).toBe(750);
    expect(retryAfterMs({}, '{"ok":false,"error_code":429,"parameters":{"retry_after":14}}', now)).toBe(14_000);
    expect(retryAfterMs({ 'retry-after': '999999' }, '', now)).toBe(3_600_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, 'not json', now)).toBeUndefined();
  });
});

describe('errorOutcome', () => {
  test('refused by policy: not retried; no answer: retried', () => {
    expect(errorOutcome('Slack', new OutboundRefused('169.254.169.254 is the cloud metadata service'), 1, [])).toEqual({
      delivered: false, error: 'not sent to Slack: 169.254.169.254 is the cloud metadata service', retryable: false, ms: 1,
    });
    expect(errorOutcome('ntfy', new OutboundFailed('no answer within 5000 ms from ntfy.example', true), 5_000, [])).toMatchObject({ retryable: true, error: 'ntfy did not answer: no answer within 5000 ms from ntfy.example' });
  });
});

describe('secretValues', () => {
  test('a secret URL gives its whole, its path and its long segments; a non-secret URL only its password', () => {
    expect(secretValues('discord', { url: 'https://discord.com/api/webhooks/123456789/tokentokentoken' })).toEqual(expect.arrayContaining([
      'https://discord.com/api/webhooks/123456789/tokentokentoken', '/api/webhooks/123456789/tokentokentoken', 'tokentokentoken', '123456789', 'webhooks',
    ]));
    expect(secretValues('ntfy', { url: 'https://u:pass1@ntfy.example/', topic: 't', token: 'tk_1' })).toEqual(['pass1', 'tk_1']);
    expect(secretValues('email', { to: ['a@example.com'] })).toEqual([]);
  });
});
