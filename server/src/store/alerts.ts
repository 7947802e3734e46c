// The alert history projection (GET /api/alerts): one record per alert identity (fingerprint), its
// firing periods (one per startsAt), and the incidents its signals were on. Both stores write it in
// the same commit as the signals, from the alert signals of the commit and of the timeline entries
// it appends; every write is idempotent and independent of order (a resolve stored before its
// firing keeps its end), so re-sent signals and re-derived timelines change nothing.
import type { Decision } from '../domain/decision.ts';
import type { Signal } from '../domain/signal.ts';

/** What one alert signal says about its alert. */
export interface AlertFact {
  fingerprint: string;
  alertname: string;
  service?: string;
  labels: Record<string, string>;
  /** The period it belongs to: startsAt as ISO with milliseconds (Go trims trailing zeros). */
  startsAt: string;
  /** Resolved signals only: when the period ended. */
  endsAt?: string;
  /** The signal's time (firing: startsAt; resolved: endsAt): what "last seen" orders by. */
  at: string;
}

/** An alert signal's tie to an incident (from the timeline entry that carries it). */
export interface AlertLink {
  fingerprint: string;
  incidentId: string;
  at: string;
}

export interface AlertRecord {
  fingerprint: string;
  alertname: string;
  service?: string;
  labels: Record<string, string>;
  firstAt: string;
  lastAt: string;
}

export interface AlertPeriodRecord {
  startsAt: string;
  /** Absent while firing (or while Vigil has not heard the resolve). */
  endsAt?: string;
}

export interface AlertQuery {
  service?: string;
  alertname?: string;
  /** Every pair must match (exact). */
  labels: ReadonlyArray<readonly [string, string]>;
  /** Case-insensitive substring of the alert name, service or any label name or value. */
  text?: string;
  limit: number;
  /** The last record of the previous page (newest first by lastAt, then fingerprint). */
  after?: { lastAt: string; fingerprint: string };
}

export interface AlertPeriods {
  /** Periods overlapping the window, newest first, at most the limit asked for. */
  items: AlertPeriodRecord[];
  /** How many periods overlap the window in all. */
  total: number;
  /** The newest period of all (whatever the window): firing now when it has no end. */
  latest?: AlertPeriodRecord;
}

export interface AlertRepository {
  /** Newest first (lastAt desc, fingerprint desc); `limit + 1` rows tell whether there is more. */
  list(query: AlertQuery): Promise<AlertRecord[]>;
  get(fingerprint: string): Promise<AlertRecord | null>;
  /** Periods overlapping [from, to); `before` (a startsAt) continues a previous page. */
  periods(fingerprint: string, window: { from: string; to: string }, limit: number, before?: string): Promise<AlertPeriods>;
  /** Incidents the alert was on, newest tie first, at most `limit`. */
  incidents(fingerprint: string, limit: number): Promise<AlertLink[]>;
}

const ALERT_KINDS = new Set(['alert.firing', 'alert.resolved']);

function iso(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The alert an alert signal (webhook or Prometheus path) is about; null for any other signal. */
export function alertFact(signal: Signal): AlertFact | null {
  if (!ALERT_KINDS.has(signal.kind)) return null;
  const a = signal.attributes;
  const fingerprint = a['fingerprint'];
  const startsAt = iso(a['startsAt']);
  const labels = stringRecord(a['labels']);
  if (typeof fingerprint !== 'string' || fingerprint === '' || startsAt === undefined || labels === undefined) return null;
  const resolved = signal.kind === 'alert.resolved';
  return {
    fingerprint,
    alertname: typeof a['alertname'] === 'string' ? a['alertname'] : (labels['alertname'] ?? ''),
    ...(signal.service === undefined ? {} : { service: signal.service }),
    labels,
    startsAt,
    ...(resolved ? { endsAt: iso(a['endsAt']) ?? iso(signal.at) ?? signal.at } : {}),
    at: iso(signal.at) ?? signal.at,
  };
}

/** Alert signals carried by a timeline entry's data (makeEntry keeps them whole). */
function entrySignals(data: unknown): Signal[] {
  if (typeof data !== 'object' || data === null) return [];
  const signals = (data as Record<string, unknown>)['signals'];
  if (!Array.isArray(signals)) return [];
  return signals.filter((s): s is Signal =>
    typeof s === 'object' && s !== null && typeof (s as Signal).kind === 'string' && ALERT_KINDS.has((s as Signal).kind)
    && typeof (s as Signal).attributes === 'object' && (s as Signal).attributes !== null);
}

/**
 * What a commit adds to the projection: the facts of its new alert signals and of those its
 * appended entries carry (after a MongoDB crash the restore re-appends them), and their incidents.
 */
export function alertProjection(fresh: readonly Signal[], decisions: readonly Decision[]): { facts: AlertFact[]; links: AlertLink[] } {
  const facts = new Map<string, AlertFact>();
  const links = new Map<string, AlertLink>();
  const add = (signal: Signal): AlertFact | null => {
    const fact = alertFact(signal);
    if (fact !== null) facts.set(signal.id, fact);
    return fact;
  };
  for (const signal of fresh) add(signal);
  for (const d of decisions) {
    if (d.type !== 'timeline:append') continue;
    for (const signal of entrySignals(d.entry.data)) {
      const fact = add(signal);
      if (fact !== null) links.set(`${fact.fingerprint}\u0000${d.entry.incidentId}`, { fingerprint: fact.fingerprint, incidentId: d.entry.incidentId, at: d.entry.at });
    }
  }
  return { facts: [...facts.values()], links: [...links.values()] };
}
