// How the UI writes times: UTC on the page (the server and the post-mortem speak UTC), with the
// reader's local time in a hover title. Pure functions; every one takes the time zone it needs.

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Parses an ISO string, epoch ms or Date; null when it is not a real time. */
export function toDate(value: string | number | Date): Date | null {
  const d = value instanceof Date ? new Date(value.getTime()) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "03:12:44 UTC", or "03:12:44.123 UTC" with `ms`. */
export function formatUtcTime(value: string | number | Date, opts: { ms?: boolean } = {}): string {
  const d = toDate(value);
  if (!d) return '—';
  const base = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${opts.ms ? `${base}.${pad(d.getUTCMilliseconds(), 3)}` : base} UTC`;
}

/** "2026-11-24 03:12:44.123 UTC" — a full, sortable UTC stamp. */
export function formatUtcDateTime(value: string | number | Date, opts: { ms?: boolean } = { ms: true }): string {
  const d = toDate(value);
  if (!d) return '—';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${formatUtcTime(d, opts)}`;
}

/**
 * The time as a person reads it at a glance: only the clock when it is the same UTC day as `now`,
 * otherwise the date too.
 */
export function formatUtcShort(value: string | number | Date, now: Date = new Date()): string {
  const d = toDate(value);
  if (!d) return '—';
  const sameDay = d.getUTCFullYear() === now.getUTCFullYear()
    && d.getUTCMonth() === now.getUTCMonth()
    && d.getUTCDate() === now.getUTCDate();
  return sameDay ? formatUtcTime(d) : formatUtcDateTime(d, { ms: false });
}

/**
 * Local wall-clock time with milliseconds and the zone, for a `title`. Built from numeric parts so
 * it reads the same in every browser:
 * "Local 2026-11-24 04:12:44.123 (Europe/Berlin, GMT+01:00) · 2026-11-24 03:12:44.123 UTC".
 */
export function formatLocalTitle(value: string | number | Date, timeZone?: string): string {
  const d = toDate(value);
  if (!d) return '';
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3,
    hourCycle: 'h23', timeZoneName: 'longOffset',
  }).formatToParts(d);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const local = `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}.${part('fractionalSecond')}`;
  const offset = part('timeZoneName');
  return `Local ${local} (${zone}${offset ? `, ${offset}` : ''}) · ${formatUtcDateTime(d)}`;
}

/**
 * A span as on-call people say it: "850 ms", "42 s", "2 m 14 s", "3 h 05 m", "2 d 4 h".
 * With `unit: 's'` (a ticking "for …"), under a second reads "0 s" rather than jittering ms.
 */
export function formatDuration(ms: number, opts: { unit?: 'ms' | 's' } = {}): string {
  if (!Number.isFinite(ms)) return '—';
  const abs = Math.max(0, Math.round(ms));
  if (abs < 1_000) return opts.unit === 's' ? '0 s' : `${abs} ms`;
  const s = Math.floor(abs / 1_000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${pad(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${pad(m % 60)} m`;
  const days = Math.floor(h / 24);
  return `${days} d ${h % 24} h`;
}

/** Milliseconds from an ISO time to `now`; NaN when the time is not valid. */
export function elapsedSince(value: string | number | Date, now: Date = new Date()): number {
  const d = toDate(value);
  return d ? now.getTime() - d.getTime() : Number.NaN;
}

/** The later of two ISO times (either may be missing or invalid). */
export function laterIso(a: string | null | undefined, b: string | null | undefined): string | null {
  const ta = a ? Date.parse(a) : Number.NaN;
  const tb = b ? Date.parse(b) : Number.NaN;
  if (Number.isNaN(ta)) return Number.isNaN(tb) ? null : (b ?? null);
  if (Number.isNaN(tb)) return a ?? null;
  return tb > ta ? (b ?? null) : (a ?? null);
}
