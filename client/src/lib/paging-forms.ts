// Paging in words and forms: each channel type's fields, the config a form sends (secrets left as
// the server masked them are kept), targets, lists typed as text, UTC inputs, the countdown to the
// next escalation step. Pure.
import {
  MASKED, type ChannelType, type DeliveryState, type DeliveryView, type EscalationTarget, type Incident,
  type IncidentPaging, type MaintenanceWindow, type NotificationChannel, type TestSendResult,
} from '@vigil/server/contract';
import type { Tone } from './connection.ts';
import { formatDuration } from './time.ts';
import { ApiError } from './api.ts';
import { isRecord } from './wire.ts';
import { CHANNEL_TYPE_LABELS } from './paging-health.ts';

export { CHANNEL_TYPE_LABELS };

/** `secret`: a password input; `list`: several values typed as text (comma- or line-separated). */
export type FieldKind = 'text' | 'url' | 'secret' | 'list';

export interface ChannelField {
  key: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  hint: string;
}

const webhookUrl = (hint: string): ChannelField => ({ key: 'url', label: 'Webhook URL', kind: 'secret', required: true, hint });

/** What an admin types for each channel type (API.md "Paging"); URLs that carry tokens are secrets. */
export const CHANNEL_FIELDS: Record<ChannelType, ChannelField[]> = {
  webhook: [
    webhookUrl('http(s) address that receives a JSON POST per page'),
    { key: 'secret', label: 'Signing secret', kind: 'secret', required: false, hint: 'optional: signs each body (X-Vigil-Signature, HMAC-SHA256)' },
  ],
  slack: [webhookUrl('Slack incoming webhook, https://hooks.slack.com/services/…')],
  teams: [webhookUrl('Teams Workflows webhook URL')],
  discord: [webhookUrl('Discord webhook, https://discord.com/api/webhooks/…')],
  mattermost: [webhookUrl('Mattermost incoming webhook URL')],
  telegram: [
    { key: 'botToken', label: 'Bot token', kind: 'secret', required: true, hint: 'from @BotFather, 123456:ABC…' },
    { key: 'chatId', label: 'Chat id', kind: 'text', required: true, hint: 'the group or channel to post to, e.g. -1001234567890' },
  ],
  ntfy: [
    { key: 'url', label: 'Server URL', kind: 'url', required: true, hint: 'e.g. https://ntfy.sh' },
    { key: 'topic', label: 'Topic', kind: 'text', required: true, hint: 'the topic phones subscribe to' },
    { key: 'token', label: 'Access token', kind: 'secret', required: false, hint: 'optional, for a protected topic' },
  ],
  email: [
    { key: 'to', label: 'Recipients', kind: 'list', required: true, hint: 'addresses, comma-separated (sent through the server\'s SMTP_URL)' },
  ],
};

/** A value the server sent back masked: a secret, or a URL with its token replaced. */
export function isMasked(value: string): boolean {
  return value.includes(MASKED);
}

/** Several values typed as one text: split on commas, semicolons and white space, blanks and repeats dropped. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
}

/** The form's text for each field of `type`, from a stored config (masked secrets as the server sent them). */
export function channelValues(type: ChannelType, config: Record<string, unknown> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of CHANNEL_FIELDS[type]) {
    const v = config[f.key];
    out[f.key] = Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(', ') : typeof v === 'string' ? v : '';
  }
  return out;
}

/**
 * The config a channel form sends. A secret left untouched is sent back exactly as the server
 * masked it, which tells the server to keep the stored one; an empty optional field is left out;
 * an empty required one is sent empty so the server's 400 names it.
 */
export function channelConfig(type: ChannelType, values: Record<string, string>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of CHANNEL_FIELDS[type]) {
    const raw = values[f.key] ?? '';
    const text = f.kind === 'secret' && isMasked(raw) ? raw : raw.trim();
    if (f.kind === 'list') {
      const list = splitList(text);
      if (list.length > 0 || f.required) config[f.key] = list;
    } else if (text !== '' || f.required) {
      config[f.key] = text;
    }
  }
  return config;
}

/** One key per target, for pickers and lists: `channel:<id>`, `user:<id>`, `schedule:<id>`. */
export function targetKey(t: EscalationTarget): string {
  if ('channelId' in t) return `channel:${t.channelId}`;
  if ('userId' in t) return `user:${t.userId}`;
  return `schedule:${t.scheduleId}`;
}

export function targetFromKey(key: string): EscalationTarget | null {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const id = key.slice(colon + 1);
  if (colon < 0 || id === '') return null;
  if (kind === 'channel') return { channelId: id };
  if (kind === 'user') return { userId: id };
  if (kind === 'schedule') return { scheduleId: id };
  return null;
}

/** Names of what targets point at; a name nobody knows any more reads as the id it was. */
export interface Directory {
  channels: ReadonlyMap<string, string>;
  users: ReadonlyMap<string, string>;
  schedules: ReadonlyMap<string, string>;
}

export function targetLabel(t: EscalationTarget, dir: Directory): string {
  if ('channelId' in t) return `channel ${dir.channels.get(t.channelId) ?? t.channelId}`;
  if ('userId' in t) return dir.users.get(t.userId) ?? t.userId;
  return `on call in ${dir.schedules.get(t.scheduleId) ?? t.scheduleId}`;
}

/** "at once", "after 5 m 00 s": when a step pages, counted from the incident's opening. */
export function afterText(seconds: number): string {
  return seconds <= 0 ? 'at once' : `after ${formatDuration(seconds * 1000)}`;
}

/** A step's time as its form hints it: "when the incident opens", "5 m 00 s after the incident opens". */
export function stepWhen(seconds: number | null): string {
  if (seconds === null) return 'seconds after the incident opens';
  return seconds <= 0 ? 'when the incident opens' : `${formatDuration(seconds * 1000)} after the incident opens`;
}

/** A time shown and typed in UTC as a datetime-local input holds it: "2026-12-07T09:00". */
export function utcInputValue(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 16);
}

/** The instant a UTC datetime-local value stands for, ISO; '' when it is not one (the server then names the field). */
export function fromUtcInput(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return '';
  const ms = Date.parse(`${value}Z`);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/** Every IANA zone the browser knows, with `keep` (the schedule's own) and UTC always offered. */
export function timeZones(keep?: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    // an old browser: UTC and the schedule's own zone are still offered
  }
  return [...new Set(['UTC', ...(keep ? [keep] : []), ...zones])].sort();
}

export type WindowState = 'active' | 'upcoming' | 'over';

export function windowState(w: Pick<MaintenanceWindow, 'start' | 'end'>, now: Date): WindowState {
  const t = now.getTime();
  if (Date.parse(w.end) <= t) return 'over';
  return Date.parse(w.start) <= t ? 'active' : 'upcoming';
}

/** "3:12", "1:02:03": minutes and seconds left, never below zero. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export interface EscalationLine {
  text: string;
  tone: Tone;
  /** The next step is due and has not been reported yet. */
  due: boolean;
}

/** Steps are numbered from 1 for people (`nextStep` counts from 0, as the policy's steps do). */
export function escalationLine(paging: IncidentPaging, incident: Pick<Incident, 'status' | 'acknowledgedBy' | 'acknowledgedAt'>, now: Date): EscalationLine | null {
  if (incident.status === 'resolved') return { text: 'Escalation stopped: the incident is resolved.', tone: 'resolved', due: false };
  if (incident.acknowledgedAt) {
    return { text: `Escalation stopped: acknowledged${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''}.`, tone: 'resolved', due: false };
  }
  if (paging.nextStepAt !== undefined) {
    const step = paging.nextStep === undefined ? 'the next step' : `step ${paging.nextStep + 1}`;
    const left = Date.parse(paging.nextStepAt) - now.getTime();
    if (Number.isNaN(left)) return null;
    // The first step of the chain pages; every later one escalates.
    const verb = paging.nextStep === 0 ? ['Pages', 'Paging'] : ['Escalates to', 'Escalating to'];
    if (left <= 0) return { text: `${verb[1]} ${step} now…`, tone: 'warning', due: true };
    return { text: `${verb[0]} ${step} in ${formatCountdown(left)} unless acknowledged`, tone: 'warning', due: false };
  }
  if (paging.deliveries.length > 0) return { text: 'No further escalation step: everyone in the policy has been paged.', tone: 'unknown', due: false };
  return null;
}

export const DELIVERY_STATE_WORDS: Record<DeliveryState, { label: string; glyph: string; tone: Tone }> = {
  delivered: { label: 'Delivered', glyph: '✓', tone: 'resolved' },
  pending: { label: 'Pending', glyph: '…', tone: 'unknown' },
  failed: { label: 'Failed', glyph: '✕', tone: 'critical' },
  cancelled: { label: 'Cancelled', glyph: '–', tone: 'unknown' },
};

/** "2 delivered · 1 failed": how many in each state, in a fixed order, zeros left out. */
export function deliveryCounts(deliveries: readonly Pick<DeliveryView, 'state'>[]): string {
  const order: DeliveryState[] = ['delivered', 'pending', 'failed', 'cancelled'];
  return order
    .map((s) => [s, deliveries.filter((d) => d.state === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(' · ');
}

/** What the message was: the first page, an escalation step, a closing notice. */
export function deliveryPurpose(d: Pick<DeliveryView, 'event' | 'step'>): string {
  switch (d.event) {
    case 'incident.opened': return 'first page';
    case 'incident.escalated': return d.step === undefined ? 'escalation' : `escalation, step ${d.step + 1}`;
    case 'incident.acknowledged': return 'acknowledged notice';
    case 'incident.resolved': return 'resolved notice';
    case 'digest': return 'digest';
    case 'test': return 'test';
  }
}

/** A 400's problems keyed by their dotted path (`config.url`, `steps.0.afterSeconds`); `body` for the whole. */
export function problemsByPath(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return out;
  for (const d of err.details) {
    if (!isRecord(d) || !Array.isArray(d['path']) || typeof d['message'] !== 'string') continue;
    const key = d['path'].length > 0 ? d['path'].map(String).join('.') : 'body';
    out[key] = out[key] ? `${out[key]}; ${d['message']}` : d['message'];
  }
  return out;
}

/** The problem with a field or anything inside it ("steps.1" takes "steps.1.targets"), or undefined. */
export function problemAt(problems: Record<string, string>, path: string): string | undefined {
  const found = Object.entries(problems).filter(([k]) => k === path || k.startsWith(`${path}.`)).map(([, m]) => m);
  return found.length > 0 ? found.join('; ') : undefined;
}

/** Where a channel sends, as its list shows it (secrets stay as the server masked them). */
export function channelDestination(c: Pick<NotificationChannel, 'type' | 'config'>): string {
  const text = (key: string): string => (typeof c.config[key] === 'string' ? c.config[key] : '');
  switch (c.type) {
    case 'email': return Array.isArray(c.config['to']) ? c.config['to'].filter((x) => typeof x === 'string').join(', ') : '';
    case 'telegram': return text('chatId') ? `chat ${text('chatId')}` : '';
    case 'ntfy': return [text('url').replace(/\/+$/, ''), text('topic')].filter(Boolean).join('/');
    default: return text('url');
  }
}

/** "Delivered — answered 200 in 312 ms" / "Not delivered — connect ECONNREFUSED (5003 ms)". */
export function testResultText(r: TestSendResult): string {
  if (r.delivered) return `Delivered — ${r.status !== undefined ? `answered ${r.status} ` : ''}in ${r.ms} ms`;
  const why = r.error ?? (r.status !== undefined ? `answered ${r.status}` : 'no answer');
  return `Not delivered — ${why} (${r.ms} ms)`;
}

/** What a "page me now" result went through, when the server names it (the contract does not require it). */
export function resultVia(r: TestSendResult): string | undefined {
  const extra = r as TestSendResult & Record<string, unknown>;
  for (const key of ['method', 'channelName', 'channel', 'via']) {
    const v = extra[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export const CONTACT_FIELDS = [
  { key: 'email', label: 'E-mail', type: 'email', hint: 'pages by mail (the server\'s SMTP)' },
  { key: 'ntfyTopic', label: 'ntfy topic', type: 'text', hint: 'the topic your phone\'s ntfy app subscribes to' },
  { key: 'telegramChatId', label: 'Telegram chat id', type: 'text', hint: 'your chat with the Telegram channel\'s bot' },
  { key: 'slackMemberId', label: 'Slack member id', type: 'text', hint: 'U0123ABCD: Slack pages mention you' },
] as const;
