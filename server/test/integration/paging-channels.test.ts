// Paging's channels against real receivers on loopback: the outbound request's guards
// (paging/http.ts), each HTTP channel's request as its service documents it, and e-mail through a
// real SMTP server (Mailpit) read back through its API.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import type { ChannelType } from '../../src/contract/index.ts';
import { sendPage, type SendOutcome } from '../../src/paging/channels/index.ts';
import { OutboundFailed, OutboundRefused, postOutbound, RESPONSE_LIMIT_BYTES, type Resolve } from '../../src/paging/http.ts';
import type { PageMessage } from '../../src/paging/message.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeMailpit, startMailpit, type Mailpit } from '../harness/mailpit.ts';
import { startReceiver, type Receiver, type RecordedRequest } from '../harness/receiver.ts';

const mailpitBinary = await requireComponent('Mailpit (SMTP server)', probeMailpit);

const PUBLIC = 'https://vigil.example.com';
const PAGE: PageMessage = {
  event: 'incident.opened',
  title: 'CRITICAL web down on local: container web-1 died (exit 137, OOM)',
  text: 'Container web-1 died: exit 137 (OOM killed).\nRestart policy "no" will not fire.\nLast log: <fatal> heap & stack',
  severity: 'critical',
  incident: {
    id: 'inc_web1', title: 'web down', service: 'web', host: 'local', severity: 'critical', status: 'open',
    openedAt: '2026-12-05T09:00:00.000Z', lastEventAt: '2026-12-05T09:00:00.000Z', sources: ['docker'], url: `${PUBLIC}/incidents/inc_web1`,
  },
  ackUrl: `${PUBLIC}/api/ack/tok_abc123`,
  mentions: ['U012AB3CD'],
};
const DELIVERY = { id: 'dlv_0123456789abcdef', attempt: 1, sentAt: '2026-12-05T09:00:01.250Z' };
const LOCAL = { allowPrivate: true };

function channel(type: ChannelType, config: Record<string, unknown>) {
  return { id: `ch_${type}`, name: `${type} channel`, type, config };
}

function onlyRequest(r: Receiver): RecordedRequest {
  expect(r.requests).toHaveLength(1);
  return r.requests[0] as RecordedRequest;
}

function jsonOf(request: RecordedRequest): unknown {
  expect(request.method).toBe('POST');
  expect(request.headers['content-type']).toMatch(/^application\/json\b/);
  return JSON.parse(request.text) as unknown;
}

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
afterEach(() => {
  receiver.up();
  receiver.reset();
});

describe('postOutbound', () => {
  test('169.254.169.254 is refused before anything is sent, allowPrivate or not, also as IPv4-mapped IPv6', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://[fe80::1]/', 'http://0.0.0.0:80/']) {
      for (const allowPrivate of [false, true]) {
        await expect(postOutbound(url, { body: '{}', allowPrivate }), url).rejects.toThrow(OutboundRefused);
      }
    }
    await expect(postOutbound('http://169.254.169.254/latest', { body: '', allowPrivate: true })).rejects.toThrow(/169\.254\.169\.254 is the cloud metadata service/);
  });

  test('a name that resolves to the metadata address (or to any refused address among others) is refused', async () => {
    const asked: string[] = [];
    const dns = (answers: string[]): Resolve => async (hostname) => {
      asked.push(hostname);
      return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    await expect(postOutbound(`${receiver.url.replace('127.0.0.1', 'metadata.attacker.test')}/x`, { body: '', allowPrivate: true, resolve: dns(['169.254.169.254']) }))
      .rejects.toThrow(/metadata\.attacker\.test resolves to 169\.254\.169\.254: the cloud metadata service/);
    await expect(postOutbound('http://mixed.attacker.test/', { body: '', allowPrivate: true, resolve: dns(['127.0.0.1', '::ffff:169.254.169.254']) }))
      .rejects.toThrow(OutboundRefused);
    expect(asked).toEqual(['metadata.attacker.test', 'mixed.attacker.test']);
    expect(receiver.requests).toHaveLength(0);
  });

  test('127.0.0.1 is refused without allowPrivate and reached with it', async () => {
    await expect(postOutbound(`${receiver.url}/hook`, { body: '{"a":1}', allowPrivate: false })).rejects.toThrow(/127\.0\.0\.1 is a loopback address, reachable only with NOTIFY_ALLOW_PRIVATE=true/);
    expect(receiver.requests).toHaveLength(0);
    const answer = await postOutbound(`${receiver.url}/hook?x=1`, { body: '{"a":1}', headers: { 'content-type': 'application/json' }, allowPrivate: true });
    expect(answer).toMatchObject({ status: 200, bodyText: 'ok' });
    expect(receiver.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/hook?x=1', text: '{"a":1}' })]);
  });

  test('the connection goes to the address that was checked: a second DNS answer (rebinding) is never asked for', async () => {
    let calls = 0;
    const rebinding: Resolve = async () => {
      calls += 1;
      return [{ address: calls === 1 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
    };
    const answer = await postOutbound(`http://rebind.attacker.test:${receiver.port}/r`, { body: 'x', allowPrivate: true, resolve: rebinding });
    expect(answer.status).toBe(200);
    expect(calls).toBe(1);
    expect(receiver.requests[0]?.headers.host).toBe(`rebind.attacker.test:${receiver.port}`);
  });

  test('a name with several checked addresses reaches the one that listens; localhost through the system resolver', async () => {
    const twoFamilies: Resolve = async () => [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }];
    expect(await postOutbound(`http://both.test:${receiver.port}/a`, { body: '', allowPrivate: true, resolve: twoFamilies })).toMatchObject({ status: 200 });
    expect(await postOutbound(`http://localhost:${receiver.port}/b`, { body: '', allowPrivate: true })).toMatchObject({ status: 200 });
    await expect(postOutbound(`http://localhost:${receiver.port}/c`, { body: '', allowPrivate: false })).rejects.toThrow(/localhost resolves to .*loopback/);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/a', '/b']);
  });

  test('other schemes are refused; redirects are answers, not followed; a large answer is cut at 16 kB', async () => {
    await expect(postOutbound('ftp://127.0.0.1/x', { body: '', allowPrivate: true })).rejects.toThrow(/only http and https/);
    await expect(postOutbound('file:///etc/passwd', { body: '', allowPrivate: true })).rejects.toThrow(OutboundRefused);
    receiver.answer({ status: 302, headers: { location: 'http://169.254.169.254/' } });
    expect(await postOutbound(`${receiver.url}/moved`, { body: '', allowPrivate: true })).toMatchObject({ status: 302 });
    expect(receiver.requests).toHaveLength(1);
    receiver.answer({ status: 200, body: 'y'.repeat(200_000) });
    const big = await postOutbound(`${receiver.url}/big`, { body: '', allowPrivate: true });
    expect(big.bodyText).toHaveLength(RESPONSE_LIMIT_BYTES);
  });

  test('no answer in time, and a receiver that is down, are OutboundFailed', async () => {
    receiver.hang();
    const slow = postOutbound(`${receiver.url}/slow`, { body: '', allowPrivate: true, timeoutMs: 300 });
    await expect(slow).rejects.toThrow(OutboundFailed);
    await expect(slow).rejects.toMatchObject({ timedOut: true });
    receiver.down();
    const down = postOutbound(`${receiver.url}/down`, { body: '', allowPrivate: true });
    await expect(down).rejects.toThrow(OutboundFailed);
    await expect(down).rejects.toMatchObject({ timedOut: false });
    receiver.up();
    const closed = await startReceiver();
    await closed.close();
    await expect(postOutbound(`${closed.url}/gone`, { body: '', allowPrivate: true })).rejects.toThrow(/ECONNREFUSED/);
  });
});

// Each service's request as its documentation describes it, written here independently of the
// formatters: the shape, the limits, the required fields.
const httpsUrl = z.url({ protocol: /^https?$/ });
const slackText = z.object({ type: z.enum(['mrkdwn', 'plain_text']), text: z.string().min(1).max(3_000) });
const slackPayload = z.object({
  text: z.string().min(1),
  blocks: z.array(z.discriminatedUnion('type', [
    z.object({ type: z.literal('section'), text: slackText }),
    z.object({ type: z.literal('context'), elements: z.array(slackText).min(1).max(10) }),
    z.object({
      type: z.literal('actions'),
      elements: z.array(z.object({
        type: z.literal('button'),
        text: z.object({ type: z.literal('plain_text'), text: z.string().min(1).max(75) }),
        url: httpsUrl.max(3_000),
        action_id: z.string().min(1).max(255),
        style: z.enum(['primary', 'danger']).optional(),
      })).min(1).max(25),
    }),
  ])).min(1).max(50),
});
const teamsPayload = z.object({
  type: z.literal('message'),
  attachments: z.array(z.object({
    contentType: z.literal('application/vnd.microsoft.card.adaptive'),
    content: z.object({
      $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json'),
      type: z.literal('AdaptiveCard'),
      version: z.literal('1.4'),
      body: z.array(z.discriminatedUnion('type', [
        z.object({ type: z.literal('TextBlock'), text: z.string(), wrap: z.boolean().optional() }),
        z.object({ type: z.literal('FactSet'), facts: z.array(z.object({ title: z.string(), value: z.string() })) }),
      ])).min(1),
      actions: z.array(z.object({ type: z.literal('Action.OpenUrl'), title: z.string().min(1), url: httpsUrl })),
    }),
  })).length(1),
});
const discordPayload = z.object({
  content: z.string().max(2_000).optional(),
  username: z.string().max(80).optional(),
  embeds: z.array(z.object({
    title: z.string().max(256),
    description: z.string().max(4_096),
    url: httpsUrl,
    color: z.number().int().min(0).max(0xffffff),
    fields: z.array(z.object({ name: z.string().min(1).max(256), value: z.string().min(1).max(1_024), inline: z.boolean().optional() })).max(25),
    timestamp: z.iso.datetime(),
  })).min(1).max(10),
  allowed_mentions: z.object({ parse: z.array(z.string()) }),
});
const mattermostPayload = z.object({
  text: z.string().min(1).max(16_383),
  username: z.string().optional(),
  attachments: z.array(z.object({ fallback: z.string(), color: z.string().regex(/^#[0-9a-f]{6}$/i), fields: z.array(z.object({ short: z.boolean(), title: z.string(), value: z.string() })) })).optional(),
});
const telegramPayload = z.object({
  chat_id: z.union([z.string(), z.number()]),
  text: z.string().min(1).max(4_096),
  parse_mode: z.literal('HTML'),
  disable_web_page_preview: z.boolean(),
  reply_markup: z.object({ inline_keyboard: z.array(z.array(z.object({ text: z.string().min(1), url: httpsUrl }))) }).optional(),
});
const webhookPayload = z.strictObject({
  event: z.enum(['incident.opened', 'incident.escalated', 'incident.acknowledged', 'incident.resolved', 'digest', 'test']),
  deliveryId: z.string(),
  sentAt: z.iso.datetime(),
  step: z.number().int().optional(),
  incident: z.object({ id: z.string(), title: z.string(), service: z.string(), severity: z.string(), url: httpsUrl }),
  incidents: z.array(z.object({ id: z.string() })).optional(),
  url: httpsUrl,
  ackUrl: httpsUrl.optional(),
  title: z.string(),
  text: z.string(),
});

describe('HTTP channels against a receiver', () => {
  test('webhook: the documented JSON, X-Vigil-Event and -Delivery, and a signature a receiver verifies with the shared secret', async () => {
    const outcome = await sendPage(channel('webhook', { url: `${receiver.url}/vigil/hook`, secret: 'shared-secret-1' }), PAGE, DELIVERY, LOCAL);
    expect(outcome).toMatchObject({ delivered: true, status: 200 });
    const request = onlyRequest(receiver);
    expect(request.path).toBe('/vigil/hook');
    const body = webhookPayload.parse(jsonOf(request));
    expect(body).toMatchObject({ event: 'incident.opened', deliveryId: DELIVERY.id, url: PAGE.incident.url, ackUrl: PAGE.ackUrl, incident: { id: 'inc_web1' } });
    expect(request.headers['x-vigil-event']).toBe('incident.opened');
    expect(request.headers['x-vigil-delivery']).toBe(DELIVERY.id);
    // What a receiver does: HMAC-SHA256 of the raw bytes with the secret, compared in constant time.
    const expected = Buffer.from(`sha256=${createHmac('sha256', 'shared-secret-1').update(request.body).digest('hex')}`);
    const got = Buffer.from(String(request.headers['x-vigil-signature']));
    expect(got.length).toBe(expected.length);
    expect(timingSafeEqual(got, expected)).toBe(true);
    const forged = Buffer.from(`sha256=${createHmac('sha256', 'wrong-secret').update(request.body).digest('hex')}`);
    expect(timingSafeEqual(got, forged)).toBe(false);
  });

  test('slack: text and blocks with the mention and link buttons', async () => {
    expect(await sendPage(channel('slack', { url: `${receiver.url}/services/T000/B000/XXXXXXXX` }), PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: true });
    const request = onlyRequest(receiver);
    expect(request.path).toBe('/services/T000/B000/XXXXXXXX');
    const body = slackPayload.parse(jsonOf(request));
    expect(body.text).toContain('<@U012AB3CD>');
    const buttons = body.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.url) : []));
    expect(buttons).toEqual([PAGE.incident.url, PAGE.ackUrl]);
  });

  test('teams: a message with one Adaptive Card and OpenUrl actions; the 202 of a Workflows webhook is delivered', async () => {
    receiver.answer({ status: 202, body: '' });
    const outcome = await sendPage(channel('teams', { url: `${receiver.url}/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cr3t-sig` }), PAGE, DELIVERY, LOCAL);
    expect(outcome).toMatchObject({ delivered: true, status: 202 });
    const request = onlyRequest(receiver);
    expect(request.path).toBe('/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cr3t-sig');
    const card = teamsPayload.parse(jsonOf(request)).attachments[0]?.content;
    expect(card?.actions.map((a) => a.url)).toEqual([PAGE.incident.url, PAGE.ackUrl]);
  });

  test('discord: one embed; Discord\'s 204 is delivered', async () => {
    receiver.answer({ status: 204 });
    expect(await sendPage(channel('discord', { url: `${receiver.url}/api/webhooks/123/tok` }), PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: true, status: 204 });
    const request = onlyRequest(receiver);
    expect(request.path).toBe('/api/webhooks/123/tok');
    const body = discordPayload.parse(jsonOf(request));
    expect(body.embeds[0]?.url).toBe(PAGE.incident.url);
    expect(body.embeds[0]?.description).toContain(`(${PAGE.ackUrl})`);
  });

  test('mattermost: markdown text with both links', async () => {
    expect(await sendPage(channel('mattermost', { url: `${receiver.url}/hooks/xyz` }), PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: true });
    const request = onlyRequest(receiver);
    expect(request.path).toBe('/hooks/xyz');
    const body = mattermostPayload.parse(jsonOf(request));
    expect(body.text).toContain(`(${PAGE.incident.url})`);
    expect(body.text).toContain(`(${PAGE.ackUrl})`);
  });

  test('telegram: sendMessage under /bot<token>/ at TELEGRAM_API_URL, HTML, the ack button', async () => {
    const before = process.env.TELEGRAM_API_URL;
    process.env.TELEGRAM_API_URL = `${receiver.url}/tg`;
    try {
      receiver.answer({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true,"result":{"message_id":1}}' });
      expect(await sendPage(channel('telegram', { botToken: '123456:ABC-def', chatId: '-100200' }), PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: true });
    } finally {
      if (before === undefined) delete process.env.TELEGRAM_API_URL;
      else process.env.TELEGRAM_API_URL = before;
    }
    const request = onlyRequest(receiver);
    expect(request.path).toBe('/tg/bot123456:ABC-def/sendMessage');
    const body = telegramPayload.parse(jsonOf(request));
    expect(body.chat_id).toBe('-100200');
    expect(body.text).toContain('&lt;fatal&gt; heap &amp; stack');
    expect(body.reply_markup?.inline_keyboard.flat()).toContainEqual({ text: 'Acknowledge', url: PAGE.ackUrl });
  });

  test('ntfy: the text to <server>/<topic> with its headers; a person\'s topic when the page is for them', async () => {
    expect(await sendPage(channel('ntfy', { url: `${receiver.url}/`, topic: 'vigil-ops', token: 'tk_abcdef' }), PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: true });
    expect(await sendPage(channel('ntfy', { url: receiver.url, topic: 'vigil-ops' }), PAGE, { ...DELIVERY, to: 'alice_phone' }, LOCAL)).toMatchObject({ delivered: true });
    const [team, person] = await receiver.waitFor(2);
    expect(team).toMatchObject({ method: 'POST', path: '/vigil-ops' });
    expect(team?.headers['content-type']).toMatch(/^text\/plain/);
    expect(team?.text.startsWith('Container web-1 died')).toBe(true);
    expect(team?.headers).toMatchObject({
      title: PAGE.title, priority: '5', tags: 'rotating_light,web', click: PAGE.incident.url,
      actions: `view, Acknowledge, ${PAGE.ackUrl}`, authorization: 'Bearer tk_abcdef',
    });
    expect(person?.path).toBe('/alice_phone');
    expect(person?.headers.authorization).toBeUndefined();
  });

  test('outcomes: 404 not retried, 503 retried, 429 retried after Retry-After; errors name the status, never the URL\'s token', async () => {
    const slack = channel('slack', { url: `${receiver.url}/services/T1/B1/tokentokentoken` });
    receiver.answer({ status: 404, body: 'no_service' });
    expect(await sendPage(slack, PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: false, status: 404, retryable: false, error: 'Slack answered 404: no_service' });
    receiver.answer({ status: 503, body: 'Cannot POST /services/T1/B1/tokentokentoken' });
    const unavailable = await sendPage(slack, PAGE, DELIVERY, LOCAL);
    expect(unavailable).toMatchObject({ delivered: false, status: 503, retryable: true });
    expect(JSON.stringify(unavailable)).not.toContain('tokentokentoken');
    receiver.answer({ status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' });
    expect(await sendPage(slack, PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: false, status: 429, retryable: true, retryAfterMs: 7_000 });
    receiver.answer({ status: 429, headers: { 'content-type': 'application/json' }, body: '{"message":"You are being rate limited.","retry_after":1.5,"global":false}' });
    expect(await sendPage(channel('discord', { url: `${receiver.url}/api/webhooks/1/t` }), PAGE, DELIVERY, LOCAL)).toMatchObject({ retryable: true, retryAfterMs: 1_500 });
    expect(receiver.requests).toHaveLength(4);
  });

  test('not sent at all: a loopback receiver without NOTIFY_ALLOW_PRIVATE, metadata always; a down receiver is retried', async () => {
    const refused = await sendPage(channel('webhook', { url: `${receiver.url}/hook` }), PAGE, DELIVERY, { allowPrivate: false });
    expect(refused).toMatchObject({ delivered: false, retryable: false, error: expect.stringContaining('NOTIFY_ALLOW_PRIVATE=true') });
    expect(await sendPage(channel('slack', { url: 'http://169.254.169.254/latest/meta-data/' }), PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: false, retryable: false });
    expect(receiver.requests).toHaveLength(0);
    receiver.down();
    const down: SendOutcome = await sendPage(channel('mattermost', { url: `${receiver.url}/hooks/x` }), PAGE, DELIVERY, LOCAL);
    expect(down).toMatchObject({ delivered: false, retryable: true, error: expect.stringMatching(/^Mattermost did not answer/) });
    expect(await sendPage(channel('slack', { url: 'not a url' }), PAGE, DELIVERY, LOCAL)).toMatchObject({ delivered: false, retryable: false, error: expect.stringContaining('url: expected an http:// or https:// URL') });
  });
});

describeWith(mailpitBinary, 'e-mail through a real SMTP server (Mailpit)', (binary) => {
  let mailpit: Mailpit;
  beforeAll(async () => {
    mailpit = await startMailpit({ allowedRecipients: '@example\\.com$' }, binary);
  });
  afterAll(async () => {
    await mailpit?.stop();
  });
  afterEach(async () => {
    await mailpit.clear();
  });
  const smtp = () => ({ allowPrivate: true, smtp: { url: mailpit.smtpUrl, from: 'Vigil <vigil@localhost>' } });

  test('sender, recipients, subject and both links arrive', async () => {
    const outcome = await sendPage(channel('email', { to: ['oncall@example.com', 'lead@example.com'] }), PAGE, DELIVERY, smtp());
    expect(outcome).toMatchObject({ delivered: true, status: 250 });
    const [summary] = await mailpit.waitForMessages(1);
    const message = await mailpit.message(summary?.ID ?? '');
    expect(message.From).toMatchObject({ Name: 'Vigil', Address: 'vigil@localhost' });
    expect(message.To.map((a) => a.Address).sort()).toEqual(['lead@example.com', 'oncall@example.com']);
    expect(message.Subject).toBe(PAGE.title);
    for (const link of [PAGE.incident.url, PAGE.ackUrl ?? '']) {
      expect(message.Text).toContain(link);
      expect(message.HTML).toContain(`href="${link}"`);
    }
    expect(message.HTML).toContain('&lt;fatal&gt;');
  });

  test('a page for a person goes to their address only', async () => {
    expect(await sendPage(channel('email', { to: ['team@example.com'] }), PAGE, { ...DELIVERY, to: 'alice@example.com' }, smtp())).toMatchObject({ delivered: true });
    const [summary] = await mailpit.waitForMessages(1);
    expect(summary?.To.map((a) => a.Address)).toEqual(['alice@example.com']);
  });

  test('a recipient the server refuses is not retried; no SMTP server, or none configured, says so', async () => {
    const refused = await sendPage(channel('email', { to: ['someone@refused.test'] }), PAGE, DELIVERY, smtp());
    expect(refused).toMatchObject({ delivered: false, status: 550, retryable: false, error: expect.stringMatching(/^the SMTP server answered 550/) });
    const closed = await startReceiver();
    await closed.close();
    const down = await sendPage(channel('email', { to: ['a@example.com'] }), PAGE, DELIVERY, { allowPrivate: true, smtp: { url: `smtp://vigil:smtp-pass-123@127.0.0.1:${closed.port}`, from: 'vigil@localhost' } });
    expect(down).toMatchObject({ delivered: false, retryable: true, error: expect.stringMatching(/^the SMTP server did not answer: .*ECONNREFUSED/) });
    expect(JSON.stringify(down)).not.toContain('smtp-pass-123');
    expect(await sendPage(channel('email', { to: ['a@example.com'] }), PAGE, DELIVERY, { allowPrivate: true })).toMatchObject({ delivered: false, retryable: false, error: expect.stringContaining('SMTP_URL') });
  });
});
