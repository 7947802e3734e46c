// A notification channel's settings, per type (API.md "Paging", contract ChannelConfigs): what an
// admin may save, which fields are secrets, and how a secret is shown (masked) on the way out.
import { z } from 'zod';
import { MASKED, type ChannelType, type ChannelConfigs } from '../contract/index.ts';
import { redactUrl } from '../redact-url.ts';

/**
 * Fields stored encrypted (paging/secrets.ts) and never answered: the tokens, and the whole URL of
 * the types whose URL is itself the credential (Slack, Teams, Discord and Mattermost webhooks, and
 * a webhook's, which often carries one).
 */
export const SECRET_FIELDS: Readonly<Record<ChannelType, readonly string[]>> = {
  webhook: ['url', 'secret'],
  slack: ['url'],
  teams: ['url'],
  discord: ['url'],
  mattermost: ['url'],
  telegram: ['botToken'],
  ntfy: ['token'],
  email: [],
};

const httpUrl = z.string({ error: 'expected an http(s) URL' }).trim().max(2_048, 'at most 2048 characters').refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}, { message: 'expected an http:// or https:// URL' });

const optionalSecret = (what: string) => z.string({ error: `expected ${what} as a string` }).max(512, 'at most 512 characters').optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const webhookOnly = z.strictObject({ url: httpUrl });

const schemas: { [T in ChannelType]: z.ZodType<ChannelConfigs[T]> } = {
  webhook: z.strictObject({
    url: httpUrl,
    secret: optionalSecret('the signing secret'),
  }),
  slack: webhookOnly,
  teams: webhookOnly,
  discord: webhookOnly,
  mattermost: webhookOnly,
  telegram: z.strictObject({
    botToken: z.string({ error: 'expected the bot token BotFather gave, e.g. 123456:ABC-DEF…' }).trim()
      .max(200, 'at most 200 characters')
      .regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected the bot token BotFather gave, e.g. 123456:ABC-DEF…'),
    // A group's id is negative; a public channel can be named @name.
    chatId: z.union([z.string(), z.number().int()], { error: 'expected a chat id (e.g. -1001234567890) or @channelname' })
      .transform((v) => String(v).trim())
      .refine((v) => /^-?\d{1,20}$/.test(v) || /^@[A-Za-z0-9_]{4,64}$/.test(v), { message: 'expected a chat id (e.g. -1001234567890) or @channelname' }),
  }),
  ntfy: z.strictObject({
    url: httpUrl,
    // ntfy's own rule for topic names.
    topic: z.string({ error: 'expected a topic name' }).trim().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected 1 to 64 letters, digits, - or _'),
    token: optionalSecret('the access token'),
  }),
  email: z.strictObject({
    to: z.array(z.email({ error: 'expected an e-mail address' }).max(254, 'at most 254 characters'), { error: 'expected a list of e-mail addresses' })
      .min(1, 'at least one address').max(20, 'at most 20 addresses'),
  }),
};

/** A stored (opened) config read again through its type's schema, typed; throws a ZodError when it no longer fits. */
export function channelConfigOf<T extends ChannelType>(type: T, config: unknown): ChannelConfigs[T] {
  return (schemas[type] as z.ZodType<ChannelConfigs[T]>).parse(config);
}

/** `scheme://host/••••••` for a URL whose path or query may carry a token; the bare origin otherwise. */
export function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    const origin = `${url.protocol}//${url.host}`;
    return url.pathname.length > 1 || url.search !== '' ? `${origin}/${MASKED}` : `${origin}/`;
  } catch {
    return MASKED;
  }
}

function maskField(field: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return field === 'url' ? maskUrl(value) : MASKED;
}

/** The config as the API shows it: secret fields masked, any other URL without its credentials. */
export function maskChannelConfig(type: ChannelType, config: Record<string, unknown>): Record<string, unknown> {
  const secret = SECRET_FIELDS[type];
  const shown: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(config)) {
    if (secret.includes(field)) shown[field] = maskField(field, value);
    else if (field === 'url' && typeof value === 'string') shown[field] = redactUrl(value);
    else shown[field] = value;
  }
  return shown;
}

/**
 * An admin's config for `type`, validated; throws a ZodError whose issues name the field. A secret
 * sent back as the API showed it (MASKED, or the masked URL) keeps the `previous` (opened) value,
 * so editing a channel's name does not require its token again.
 */
export function parseChannelConfig(type: ChannelType, input: unknown, previous?: Record<string, unknown>): Record<string, unknown> {
  let candidate = input;
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const merged: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    const issues: z.core.$ZodIssue[] = [];
    for (const field of SECRET_FIELDS[type]) {
      const sent = merged[field];
      if (typeof sent !== 'string' || !sent.includes(MASKED)) continue;
      const kept = previous?.[field];
      if (typeof kept === 'string' && (sent === MASKED || sent === maskField(field, kept))) {
        merged[field] = kept;
      } else {
        issues.push({
          code: 'custom', path: [field], input: sent,
          message: kept === undefined ? 'no stored value to keep: send the value itself' : 'a masked value can only be sent back unchanged: send the whole value again',
        });
      }
    }
    if (issues.length > 0) throw new z.ZodError(issues);
    candidate = merged;
  }
  const parsed = channelConfigOf(type, candidate) as unknown as Record<string, unknown>;
  // An optional secret left empty is absent, not stored as `undefined`.
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined));
}
