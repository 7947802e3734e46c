// Rules both store implementations share, so that the contract suite sees the same behaviour from
// each: incident paging, limits, and the checks applied to values read back from storage.
// Times are stored and compared as strings, which orders them correctly only because every time in
// Vigil is ISO-8601 UTC with milliseconds (Date.prototype.toISOString), as API.md requires.
import { isOneOf, type Incident, type Page } from '../contract/index.ts';
import { InvalidCursorError } from './types.ts';

/** Where an incident sits in the newest-first order; the content of a page cursor. */
export interface IncidentPosition {
  openedAt: string;
  id: string;
}

export function encodeIncidentCursor(position: IncidentPosition): string {
  return Buffer.from(JSON.stringify([position.openedAt, position.id]), 'utf8').toString('base64url');
}

export function decodeIncidentCursor(cursor: string): IncidentPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the incident cursor is not one this server handed out');
  }
  if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
    return { openedAt: parsed[0], id: parsed[1] };
  }
  throw new InvalidCursorError('the incident cursor is not one this server handed out');
}

/**
 * Whole numbers of at least 1. MongoDB reads a limit of 0 as "no limit", so a 0 or negative limit
 * that slipped past validation must not turn into a full collection scan.
 */
export function pageLimit(limit: number): number {
  if (!Number.isFinite(limit)) throw new RangeError(`limit must be a finite number, got ${limit}`);
  return Math.max(1, Math.trunc(limit));
}

/**
 * Follows a removed incident's aliases (`next`: where an id went, or null) to an incident that
 * `exists`: at most 16 merges, and a loop ends it. Null when the id never went anywhere.
 */
export async function followAliases(id: string, next: (id: string) => Promise<string | null>, exists: (id: string) => Promise<boolean>): Promise<string | null> {
  const seen = new Set([id]);
  let at = id;
  for (let hop = 0; hop < 16; hop += 1) {
    const to = await next(at);
    if (to === null || seen.has(to)) return null;
    if (await exists(to)) return to;
    seen.add(to);
    at = to;
  }
  return null;
}

/** Turns `limit + 1` fetched rows into a page; the extra row only tells that another page exists. */
export function toIncidentPage(fetched: Incident[], limit: number): Page<Incident> {
  if (fetched.length <= limit) return { items: fetched, nextCursor: null };
  const items = fetched.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: last ? encodeIncidentCursor(last) : null };
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (!isOneOf(allowed, value)) throw new Error(`stored ${what} has an unexpected value: ${String(value)}`);
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringArray(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw new Error(`stored ${what} is not a list`);
  return value.map((item) => {
    if (typeof item !== 'string') throw new Error(`stored ${what} holds a non-string`);
    return item;
  });
}

/**
 * Free-form JSON (signal attributes and raw payloads, timeline data, audit detail) is kept as JSON
 * text in both stores: Docker label keys contain dots, which FerretDB refuses as field names.
 * `undefined` has no JSON form; it is kept as "no value" and comes back as `undefined`.
 */
export function toJsonText(value: unknown): string | null {
  const text = JSON.stringify(value);
  return text === undefined ? null : text;
}

export function fromJsonText(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  const value: unknown = JSON.parse(text);
  return value;
}

export function attributesFromJsonText(text: string | null | undefined): Record<string, unknown> {
  const value = fromJsonText(text);
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new Error('stored signal attributes are not an object');
  return value;
}

/** Drops keys whose value is undefined, so optional fields read back absent rather than undefined. */
export function definedOnly<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: { [K in keyof T]?: Exclude<T[K], undefined> } = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    const value = fields[key];
    if (value !== undefined) out[key] = value as Exclude<T[keyof T], undefined>;
  }
  return out;
}
