// A webhook cut short by `max_alerts` (truncatedAlerts > 0): the rest of the group is read from
// that Alertmanager's API (GET /api/v2/alerts/groups) and turned into the alerts the webhook would
// have carried, so the signals (and their ids) are the same as if nothing had been cut.
import { z } from 'zod';
import { redactUrl } from '../../redact-url.ts';
import type { AlertmanagerAlert, AlertmanagerWebhook } from './normalize.ts';
import { unescapeReceiver } from './normalize.ts';

/** Alertmanager's "no end yet", as the webhook writes it for a firing alert. */
const ZERO_TIME = '0001-01-01T00:00:00Z';
const DEFAULT_TIMEOUT_MS = 5_000;
/** A group of thousands of alerts fits; an answer past this is refused, not buffered. */
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

const time = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'expected an RFC 3339 time' });
const stringMap = z.record(z.string(), z.string());

/** API v2 "gettableAlert" (Alertmanager 0.25–0.34). */
const gettableAlertSchema = z.looseObject({
  labels: stringMap,
  annotations: stringMap,
  startsAt: time,
  endsAt: time,
  updatedAt: time.optional(),
  fingerprint: z.string().min(1),
  generatorURL: z.string().optional(),
  receivers: z.array(z.looseObject({ name: z.string() })),
  status: z.looseObject({ state: z.enum(['active', 'suppressed', 'unprocessed']) }),
});

export const alertGroupsSchema = z.array(z.looseObject({
  labels: stringMap,
  receiver: z.looseObject({ name: z.string() }),
  alerts: z.array(gettableAlertSchema),
}));

export type AlertGroups = z.infer<typeof alertGroupsSchema>;

export class GroupFetchError extends Error {
  override name = 'GroupFetchError';
}

/**
 * Where to ask, in order: the configured addresses whose origin is the payload's externalURL's
 * first (the Alertmanager that sent it), then the others; none configured → externalURL itself.
 */
export function candidateUrls(configured: readonly string[], externalURL: string): string[] {
  const origin = originOf(externalURL);
  if (configured.length === 0) return origin === null ? [] : [externalURL.replace(/\/+$/, '')];
  const same = configured.filter((u) => originOf(u) === origin);
  return [...same, ...configured.filter((u) => !same.includes(u))];
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/**
 * The group's alerts in the webhook's shape. The API lists only alerts not yet resolved: one whose
 * endsAt has passed (a resolve in flight) is given as resolved, the others as firing with the zero
 * endsAt the webhook uses, so their signal ids equal the webhook's. Null when the group is absent.
 */
export function alertsOfGroup(groups: AlertGroups, body: Pick<AlertmanagerWebhook, 'groupLabels' | 'receiver'>, now: Date): AlertmanagerAlert[] | null {
  const receiver = unescapeReceiver(body.receiver);
  const group = groups.find((g) => g.receiver.name === receiver && sameLabels(g.labels, body.groupLabels));
  if (group === undefined) return null;
  return group.alerts.filter((a) => typeof a.labels['alertname'] === 'string').map((a) => {
    const resolved = Date.parse(a.endsAt) <= now.getTime();
    return {
      status: resolved ? 'resolved' : 'firing',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: resolved ? a.endsAt : ZERO_TIME,
      generatorURL: a.generatorURL ?? '',
      fingerprint: a.fingerprint,
      fetchedFrom: 'api/v2/alerts/groups',
    };
  });
}

/** `fetch` refuses URLs with credentials: they go in an Authorization header instead. */
function request(base: string, receiver: string): { url: string; headers: Record<string, string> } {
  const u = new URL(`${base.replace(/\/+$/, '')}/api/v2/alerts/groups`);
  // The API's `receiver` is a regex, and the webhook's receiver is the name regex-escaped: only this
  // receiver's groups come back, which keeps the answer small.
  u.searchParams.set('receiver', receiver);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (u.username !== '' || u.password !== '') {
    headers['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  return { url: u.toString(), headers };
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const reader = res.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new GroupFetchError(`answer larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface GroupFetchOptions {
  /** ALERTMANAGER_URL's addresses (may be empty). */
  urls: readonly string[];
  timeoutMs?: number;
  maxBytes?: number;
  now?: () => Date;
}

/** One Alertmanager's groups, bounded in time and size. */
async function fetchGroups(base: string, receiver: string, timeoutMs: number, maxBytes: number): Promise<AlertGroups> {
  const { url, headers } = request(base, receiver);
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!res.ok) {
    await res.body?.cancel();
    throw new GroupFetchError(`HTTP ${res.status}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(await readCapped(res, maxBytes));
  } catch (err) {
    if (err instanceof GroupFetchError) throw err;
    throw new GroupFetchError('the answer is not JSON');
  }
  const parsed = alertGroupsSchema.safeParse(json);
  if (!parsed.success) throw new GroupFetchError(`unexpected answer: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/**
 * The whole group of a truncated webhook, from the first Alertmanager that has it. Throws
 * GroupFetchError (naming each address tried, credentials redacted) when none could say.
 */
export async function fetchTruncatedGroup(body: AlertmanagerWebhook, options: GroupFetchOptions): Promise<AlertmanagerAlert[]> {
  const urls = candidateUrls(options.urls, body.externalURL);
  const failures: string[] = [];
  let answered = false;
  for (const base of urls) {
    try {
      const groups = await fetchGroups(base, body.receiver, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.maxBytes ?? DEFAULT_MAX_BYTES);
      const alerts = alertsOfGroup(groups, body, options.now?.() ?? new Date());
      if (alerts !== null) return alerts;
      answered = true;
      failures.push(`${redactUrl(base)}: no group ${JSON.stringify(body.groupLabels)} for receiver ${JSON.stringify(unescapeReceiver(body.receiver))}`);
    } catch (err) {
      failures.push(`${redactUrl(base)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // A group whose alerts all resolved is gone from the API (it lists no resolved alerts): nothing to add.
  if (answered && body.status === 'resolved') return [];
  if (urls.length === 0) failures.push(`externalURL ${JSON.stringify(redactUrl(body.externalURL))} is not an http(s) address and ALERTMANAGER_URL is unset`);
  throw new GroupFetchError(failures.join('; '));
}

/** The webhook's alerts, then those of the group it left out (by fingerprint). */
export function mergeAlerts(sent: readonly AlertmanagerAlert[], group: readonly AlertmanagerAlert[]): AlertmanagerAlert[] {
  const seen = new Set(sent.map((a) => a.fingerprint));
  return [...sent, ...group.filter((a) => !seen.has(a.fingerprint))];
}
