import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { formatDiscord } from '../../../src/paging/channels/discord.ts';
import { formatEmail } from '../../../src/paging/channels/email.ts';
import { formatMattermost } from '../../../src/paging/channels/mattermost.ts';
import { formatNtfy, ntfyHeader } from '../../../src/paging/channels/ntfy.ts';
import { formatSlack } from '../../../src/paging/channels/slack.ts';
import { formatTeams } from '../../../src/paging/channels/teams.ts';
import { formatTelegram, telegramApiBase } from '../../../src/paging/channels/telegram.ts';
import { formatWebhook } from '../../../src/paging/channels/webhook.ts';
import { formatDuration, truncate } from '../../../src/paging/channels/render.ts';
import { DELIVERY, incident, openedPage, PUBLIC } from './page-fixtures.ts';

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

describe('webhook', () => {
  test('the documented JSON, event and delivery headers, and an HMAC-SHA256 of the exact body', () => {
    const page = openedPage({ escalation: { step: 1, round: 0, notAnswering: ['alice'] }, event: 'incident.escalated' });
    const request = formatWebhook({ url: 'https://r.example/hook', secret: 'shh' }, page, DELIVERY);
    expect(request.url).toBe('https://r.example/hook');
    expect(json(request.body)).toEqual({
      event: 'incident.escalated', deliveryId: DELIVERY.id, sentAt: DELIVERY.sentAt, step: 1, incident: page.incident,
      url: page.incident.url, ackUrl: page.ackUrl, title: page.title, text: page.text,
    });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'x-vigil-event': 'incident.escalated', 'x-vigil-delivery': DELIVERY.id });
    expect(request.headers['x-vigil-signature']).toBe(`sha256=${createHmac('sha256', 'shh').update(request.body).digest('hex')}`);
  });

  test('no secret, no signature; a digest lists its incidents; no ack link, no ackUrl', () => {
    const page = openedPage({ event: 'digest', incidents: [incident(1), incident(2)], ackUrl: undefined });
    const request = formatWebhook({ url: 'https://r.example/hook' }, page, DELIVERY);
    expect(request.headers['x-vigil-signature']).toBeUndefined();
    expect(json(request.body)).toMatchObject({ event: 'digest', incidents: [{ id: 'inc_1' }, { id: 'inc_2' }] });
    expect(json(request.body)).not.toHaveProperty('ackUrl');
    expect(json(request.body)).not.toHaveProperty('step');
  });
});

describe('slack', () => {
  test('text and blocks: mrkdwn section with mentions, context, buttons to the incident and the ack link', () => {
    const request = formatSlack({ url: 'https://hooks.slack.com/services/T/B/X' }, openedPage({ mentions: ['U012AB3CD', 'not-an-id><!channel>'] }), DELIVERY);
    const body = json(request.body) as { text: string; blocks: Array<Record<string, unknown>> };
    expect(body.text).toBe('<@U012AB3CD> CRITICAL web down on local: container web-1 died (exit 137, OOM)');
    expect(body.blocks.map((b) => b.type)).toEqual(['section', 'context', 'actions']);
    const section = body.blocks[0] as { text: { type: string; text: string } };
    expect(section.text.type).toBe('mrkdwn');
    expect(section.text.text).toContain('<@U012AB3CD> *CRITICAL web down');
    // The engine's words are escaped: a log line cannot inject a Slack link or mention.
    expect(section.text.text).toContain('&lt;fatal&gt; heap out of memory &amp; more');
    expect(section.text.text).not.toContain('<!channel>');
    const actions = body.blocks[2] as { elements: Array<{ type: string; url: string; text: { type: string; text: string }; action_id: string }> };
    expect(actions.elements.map((e) => [e.type, e.text.text, e.url])).toEqual([
      ['button', 'Open incident', `${PUBLIC}/incidents/inc_1`],
      ['button', 'Acknowledge', `${PUBLIC}/api/ack/tok_abc123`],
    ]);
    expect(new Set(actions.elements.map((e) => e.action_id)).size).toBe(2);
    const context = body.blocks[1] as { elements: Array<{ type: string; text: string }> };
    expect(context.elements[0]?.text).toContain('*Severity:* CRITICAL');
  });
});

describe('teams', () => {
  test('a message with one Adaptive Card 1.4 attachment: TextBlocks and Action.OpenUrl buttons', () => {
    const request = formatTeams({ url: 'https://x.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=s' }, openedPage(), DELIVERY);
    const body = json(request.body) as { type: string; attachments: Array<{ contentType: string; content: Record<string, unknown> }> };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = body.attachments[0]?.content as { $schema: string; type: string; version: string; body: Array<{ type: string; text?: string }>; actions: unknown[] };
    expect(card).toMatchObject({ $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', weight: 'Bolder', color: 'Attention', wrap: true });
    expect(card.body.filter((b) => b.type === 'TextBlock').map((b) => b.text)).toEqual([
      'CRITICAL web down on local: container web-1 died (exit 137, OOM)',
      'Container web-1 died: exit 137 (OOM killed).',
      'Restart policy "no" will not fire.',
      'Last log: <fatal> heap out of memory & more',
    ]);
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open incident', url: `${PUBLIC}/incidents/inc_1` },
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: `${PUBLIC}/api/ack/tok_abc123` },
    ]);
  });
});

describe('discord', () => {
  test('one embed within its limits, colour by severity, mentions off, links in the description', () => {
    const long = openedPage({ title: 'T'.repeat(400), text: 'x'.repeat(10_000) });
    const body = json(formatDiscord({ url: 'https://discord.com/api/webhooks/1/abc' }, long, DELIVERY).body) as {
      embeds: Array<{ title: string; description: string; url: string; color: number; fields: Array<{ name: string; value: string }>; timestamp: string }>;
      allowed_mentions: unknown;
    };
    const embed = body.embeds[0];
    expect(embed?.title.length).toBe(256);
    expect(embed?.description.length).toBeLessThanOrEqual(4_096);
    expect(embed?.description).toMatch(/\[Acknowledge\]\(https:\/\/vigil\.example\.com\/api\/ack\/tok_abc123\)$/);
    expect(embed).toMatchObject({ url: `${PUBLIC}/incidents/inc_1`, color: 0xc62828, timestamp: DELIVERY.sentAt });
    expect(embed?.fields).toContainEqual(expect.objectContaining({ name: 'Service', value: 'web' }));
    expect(body.allowed_mentions).toEqual({ parse: [] });

    const resolved = json(formatDiscord({ url: 'https://d/x' }, openedPage({ event: 'incident.resolved', durationMs: 3_723_000, ackUrl: undefined }), DELIVERY).body) as { embeds: Array<{ color: number; fields: Array<{ name: string; value: string }> }> };
    expect(resolved.embeds[0]?.color).toBe(0x2e7d32);
    expect(resolved.embeds[0]?.fields).toContainEqual(expect.objectContaining({ name: 'Lasted', value: '1 h 2 min' }));
  });
});

describe('mattermost', () => {
  test('markdown text with the links, an attachment with colour and facts; @channel made harmless', () => {
    const body = json(formatMattermost({ url: 'https://mm.example/hooks/abc' }, openedPage({ text: 'ping @channel and @all' }), DELIVERY).body) as { text: string; attachments: Array<{ color: string; fields: unknown[] }> };
    expect(body.text).toMatch(/^#### CRITICAL web down/);
    expect(body.text).toContain(`[Acknowledge](${PUBLIC}/api/ack/tok_abc123)`);
    expect(body.text).toContain(`[Open incident](${PUBLIC}/incidents/inc_1)`);
    expect(body.text).not.toMatch(/@channel|@all/);
    expect(body.attachments[0]?.color).toBe('#c62828');
  });
});

describe('telegram', () => {
  test('sendMessage to the bot token path, HTML escaped, ack button; TELEGRAM_API_URL overrides the base', () => {
    const request = formatTelegram({ botToken: '123:AbC', chatId: '-100200' }, openedPage(), DELIVERY, 'http://127.0.0.1:9/tg');
    expect(request.url).toBe('http://127.0.0.1:9/tg/bot123:AbC/sendMessage');
    const body = json(request.body) as { chat_id: string; text: string; parse_mode: string; disable_web_page_preview: boolean; reply_markup: unknown };
    expect(body).toMatchObject({ chat_id: '-100200', parse_mode: 'HTML', disable_web_page_preview: true });
    expect(body.text).toContain('<b>CRITICAL web down on local');
    expect(body.text).toContain('&lt;fatal&gt; heap out of memory &amp; more');
    expect(body.text).toContain(`<a href="${PUBLIC}/api/ack/tok_abc123">Acknowledge</a>`);
    expect(body.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Open incident', url: `${PUBLIC}/incidents/inc_1` }, { text: 'Acknowledge', url: `${PUBLIC}/api/ack/tok_abc123` }]] });
    expect(telegramApiBase({})).toBe('https://api.telegram.org');
    expect(telegramApiBase({ TELEGRAM_API_URL: 'http://127.0.0.1:5000/' })).toBe('http://127.0.0.1:5000');
  });

  test('a person\'s chat id wins; links to localhost stay in the text, not in buttons Telegram would refuse', () => {
    const page = openedPage({ incident: incident(1, { url: 'http://localhost:8080/incidents/inc_1' }), ackUrl: 'http://localhost:8080/api/ack/t' });
    const body = json(formatTelegram({ botToken: '1:a', chatId: '5' }, page, { ...DELIVERY, to: '777' }, 'https://api.telegram.org').body) as Record<string, unknown>;
    expect(body.chat_id).toBe('777');
    expect(body).not.toHaveProperty('reply_markup');
    expect(body.text).toContain('href="http://localhost:8080/api/ack/t"');
  });
});

describe('ntfy', () => {
  test('POST <server>/<topic> with the text as body and Title, Priority, Tags, Click, Actions, Authorization', () => {
    const request = formatNtfy({ url: 'https://ntfy.example/', topic: 'vigil-ops', token: 'tk_secret' }, openedPage(), DELIVERY);
    expect(request.url).toBe('https://ntfy.example/vigil-ops');
    expect(request.body.startsWith('Container web-1 died')).toBe(true);
    expect(request.headers).toMatchObject({
      title: 'CRITICAL web down on local: container web-1 died (exit 137, OOM)',
      priority: '5', tags: 'rotating_light,web', click: `${PUBLIC}/incidents/inc_1`,
      actions: `view, Acknowledge, ${PUBLIC}/api/ack/tok_abc123`, authorization: 'Bearer tk_secret',
    });
    const warning = formatNtfy({ url: 'https://ntfy.example', topic: 't' }, openedPage({ severity: 'warning', ackUrl: undefined }), { ...DELIVERY, to: 'alice-phone' });
    expect(warning.url).toBe('https://ntfy.example/alice-phone');
    expect(warning.headers).toMatchObject({ priority: '4', tags: 'warning,web' });
    expect(warning.headers).not.toHaveProperty('actions');
    expect(warning.headers).not.toHaveProperty('authorization');
    expect(formatNtfy({ url: 'https://n', topic: 't' }, openedPage({ severity: 'info' }), DELIVERY).headers.priority).toBe('3');
    expect(formatNtfy({ url: 'https://n', topic: 't' }, openedPage({ event: 'incident.resolved' }), DELIVERY).headers.priority).toBe('3');
  });

  test('header values: one line, non-ASCII as an RFC 2047 encoded word', () => {
    expect(ntfyHeader('a\r\nb')).toBe('a b');
    expect(ntfyHeader('web — down ✗')).toBe(`=?UTF-8?B?${Buffer.from('web — down ✗').toString('base64')}?=`);
  });
});

describe('email', () => {
  test('subject = title; text and HTML with both links; recipients from the config or the person', () => {
    const mail = formatEmail({ to: ['oncall@example.com'] }, openedPage(), DELIVERY);
    expect(mail.to).toEqual(['oncall@example.com']);
    expect(mail.subject).toBe('CRITICAL web down on local: container web-1 died (exit 137, OOM)');
    expect(mail.text).toContain(`Acknowledge: ${PUBLIC}/api/ack/tok_abc123`);
    expect(mail.text).toContain(`Open incident: ${PUBLIC}/incidents/inc_1`);
    expect(mail.html).toContain(`<a href="${PUBLIC}/api/ack/tok_abc123">Acknowledge</a>`);
    expect(mail.html).toContain('&lt;fatal&gt;');
    expect(mail.headers['X-Vigil-Delivery']).toBe(DELIVERY.id);
    expect(formatEmail({ to: ['oncall@example.com'] }, openedPage(), { ...DELIVERY, to: 'alice@example.com' }).to).toEqual(['alice@example.com']);
  });
});

describe('render', () => {
  test('durations and truncation', () => {
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(7_500_000)).toBe('2 h 5 min');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('ab😀😀', 3)).toBe('ab…');
  });
});
