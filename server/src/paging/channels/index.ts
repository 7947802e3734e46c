// A page to one channel: the channel's settings read again through its schema, the page formatted
// as that service documents it (one small module per type), sent through the guarded outbound
// request (paging/http.ts) or SMTP, and the answer turned into an outcome the dispatcher acts on.
import type { ChannelConfigs, ChannelType } from '../../contract/index.ts';
import { channelConfigOf, SECRET_FIELDS } from '../channel-config.ts';
import { postOutbound } from '../http.ts';
import type { PageMessage } from '../message.ts';
import { formatDiscord } from './discord.ts';
import { formatEmail, sendEmail } from './email.ts';
import { formatMattermost } from './mattermost.ts';
import { formatNtfy } from './ntfy.ts';
import { answerOutcome, errorOutcome, type SendOutcome } from './outcome.ts';
import type { ChannelRequest, Delivery } from './render.ts';
import { formatSlack } from './slack.ts';
import { formatTeams } from './teams.ts';
import { formatTelegram } from './telegram.ts';
import { formatWebhook } from './webhook.ts';

export type { SendOutcome } from './outcome.ts';
export type { ChannelRequest, Delivery } from './render.ts';

export interface PageChannel {
  id: string;
  name: string;
  type: ChannelType;
  /** Opened (secrets in plain text), as stored. */
  config: Record<string, unknown>;
}

export interface SendContext {
  /** NOTIFY_ALLOW_PRIVATE=true: loopback and private addresses may be reached. */
  allowPrivate: boolean;
  /** SMTP_URL and SMTP_FROM; e-mail pages fail (not retried) without them. */
  smtp?: { url: string; from: string };
}

type HttpType = Exclude<ChannelType, 'email'>;

const FORMATS: { [T in HttpType]: (config: ChannelConfigs[T], message: PageMessage, delivery: Delivery) => ChannelRequest } = {
  webhook: formatWebhook,
  slack: formatSlack,
  teams: formatTeams,
  discord: formatDiscord,
  mattermost: formatMattermost,
  telegram: (config, message, delivery) => formatTelegram(config, message, delivery),
  ntfy: formatNtfy,
};

/** How errors name the other side: "Slack answered 404: no_service". */
export const SERVICE_NAMES: Readonly<Record<ChannelType, string>> = {
  webhook: 'the webhook receiver',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  discord: 'Discord',
  mattermost: 'Mattermost',
  telegram: 'Telegram',
  ntfy: 'ntfy',
  email: 'the SMTP server',
};

/**
 * Every form in which a channel's secrets could come back in an answer or an error: the values,
 * and a secret URL's path, query and long path segments (a receiver's 404 page often quotes the path).
 */
export function secretValues(type: ChannelType, config: Record<string, unknown>): string[] {
  const values: string[] = [];
  for (const field of [...SECRET_FIELDS[type], 'url']) {
    const value = config[field];
    if (typeof value !== 'string' || value === '') continue;
    if (field !== 'url' || SECRET_FIELDS[type].includes('url')) values.push(value);
    if (field === 'botToken') values.push(value.slice(value.indexOf(':') + 1));
    if (field !== 'url') continue;
    try {
      const url = new URL(value);
      if (url.password !== '') values.push(url.password, decodeURIComponent(url.password));
      if (!SECRET_FIELDS[type].includes('url')) continue;
      if (url.pathname.length > 1) values.push(`${url.pathname}${url.search}`, url.pathname);
      for (const segment of url.pathname.split('/')) if (segment.length >= 8) values.push(segment, decodeURIComponent(segment));
      for (const param of url.searchParams.values()) if (param.length >= 8) values.push(param);
    } catch {
      // Not a URL: its value alone is hidden.
    }
  }
  // Longest first: a value that contains another is hidden whole.
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** The request an HTTP channel would send (the test-send route and the tests show it). */
export function formatPage(type: HttpType, config: Record<string, unknown>, message: PageMessage, delivery: Delivery): ChannelRequest {
  const format = FORMATS[type] as (config: unknown, message: PageMessage, delivery: Delivery) => ChannelRequest;
  return format(channelConfigOf(type, config), message, delivery);
}

export async function sendPage(channel: PageChannel, message: PageMessage, delivery: Delivery, ctx: SendContext): Promise<SendOutcome> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  const service = SERVICE_NAMES[channel.type];
  const secrets = secretValues(channel.type, channel.config);
  let config: Record<string, unknown>;
  try {
    config = channelConfigOf(channel.type, channel.config) as unknown as Record<string, unknown>;
  } catch (err) {
    const issues = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues ?? [];
    const said = issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ') || String(err);
    return { delivered: false, error: `the settings of channel ${channel.name} are not valid (${said}): edit the channel`, retryable: false, ms: ms() };
  }

  if (channel.type === 'email') {
    if (ctx.smtp === undefined) {
      return { delivered: false, error: 'e-mail cannot be sent: SMTP_URL is not set where Vigil runs', retryable: false, ms: ms() };
    }
    return sendEmail(ctx.smtp, formatEmail(config as unknown as ChannelConfigs['email'], message, delivery));
  }

  try {
    const request = formatPage(channel.type, config, message, delivery);
    const response = await postOutbound(request.url, { headers: request.headers, body: request.body, allowPrivate: ctx.allowPrivate });
    return answerOutcome(service, response, secrets);
  } catch (err) {
    return errorOutcome(service, err, ms(), secrets);
  }
}
