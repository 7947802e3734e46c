// The incident timeline as people read it: grouped by minute, a word per source, human actions
// apart from machine signals, the evidence a death left behind, and the containers involved. Pure.
import type { EntrySource, TimelineEntry } from '@vigil/server/contract';
import { isRecord } from './wire.ts';

export function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  return Date.parse(a.at) - Date.parse(b.at) || a.id.localeCompare(b.id);
}

/** Adds or replaces an entry by id, keeping time order. */
export function mergeEntry(list: readonly TimelineEntry[], entry: TimelineEntry): TimelineEntry[] {
  const next = list.filter((e) => e.id !== entry.id);
  next.push(entry);
  return next.sort(compareEntries);
}

export interface MinuteGroup {
  /** "2026-11-24T18:37" (UTC). */
  key: string;
  /** The minute's start, ISO. */
  at: string;
  entries: TimelineEntry[];
}

export function groupByMinute(entries: readonly TimelineEntry[]): MinuteGroup[] {
  const groups: MinuteGroup[] = [];
  for (const entry of [...entries].sort(compareEntries)) {
    const ms = Date.parse(entry.at);
    if (Number.isNaN(ms)) continue;
    const minute = new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
    const key = minute.slice(0, 16);
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.entries.push(entry);
    else groups.push({ key, at: minute, entries: [entry] });
  }
  return groups;
}

const SOURCE_LABELS: Record<EntrySource, string> = {
  docker: 'Docker',
  prometheus: 'Prometheus',
  alertmanager: 'Alertmanager',
  user: 'Person',
  supervisor: 'Supervisor',
  system: 'Vigil',
};

/** Icons beyond the sources: `paging` for the pages Vigil sent (see entryIcon). */
const ICON_LABELS: Readonly<Record<string, string>> = { ...SOURCE_LABELS, paging: 'Paging' };

export function entrySourceLabel(source: string): string {
  return ICON_LABELS[source] ?? source;
}

/** Paging's entries: a page sent (`notification.sent`), an escalation, a delivery that failed for good. */
export function isNotificationEntry(e: Pick<TimelineEntry, 'kind'>): boolean {
  return e.kind.startsWith('notification.');
}

/**
 * The icon an entry is drawn with: its source's, except paging's entries (source `system`), which
 * get their own so a reader sees at a glance who was woken among Vigil's other lines.
 */
export function entryIcon(e: Pick<TimelineEntry, 'source' | 'kind'>): string {
  return isNotificationEntry(e) ? 'paging' : e.source;
}

/** A person did this (acknowledge, note, resolve, restart): it stands out from machine signals. */
export function isHumanEntry(e: Pick<TimelineEntry, 'source' | 'actor'>): boolean {
  return e.source === 'user' || (e.actor !== undefined && e.actor !== 'supervisor' && e.source !== 'supervisor' && e.source !== 'system');
}

interface StoredSignal {
  source?: string;
  host?: string;
  kind?: string;
  container?: string;
  service?: string;
  attributes: Record<string, unknown>;
}

/** The raw signals an entry stands for (`data.signals`), read defensively. */
export function signalsOf(entry: Pick<TimelineEntry, 'data'>): StoredSignal[] {
  const data = entry.data;
  if (!isRecord(data) || !Array.isArray(data['signals'])) return [];
  return data['signals'].filter(isRecord).map((s) => ({
    ...(typeof s['source'] === 'string' ? { source: s['source'] } : {}),
    ...(typeof s['host'] === 'string' ? { host: s['host'] } : {}),
    ...(typeof s['kind'] === 'string' ? { kind: s['kind'] } : {}),
    ...(typeof s['container'] === 'string' ? { container: s['container'] } : {}),
    ...(typeof s['service'] === 'string' ? { service: s['service'] } : {}),
    attributes: isRecord(s['attributes']) ? s['attributes'] : {},
  }));
}

export interface LogLine {
  text: string;
  stream?: 'stdout' | 'stderr';
  /** ISO time Docker stamped the line with, when it did. */
  at?: string;
}

/** One health-check probe Docker kept (State.Health.Log): when, how it ended, what it printed. */
export interface HealthProbe {
  /** ISO start time. */
  at: string;
  exitCode: number | null;
  /** How long it ran, when Docker said when it ended. */
  durationMs?: number;
  output: string;
}

export interface Evidence {
  /** The source's own sentence about the death, when it wrote one. */
  summary?: string;
  /** Short facts: "exit code 137", "signal 9", "OOM killed", "restart policy"… */
  facts: Array<{ label: string; value: string }>;
  /** The container's last log lines, as captured. */
  logLines: LogLine[];
  /** Its last health-check probes, oldest first, when it has a health check. */
  probes?: HealthProbe[];
}

const LOG_KEYS = /^(logs?|logTail|lastLogs?|lastLogLines|logLines|tail|output)$/i;
const FACT_KEYS: Array<[RegExp, string]> = [
  [/^exitCode$/, 'exit code'],
  [/^(signal|killSignal)$/, 'signal'],
  [/^(oomKilled|oom)$/i, 'OOM killed'],
  [/^(exitReason|reason|error)$/i, 'reason'],
  [/^stopRequested$/, 'stop requested'],
  [/^restartPolicy$/, 'restart policy'],
  [/^restartPolicyWillFire$/, 'Docker will restart it'],
  [/^logsError$/, 'logs'],
  [/^(health|healthStatus)$/, 'health'],
  [/^finishedAt$/, 'finished at'],
  [/^restartCount$/, 'restart count'],
  [/^failingStreak$/, 'failing streak'],
  [/^image$/, 'image'],
  [/^imageId$/, 'image id'],
  [/^(imageDigest|imageDigestNote)$/, 'digest'],
];
/** Bounds what is drawn, whatever the server sent. */
const MAX_PROBES = 10;
const MAX_PROBE_OUTPUT = 2_000;

function toProbes(v: unknown): HealthProbe[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isRecord).slice(-MAX_PROBES).flatMap((p): HealthProbe[] => {
    const at = typeof p['start'] === 'string' ? p['start'] : null;
    if (at === null || Number.isNaN(Date.parse(at))) return [];
    const end = typeof p['end'] === 'string' ? Date.parse(p['end']) : Number.NaN;
    const ms = end - Date.parse(at);
    return [{
      at, exitCode: typeof p['exitCode'] === 'number' && Number.isInteger(p['exitCode']) ? p['exitCode'] : null,
      ...(Number.isFinite(ms) && ms >= 0 ? { durationMs: Math.round(ms) } : {}),
      output: typeof p['output'] === 'string' ? p['output'].slice(0, MAX_PROBE_OUTPUT) : '',
    }];
  });
}

/** `sha256:4840ce5a3951` — an image id as `docker images` shows it; the full one is in the raw data. */
function shortImageId(v: string): string {
  const m = /^(sha256:)?([0-9a-f]{12})[0-9a-f]{52}$/.exec(v);
  return m ? `sha256:${m[2]}` : v;
}
/** What the entry's sentence says already. */
const SAID: ReadonlySet<string> = new Set(['exit code', 'signal', 'health']);

function splitText(text: string): string[] {
  return text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
}

function toLines(v: unknown): LogLine[] {
  if (typeof v === 'string') return splitText(v).map((text) => ({ text }));
  if (!Array.isArray(v)) return [];
  return v.flatMap((x): LogLine[] => {
    if (typeof x === 'string') return splitText(x).map((text) => ({ text }));
    if (!isRecord(x)) return [];
    const text = typeof x['text'] === 'string' ? x['text'] : typeof x['line'] === 'string' ? x['line'] : null;
    if (text === null) return [];
    const stream = x['stream'] === 'stderr' || x['stream'] === 'stdout' ? x['stream'] : undefined;
    const at = typeof x['at'] === 'string' ? x['at'] : undefined;
    return splitText(text).map((t) => ({ text: t, ...(stream ? { stream } : {}), ...(at ? { at } : {}) }));
  });
}

function scalar(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return null;
}

/**
 * What a death left on record: exit code, signal, OOM, the reason and the last log lines, from the
 * entry's data and its signals' attributes (whichever carries them). Null when there is none.
 */
export function evidenceOf(entry: Pick<TimelineEntry, 'data' | 'kind'> & { message?: string }): Evidence | null {
  const bags: Array<Record<string, unknown>> = [];
  if (isRecord(entry.data)) {
    bags.push(entry.data);
    if (isRecord(entry.data['evidence'])) bags.push(entry.data['evidence']);
  }
  for (const s of signalsOf(entry)) {
    bags.push(s.attributes);
    if (isRecord(s.attributes['evidence'])) bags.push(s.attributes['evidence']);
  }
  const facts: Evidence['facts'] = [];
  const seen = new Set<string>();
  let summary: string | undefined;
  let logLines: LogLine[] = [];
  let probes: HealthProbe[] = [];
  for (const bag of bags) {
    for (const [key, value] of Object.entries(bag)) {
      if (key === 'healthProbes') {
        const found = toProbes(value);
        if (found.length > probes.length) probes = found;
        continue;
      }
      if (key === 'summary' && typeof value === 'string' && value !== '' && entry.kind.endsWith('.evidence')) {
        if (value !== entry.message) summary ??= value; // said once, not twice
        continue;
      }
      if (LOG_KEYS.test(key)) {
        const lines = toLines(value);
        if (lines.length > logLines.length) logLines = lines;
        continue;
      }
      const fact = FACT_KEYS.find(([re]) => re.test(key));
      const raw = scalar(value);
      if (!fact || raw === null) continue;
      const text = fact[1] === 'image id' ? shortImageId(raw) : raw;
      if (fact[1] === 'OOM killed' && text !== 'yes') continue;
      if (fact[1] === 'signal' && facts.some((f) => f.label === 'signal')) continue;
      const id = `${fact[1]}=${text}`;
      if (seen.has(id)) continue;
      seen.add(id);
      facts.push({ label: fact[1], value: text });
    }
  }
  // Exit code and signal alone are already in the entry's sentence: evidence is what goes beyond.
  const beyond = facts.some((f) => !SAID.has(f.label));
  if (logLines.length === 0 && probes.length === 0 && !beyond && summary === undefined) return null;
  return { ...(summary === undefined ? {} : { summary }), facts, logLines, ...(probes.length > 0 ? { probes } : {}) };
}

export interface InvolvedContainer {
  id: string;
  name: string;
  host: string;
}

/** The containers the incident's Docker signals name, most recently seen first. */
export function containersOf(timeline: readonly TimelineEntry[]): InvolvedContainer[] {
  const byId = new Map<string, InvolvedContainer>();
  for (const entry of [...timeline].sort(compareEntries).reverse()) {
    for (const s of signalsOf(entry)) {
      const id = s.container ?? (typeof s.attributes['containerId'] === 'string' ? s.attributes['containerId'] : undefined);
      if (!id || byId.has(id)) continue;
      const name = typeof s.attributes['name'] === 'string' ? s.attributes['name'] : id.slice(0, 12);
      byId.set(id, { id, name, host: s.host ?? '' });
    }
  }
  return [...byId.values()];
}

/** Pretty JSON for the folded raw data; never throws (cycles cannot come over the wire, but still). */
export function rawText(data: unknown): string {
  try {
    return JSON.stringify(data, null, 2) ?? 'null';
  } catch {
    return String(data);
  }
}
