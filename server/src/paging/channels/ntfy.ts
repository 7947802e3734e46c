// ntfy: the text as the body of a POST to `<server>/<topic>`, everything else in headers (Title,
// Priority, Tags, Click, Actions), as ntfy's publishing docs describe.
import type { ChannelConfigs } from '../../contract/index.ts';
import type { PageMessage } from '../message.ts';
import { digestEntries, incidentLine, pageFacts, truncate, type ChannelRequest, type Delivery } from './render.ts';

/** ntfy keeps messages up to 4096 bytes as text; longer ones become attachments. */
const BODY_MAX_CHARS = 3_000;

/**
 * A header value as ntfy reads it: one line, and non-ASCII as an RFC 2047 encoded word (which ntfy
 * decodes), since HTTP header values are Latin-1 at best.
 */
export function ntfyHeader(value: string): string {
  const oneLine = value.replace(/[\r\n]+/g, ' ').trim();
  return /^[\x20-\x7e]*$/.test(oneLine) ? oneLine : `=?UTF-8?B?${Buffer.from(oneLine, 'utf8').toString('base64')}?=`;
}

/**
 * 5 (urgent: through Do Not Disturb) for critical, 4 for warning, 3 for info. Pages that need
 * nobody out of bed (acknowledged, resolved, a test) are 3 whatever the severity.
 */
export function ntfyPriority(message: PageMessage): number {
  if (message.event === 'incident.acknowledged' || message.event === 'incident.resolved' || message.event === 'test') return 3;
  return message.severity === 'critical' ? 5 : message.severity === 'warning' ? 4 : 3;
}

function tags(message: PageMessage): string {
  const emoji = message.event === 'incident.resolved' ? 'white_check_mark'
    : message.event === 'incident.acknowledged' ? 'eyes'
      : message.severity === 'critical' ? 'rotating_light' : message.severity === 'warning' ? 'warning' : 'information_source';
  // Tags are comma-separated: a service name keeps its letters only.
  const service = message.incident.service.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
  return service === '' ? emoji : `${emoji},${service}`;
}

export function formatNtfy(config: ChannelConfigs['ntfy'], message: PageMessage, delivery: Delivery): ChannelRequest {
  const { shown, more } = digestEntries(message, 15);
  const digest = shown.map((i) => `• ${truncate(incidentLine(i), 120)}`).join('\n') + (more > 0 ? `\n…and ${more} more` : '');
  const facts = pageFacts(message).filter(([k]) => k === 'Not answering' || k === 'Lasted').map(([k, v]) => `${k}: ${v}`).join('\n');
  const body = truncate([message.text, digest, facts].filter((p) => p !== '').join('\n\n'), BODY_MAX_CHARS);
  const topic = delivery.to ?? config.topic;
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    title: ntfyHeader(truncate(message.title, 250)),
    priority: String(ntfyPriority(message)),
    tags: tags(message),
    click: message.incident.url,
  };
  if (message.ackUrl !== undefined) headers.actions = `view, Acknowledge, ${message.ackUrl}`;
  if (config.token !== undefined) headers.authorization = `Bearer ${config.token}`;
  return { url: `${config.url.replace(/\/+$/, '')}/${encodeURIComponent(topic)}`, headers, body };
}
