// What every channel shows of a page besides its title and text, in plain words: the facts
// (severity, service, host, who did not answer, how long it lasted), the links, a digest's list.
// Each channel escapes and lays these out in its own markup.
import type { PageMessage, PagedIncident } from '../message.ts';

/** Where one page goes and which attempt this is (the dispatcher's view of an outbox record). */
export interface Delivery {
  id: string;
  attempt: number;
  sentAt: string;
  /** A person's address on this channel's transport: e-mail, ntfy topic, Telegram chat id. */
  to?: string;
}

/** A request one HTTP channel sends: built by a pure format function, sent by postOutbound. */
export interface ChannelRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Link {
  label: string;
  url: string;
}

/** At most `max` characters (by code point), the cut marked with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** "2 h 5 min", "3 min 20 s", "42 s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return s > 0 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

/** Open the incident (the board for a digest is the first incident's page), and acknowledge when the page carries a link. */
export function pageLinks(message: PageMessage): Link[] {
  const links: Link[] = [{ label: message.incidents && message.incidents.length > 1 ? 'Open first incident' : 'Open incident', url: message.incident.url }];
  if (message.ackUrl !== undefined) links.push({ label: message.incidents && message.incidents.length > 1 ? 'Acknowledge all' : 'Acknowledge', url: message.ackUrl });
  return links;
}

/** Label and value pairs a chat card shows beside the text. */
export function pageFacts(message: PageMessage): Array<[string, string]> {
  const incident = message.incident;
  const facts: Array<[string, string]> = [
    ['Severity', message.severity.toUpperCase()],
    ['Service', incident.service],
    ['Host', incident.host],
  ];
  if (message.escalation !== undefined) {
    facts.push(['Step', `${message.escalation.step + 1}${message.escalation.round > 0 ? ` (round ${message.escalation.round + 1})` : ''}`]);
    if (message.escalation.notAnswering.length > 0) facts.push(['Not answering', message.escalation.notAnswering.join(', ')]);
  }
  if (message.durationMs !== undefined) facts.push(['Lasted', formatDuration(message.durationMs)]);
  return facts;
}

/** Incidents a digest lists beyond `max`: the chat shows the first ones and says how many more. */
export function digestEntries(message: PageMessage, max: number): { shown: PagedIncident[]; more: number } {
  const all = message.incidents ?? [];
  return { shown: all.slice(0, max), more: Math.max(0, all.length - max) };
}

/** One line per digest entry, plain: "CRITICAL web down on local". */
export function incidentLine(incident: PagedIncident): string {
  return `${incident.severity.toUpperCase()} ${incident.title} (${incident.service} on ${incident.host})`;
}

/** The colour of a page in chats that have one: by event first (resolved green), then by severity. */
export function pageColor(message: PageMessage): number {
  if (message.event === 'incident.resolved') return 0x2e7d32;
  if (message.event === 'incident.acknowledged') return 0x546e7a;
  if (message.event === 'test') return 0x1565c0;
  return message.severity === 'critical' ? 0xc62828 : message.severity === 'warning' ? 0xef8f00 : 0x1565c0;
}
