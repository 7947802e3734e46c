// Alert history in the UI: the search box's words ↔ the API's query (and the page's URL), the
// answer's shape checked before use, and where a firing period sits on the window's bar.
import type { AlertList, AlertPeriod, AlertSummary } from '@vigil/server/contract';

/** What the search box says, split into the API's filters. */
export interface AlertSearch {
  service?: string;
  alertname?: string;
  /** `key=value` terms, each exact. */
  labels: Array<[string, string]>;
  /** Anything else: matched as text against names and labels. */
  text?: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * `service=api alertname=HighCpu team=core disk` → service, alert name, label pairs, and the rest
 * as free text. `service` and `alertname` given as key=value are the API's own filters (indexed).
 */
export function parseAlertSearch(input: string): AlertSearch {
  const search: AlertSearch = { labels: [] };
  const words: string[] = [];
  for (const term of input.trim().split(/\s+/).filter((t) => t !== '')) {
    const eq = term.indexOf('=');
    const key = eq > 0 ? term.slice(0, eq) : '';
    const value = eq > 0 ? term.slice(eq + 1) : '';
    if (!LABEL_NAME.test(key) || value === '') words.push(term);
    else if (key === 'service' && search.service === undefined) search.service = value;
    else if (key === 'alertname' && search.alertname === undefined) search.alertname = value;
    else if (search.labels.length < 10) search.labels.push([key, value]);
  }
  if (words.length > 0) search.text = words.join(' ').slice(0, 200);
  return search;
}

/** The API's query string for a search (and a page of it). */
export function alertQuery(search: AlertSearch, extra: { limit?: number; cursor?: string } = {}): string {
  const params = new URLSearchParams();
  if (search.service) params.set('service', search.service);
  if (search.alertname) params.set('alertname', search.alertname);
  for (const [k, v] of search.labels) params.append('label', `${k}=${v}`);
  if (search.text) params.set('q', search.text);
  if (extra.limit !== undefined) params.set('limit', String(extra.limit));
  if (extra.cursor !== undefined) params.set('cursor', extra.cursor);
  return params.toString();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPeriod(v: unknown): v is AlertPeriod {
  return isRecord(v) && typeof v['startsAt'] === 'string' && (v['endsAt'] === undefined || typeof v['endsAt'] === 'string');
}

function isSummary(v: unknown): v is AlertSummary {
  return isRecord(v) && typeof v['fingerprint'] === 'string' && typeof v['alertname'] === 'string'
    && isRecord(v['labels']) && typeof v['firingNow'] === 'boolean' && typeof v['firings'] === 'number'
    && typeof v['morePeriods'] === 'number' && Array.isArray(v['periods']) && v['periods'].every(isPeriod)
    && Array.isArray(v['incidents']) && v['incidents'].every((i) => isRecord(i) && typeof i['id'] === 'string' && typeof i['title'] === 'string');
}

export function isAlertList(v: unknown): v is AlertList {
  return isRecord(v) && Array.isArray(v['items']) && v['items'].every(isSummary)
    && (v['nextCursor'] === null || typeof v['nextCursor'] === 'string')
    && typeof v['from'] === 'string' && typeof v['to'] === 'string';
}

/** A period's place on the window's bar, in percent of its width (clipped to the window). */
export function periodSpan(period: AlertPeriod, from: string, to: string): { left: number; width: number } {
  const start = Date.parse(from);
  const span = Math.max(1, Date.parse(to) - start);
  const a = Math.max(0, Date.parse(period.startsAt) - start);
  const b = Math.min(span, (period.endsAt === undefined ? Date.parse(to) : Date.parse(period.endsAt)) - start);
  const left = (a / span) * 100;
  // At least a sliver: a 30-second flap in a week is still seen.
  return { left, width: Math.max(0.4, ((b - a) / span) * 100) };
}
