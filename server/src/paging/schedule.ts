// Who is on call: rotations whose hand-offs keep their wall-clock time in the schedule's IANA zone,
// and overrides that win over them. Zone arithmetic uses Intl.DateTimeFormat (Node's ICU time-zone
// data): the two conversions needed here (instant → wall clock, wall clock → instant) do not justify
// a date library.
import type { Rotation, Schedule } from '../contract/index.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How far `shifts` looks ahead at most, and how many shifts it answers at most. */
export const MAX_SHIFT_DAYS = 31;
export const MAX_SHIFTS = 2_000;

/** A schedule (or a question about one) that cannot be answered: `field` names what is wrong. */
export class ScheduleError extends Error {
  override name = 'ScheduleError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export interface Shift {
  userId: string;
  start: string;
  end: string;
  /** True for an override's time, false for a rotation's turn. */
  override: boolean;
}

// --- Time zones -----------------------------------------------------------------------------------

/** IANA names (`Europe/Berlin`, `UTC`, `Etc/GMT+1`); offsets such as `+01:00` are not zones people keep. */
const ZONE_NAME = /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){0,3}$/;
const MAX_FORMATTERS = 512;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    // There are ~600 zones; the bound only keeps hostile input from growing the cache.
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's canonical name (`europe/berlin` → `Europe/Berlin`), or a ScheduleError naming `timeZone`. */
export function canonicalTimeZone(timeZone: string): string {
  if (timeZone.length > 64 || !ZONE_NAME.test(timeZone)) {
    throw new ScheduleError('timeZone', `${JSON.stringify(timeZone.slice(0, 64))} is not an IANA time zone name such as Europe/Berlin or America/New_York`);
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new ScheduleError('timeZone', `unknown time zone ${JSON.stringify(timeZone)}: use an IANA name such as Europe/Berlin or America/New_York`);
  }
}

export function isTimeZone(timeZone: string): boolean {
  try {
    canonicalTimeZone(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** How far the zone's wall clock is ahead of UTC at this instant (ms). */
function offsetAt(timeZone: string, ms: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts['year'] ?? 1970, (parts['month'] ?? 1) - 1, parts['day'] ?? 1, parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0);
  return wall - (ms - (((ms % 1_000) + 1_000) % 1_000));
}

/**
 * The instant a wall-clock time (given as if it were UTC, `Date.UTC(...)`) happens in the zone. A
 * time the clocks skip (02:30 on the spring-forward night) happens as late as the gap is long
 * (03:30); a time that happens twice (the autumn night) is the earlier one.
 */
export function wallClockToInstant(timeZone: string, wallMs: number): number {
  const offsets = new Set([offsetAt(timeZone, wallMs - DAY_MS), offsetAt(timeZone, wallMs), offsetAt(timeZone, wallMs + DAY_MS)]);
  const fits = [...offsets].map((o) => wallMs - o).filter((t) => offsetAt(timeZone, t) === wallMs - t);
  if (fits.length > 0) return Math.min(...fits);
  // In a gap: the offset in force before it moves the time forward past it.
  return wallMs - offsetAt(timeZone, wallMs - DAY_MS);
}

// --- Rotations ------------------------------------------------------------------------------------

const HANDOFF = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** `2026-12-07T09:00` as a wall-clock time (ms as if UTC), or null when it is no such time. */
export function parseHandoff(text: string): number | null {
  const m = HANDOFF.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || year < 1970) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Date.UTC rolls 31 February over into March: that is no date.
  return new Date(wall).getUTCDate() === day ? wall : null;
}

/** A rotation ready for arithmetic: where shift i starts, in the zone. */
class Turns {
  readonly users: readonly string[];
  private readonly zone: string;
  private readonly wall: number;
  private readonly first: number;
  private readonly shiftMs: number;
  /** Whole days: the hand-off keeps its wall-clock time across daylight-saving changes. */
  private readonly days: number | null;

  constructor(rotation: Rotation, zone: string, index: number) {
    const wall = parseHandoff(rotation.handoffAt);
    if (wall === null) throw new ScheduleError(`rotations.${index}.handoffAt`, `expected a local time YYYY-MM-DDTHH:mm, got ${JSON.stringify(String(rotation.handoffAt).slice(0, 40))}`);
    if (!Number.isInteger(rotation.shiftHours) || rotation.shiftHours < 1) {
      throw new ScheduleError(`rotations.${index}.shiftHours`, 'expected a whole number of hours, at least 1');
    }
    this.users = rotation.users;
    this.zone = zone;
    this.wall = wall;
    this.first = wallClockToInstant(zone, wall);
    this.shiftMs = rotation.shiftHours * HOUR_MS;
    this.days = rotation.shiftHours % 24 === 0 ? rotation.shiftHours / 24 : null;
  }

  /** When shift i starts (i < 0: before the first hand-off, counting backwards). */
  start(i: number): number {
    if (this.days === null) return this.first + i * this.shiftMs;
    return wallClockToInstant(this.zone, this.wall + i * this.days * DAY_MS);
  }

  /** The shift holding this instant. */
  indexAt(t: number): number {
    // Exact for absolute hours; off by at most one around a daylight-saving change otherwise.
    let i = Math.floor((t - this.first) / this.shiftMs);
    while (this.start(i + 1) <= t) i += 1;
    while (this.start(i) > t) i -= 1;
    return i;
  }

  userOf(i: number): string | undefined {
    const n = this.users.length;
    return n === 0 ? undefined : this.users[((i % n) + n) % n];
  }
}

function turnsOf(schedule: Schedule): Turns[] {
  const zone = canonicalTimeZone(schedule.timeZone);
  return schedule.rotations.map((r, i) => new Turns(r, zone, i));
}

interface Span { userId: string; start: number; end: number }

function overridesOf(schedule: Schedule): Span[] {
  const spans: Span[] = [];
  for (const o of schedule.overrides) {
    const start = Date.parse(o.start);
    const end = Date.parse(o.end);
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) spans.push({ userId: o.userId, start, end });
  }
  return spans;
}

function instant(at: Date, field: string): number {
  const t = at.getTime();
  if (!Number.isFinite(t)) throw new ScheduleError(field, 'expected a valid instant');
  return t;
}

// --- Answers --------------------------------------------------------------------------------------

/** Who is on call at this instant: the overrides covering it if any, else each rotation's current user. */
export function onCallAt(schedule: Schedule, at: Date): string[] {
  const t = instant(at, 'at');
  const turns = turnsOf(schedule);
  const covering = overridesOf(schedule).filter((o) => o.start <= t && t < o.end).map((o) => o.userId);
  const users = covering.length > 0 ? covering : turns.map((turn) => turn.userOf(turn.indexAt(t)));
  return [...new Set(users.filter((u): u is string => u !== undefined))];
}

/** `spans` minus the union of `cut` (both within one window). */
function subtract(span: Span, cut: readonly Span[]): Span[] {
  let pieces: Span[] = [span];
  for (const c of cut) {
    if (c.end <= span.start || c.start >= span.end) continue;
    pieces = pieces.flatMap((p) => {
      if (c.end <= p.start || c.start >= p.end) return [p];
      const left = c.start > p.start ? [{ ...p, end: c.start }] : [];
      const right = c.end < p.end ? [{ ...p, start: c.end }] : [];
      return [...left, ...right];
    });
  }
  return pieces;
}

/**
 * Every shift that overlaps [from, from + days), clipped to it, earliest first: the rotations' turns
 * with the overrides' time cut out of them, and the overrides themselves. At most MAX_SHIFTS.
 */
export function shifts(schedule: Schedule, from: Date, days: number): Shift[] {
  if (!Number.isInteger(days) || days < 1 || days > MAX_SHIFT_DAYS) throw new ScheduleError('days', `expected a whole number of days from 1 to ${MAX_SHIFT_DAYS}`);
  const windowStart = instant(from, 'at');
  const windowEnd = windowStart + days * DAY_MS;
  const overrides = overridesOf(schedule)
    .filter((o) => o.end > windowStart && o.start < windowEnd)
    .map((o) => ({ ...o, start: Math.max(o.start, windowStart), end: Math.min(o.end, windowEnd) }));
  const out: Array<Span & { override: boolean }> = overrides.map((o) => ({ ...o, override: true }));
  for (const turn of turnsOf(schedule)) {
    let produced = 0;
    for (let i = turn.indexAt(windowStart); produced < MAX_SHIFTS; i += 1, produced += 1) {
      const start = turn.start(i);
      if (start >= windowEnd) break;
      const userId = turn.userOf(i);
      if (userId === undefined) break;
      const span = { userId, start: Math.max(start, windowStart), end: Math.min(turn.start(i + 1), windowEnd) };
      for (const piece of subtract(span, overrides)) out.push({ ...piece, override: false });
    }
  }
  out.sort((a, b) => a.start - b.start || a.end - b.end || a.userId.localeCompare(b.userId));
  return out.slice(0, MAX_SHIFTS).map((s) => ({
    userId: s.userId, start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString(), override: s.override,
  }));
}
