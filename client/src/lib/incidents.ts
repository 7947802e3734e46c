// Incidents in the UI's words: the colour language (a tone, always with a word and a glyph beside
// it), the board's order, "down 2 m 14 s", and the history filters. Pure.
import type { Incident, IncidentFilter, IncidentStatus, Severity } from '@vigil/server/contract';
import type { Tone } from './connection.ts';
import { formatDuration } from './time.ts';

export function isActive(i: Pick<Incident, 'status'>): boolean {
  return i.status !== 'resolved';
}

export function severityTone(s: Severity): Tone {
  return s === 'critical' ? 'critical' : s === 'warning' ? 'warning' : 'unknown';
}

export function severityLabel(s: Severity): string {
  return s === 'critical' ? 'Critical' : s === 'warning' ? 'Warning' : 'Info';
}

/** A glyph that differs in shape, not only in colour. */
export function severityGlyph(s: Severity): string {
  return s === 'critical' ? '■' : s === 'warning' ? '▲' : '●';
}

/** Still broken (open, acknowledged) takes the severity's tone; then blue, then green. */
export function statusTone(i: Pick<Incident, 'status' | 'severity'>): Tone {
  switch (i.status) {
    case 'mitigated': return 'mitigated';
    case 'resolved': return 'resolved';
    default: return severityTone(i.severity);
  }
}

export function statusLabel(s: IncidentStatus): string {
  switch (s) {
    case 'open': return 'Open';
    case 'acknowledged': return 'Acknowledged';
    case 'mitigated': return 'Mitigated';
    case 'resolved': return 'Resolved';
  }
}

export function statusGlyph(s: IncidentStatus): string {
  switch (s) {
    case 'open': return '!';
    case 'acknowledged': return '✓';
    case 'mitigated': return '◐';
    case 'resolved': return '✔';
  }
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const STATUS_RANK: Record<IncidentStatus, number> = { open: 0, acknowledged: 1, mitigated: 2, resolved: 3 };

/**
 * The board's order for what is still going on: the biggest first — worst severity, then nobody on
 * it yet, then the longest running.
 */
export function compareForBoard(a: Incident, b: Incident): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
    || STATUS_RANK[a.status] - STATUS_RANK[b.status]
    || a.openedAt.localeCompare(b.openedAt)
    || a.id.localeCompare(b.id);
}

/** History: newest first, as the API pages it. */
export function compareNewestFirst(a: Incident, b: Incident): number {
  return b.openedAt.localeCompare(a.openedAt) || b.id.localeCompare(a.id);
}

/**
 * The ticking phrase for how long it has been going on: "down 2 m 14 s" while broken, "mitigated
 * after 1 m 02 s" once it runs again, "lasted 4 m 04 s" when resolved.
 */
export function ageText(i: Incident, now: Date): string {
  const opened = Date.parse(i.openedAt);
  const span = (end: string | undefined): string => formatDuration((end ? Date.parse(end) : now.getTime()) - opened, { unit: 's' });
  switch (i.status) {
    case 'mitigated': return i.mitigatedAt ? `recovered after ${span(i.mitigatedAt)}` : 'recovered';
    case 'resolved': return `lasted ${span(i.resolvedAt)}`;
    default: return `down ${span(undefined)}`;
  }
}

/** Takes the newer of two versions of an incident; an equal `lastEventAt` takes the incoming one. */
export function newerIncident(current: Incident | undefined, incoming: Incident): Incident {
  if (!current) return incoming;
  return Date.parse(incoming.lastEventAt) < Date.parse(current.lastEventAt) ? current : incoming;
}

/** The history's status filter: one of `GET /api/incidents?status=`'s (`open` already says `active`). */
export type HistoryStatus = Exclude<IncidentFilter, 'active'>;

export interface HistoryFilter {
  service: string;
  status: HistoryStatus;
  /** Opened at or after (ISO); '' for no bound. */
  from: string;
  /** Opened before (ISO); '' for no bound. */
  to: string;
  /** Free text over title, service, host and id. */
  search: string;
}

export const EMPTY_FILTER: HistoryFilter = { service: '', status: 'resolved', from: '', to: '', search: '' };

/** What the client checks itself (the API filters status and service; time and text are ours). */
export function matchesFilter(i: Incident, f: HistoryFilter): boolean {
  if (f.status !== 'all' && (f.status === 'open' ? i.status === 'resolved' : i.status !== f.status)) return false;
  if (f.service && i.service !== f.service) return false;
  if (f.from && i.openedAt < f.from) return false;
  if (f.to && i.openedAt >= f.to) return false;
  const q = f.search.trim().toLowerCase();
  if (q) {
    const hay = `${i.title}\n${i.service}\n${i.host}\n${i.id}`.toLowerCase();
    if (!q.split(/\s+/).every((word) => hay.includes(word))) return false;
  }
  return true;
}

/** Query string for `GET /api/incidents` of a history filter. */
export function historyQuery(f: HistoryFilter, limit: number, cursor: string | null): string {
  const q = new URLSearchParams({ status: f.status, limit: String(limit) });
  if (f.service) q.set('service', f.service);
  if (cursor) q.set('cursor', cursor);
  return `/api/incidents?${q.toString()}`;
}

export type RangePreset = '24h' | '7d' | '30d' | 'all';

/** The [from, to) of a preset, ending now; 'all' has no bounds. */
export function presetRange(preset: RangePreset, now: Date): { from: string; to: string } {
  const hours = preset === '24h' ? 24 : preset === '7d' ? 24 * 7 : preset === '30d' ? 24 * 30 : 0;
  if (hours === 0) return { from: '', to: '' };
  return { from: new Date(now.getTime() - hours * 3_600_000).toISOString(), to: '' };
}
