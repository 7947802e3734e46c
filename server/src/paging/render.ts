// What a page says, rendered once when it is planned (paging/message.ts): the engine's own words for
// what broke, since when, the death evidence Docker left, and the links — short enough that a phone
// shows it whole. Every piece that comes from outside (alert summaries, log lines) is clipped.
import type { Incident, Severity, TimelineEntry } from '../contract/index.ts';
import { KIND } from '../domain/kinds.ts';
import { maxSeverity } from '../domain/machine.ts';
import { formatDuration } from '../domain/time.ts';
import { signalName } from '../sources/docker/evidence.ts';
import type { PagedIncident, PageMessage } from './message.ts';

const MAX_TITLE = 200;
const MAX_LINE = 200;
const MAX_LOG_LINE = 160;
/** Timeline entries quoted as "what broke", and log lines quoted from the evidence. */
const BROKE_LINES = 3;
const LOG_LINES = 3;
/** Incidents named one per line in a digest's text; the rest are counted. */
const DIGEST_LINES = 5;
/** Incidents a digest's message lists at most (its record names every one). */
export const MAX_DIGEST_LISTED = 1_000;

/** The entries that say something failed, in the engine's words (domain/words.ts). */
const FAILURE_KINDS: ReadonlySet<string> = new Set([
  KIND.die, KIND.oom, KIND.unhealthy, KIND.alertFiring, KIND.serviceDown, KIND.crashLoop, KIND.flapping,
]);

interface Common {
  /** PUBLIC_URL: links are `${publicUrl}/incidents/${id}` and `${publicUrl}/api/ack/${token}`. */
  publicUrl: string;
  /** The ack link's token; the page carries the link when given (opened, escalated, digest). */
  ackToken?: string;
  /** Slack member ids of the people this page is for. */
  mentions?: readonly string[];
}

export type RenderInput = Common & (
  | { event: 'incident.opened'; incident: Incident; timeline: readonly TimelineEntry[] }
  | {
    event: 'incident.escalated'; incident: Incident; timeline: readonly TimelineEntry[];
    /** `step` and `round` from 0, as records keep them; `notAnswering`: who was paged before. */
    escalation: { step: number; round: number; notAnswering: readonly string[] };
    /** When the step pages: "nobody acknowledged in …" counts from the opening to it. */
    now: Date;
  }
  | { event: 'incident.acknowledged'; incident: Incident }
  | { event: 'incident.resolved'; incident: Incident; now: Date }
  | { event: 'digest'; incidents: readonly Incident[] }
);

export function renderPage(input: RenderInput): PageMessage {
  const base = publicBase(input.publicUrl);
  const extras = {
    ...(input.ackToken === undefined ? {} : { ackUrl: `${base}/api/ack/${encodeURIComponent(input.ackToken)}` }),
    ...(input.mentions === undefined || input.mentions.length === 0 ? {} : { mentions: [...new Set(input.mentions)] }),
  };
  switch (input.event) {
    case 'incident.opened': {
      const { incident, timeline } = input;
      const evidence = evidenceLines(timeline);
      return {
        event: input.event,
        title: clip(`${sev(incident.severity)} ${incident.title} on ${incident.host}`, MAX_TITLE),
        text: lines([...whatBroke(incident, timeline), facts(incident), ...evidence]),
        severity: incident.severity,
        incident: paged(incident, base),
        ...(evidence.length > 0 ? { evidence } : {}),
        ...extras,
      };
    }
    case 'incident.escalated': {
      const { incident, timeline, escalation } = input;
      const evidence = evidenceLines(timeline);
      const waited = formatDuration(input.now.getTime() - Date.parse(incident.openedAt));
      const where = escalation.round > 0 ? `step ${escalation.step + 1}, round ${escalation.round + 1}` : `step ${escalation.step + 1}`;
      const before = escalation.notAnswering.length > 0 ? `; paged before: ${names(escalation.notAnswering)}` : '';
      return {
        event: input.event,
        title: clip(`${sev(incident.severity)} not acknowledged (${where}): ${incident.title} on ${incident.host}`, MAX_TITLE),
        text: lines([`${where}: nobody acknowledged in ${waited}${before}`, ...whatBroke(incident, timeline), facts(incident), ...evidence]),
        severity: incident.severity,
        incident: paged(incident, base),
        escalation: { step: escalation.step, round: escalation.round, notAnswering: [...escalation.notAnswering] },
        ...(evidence.length > 0 ? { evidence } : {}),
        ...extras,
      };
    }
    case 'incident.acknowledged': {
      const { incident } = input;
      const by = incident.acknowledgedBy ?? 'someone';
      const after = incident.acknowledgedAt === undefined ? '' : ` ${formatDuration(Date.parse(incident.acknowledgedAt) - Date.parse(incident.openedAt))} after it opened`;
      return {
        event: input.event,
        title: clip(`ACKNOWLEDGED by ${by}: ${incident.title} on ${incident.host}`, MAX_TITLE),
        text: lines([`acknowledged by ${by}${after}; no more escalation`, facts(incident)]),
        severity: incident.severity,
        incident: paged(incident, base),
        ...extras,
      };
    }
    case 'incident.resolved': {
      const { incident } = input;
      const end = incident.resolvedAt === undefined ? input.now.getTime() : Date.parse(incident.resolvedAt);
      const durationMs = Math.max(0, end - Date.parse(incident.openedAt));
      return {
        event: input.event,
        title: clip(`RESOLVED after ${formatDuration(durationMs)}: ${incident.title} on ${incident.host}`, MAX_TITLE),
        text: lines([`resolved after ${formatDuration(durationMs)} (opened ${when(incident.openedAt)})`, `${incident.service} on ${incident.host}, was ${incident.severity}`]),
        severity: incident.severity,
        incident: paged(incident, base),
        durationMs,
        ...extras,
      };
    }
    case 'digest': return renderDigest(input.incidents, base, extras);
  }
}

/** Several incidents that opened together (a host died): one page listing them all, earliest first. */
function renderDigest(given: readonly Incident[], base: string, extras: Pick<PageMessage, 'ackUrl' | 'mentions'>): PageMessage {
  const incidents = [...given].sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));
  const first = incidents[0];
  if (first === undefined) throw new RangeError('a digest lists at least one incident');
  const severity = worst(incidents.map((i) => i.severity));
  const n = incidents.length;
  const hosts = [...new Set(incidents.map((i) => i.host))];
  const listed = incidents.slice(0, DIGEST_LINES).map((i) => `- ${sev(i.severity)} ${i.title} (${i.service} on ${i.host})`);
  const more = n > DIGEST_LINES ? [`… and ${n - DIGEST_LINES} more: ${base}/`] : [];
  return {
    event: 'digest',
    title: clip(`${sev(severity)} ${n} ${n === 1 ? 'incident' : 'incidents'} opened on ${names(hosts)}: ${first.title}${n > 1 ? ` and ${n - 1} more` : ''}`, MAX_TITLE),
    text: lines([`${n} ${n === 1 ? 'incident' : 'incidents'} opened since ${when(first.openedAt)}:`, ...listed, ...more]),
    severity,
    incident: paged(first, base),
    incidents: incidents.slice(0, MAX_DIGEST_LISTED).map((i) => paged(i, base)),
    ...extras,
  };
}

// --- Pieces ---------------------------------------------------------------------------------------

function publicBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The incident as the API shows it (the webhook's `incident` is the contract's Incident), its title clipped, and its link. */
function paged(incident: Incident, base: string): PagedIncident {
  return {
    ...incident,
    title: clip(incident.title, MAX_TITLE),
    url: `${base}/incidents/${encodeURIComponent(incident.id)}`,
  };
}

function worst(severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>(maxSeverity, 'info');
}

function sev(severity: Severity): string {
  return severity.toUpperCase();
}

/** `2026-11-24 18:37:11 UTC`: the reader's zone is unknown, so say which one. */
function when(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC` : iso;
}

function facts(incident: Incident): string {
  return `${incident.severity} · ${incident.service} on ${incident.host} · since ${when(incident.openedAt)}`;
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, 8).join(', ');
  return list.length > 8 ? `${shown} and ${list.length - 8} more` : shown;
}

function clip(text: string, max: number): string {
  // One line: control characters (newlines from a log or an alert) would break the layout.
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function lines(list: readonly string[]): string {
  return list.map((l) => clip(l, MAX_LINE)).filter((l) => l !== '').join('\n');
}

/** The first failure entries of the timeline, unless one only repeats the title. */
function whatBroke(incident: Incident, timeline: readonly TimelineEntry[]): string[] {
  const failures = ordered(timeline).filter((e) => FAILURE_KINDS.has(e.kind) && e.message !== incident.title).slice(0, BROKE_LINES);
  return failures.length > 0 ? failures.map((e) => e.message) : [];
}

function ordered(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  return [...timeline].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

/**
 * What Docker told at the latest death (sources/docker/evidence.ts): the exit and its cause, whether
 * the restart policy fires, the last log lines. Read defensively: entries come back from the store.
 */
function evidenceLines(timeline: readonly TimelineEntry[]): string[] {
  const entry = ordered(timeline).filter((e) => e.kind === KIND.evidence).at(-1);
  if (entry === undefined) return [];
  const signals = isRecord(entry.data) && Array.isArray(entry.data['signals']) ? entry.data['signals'] : [];
  const signal: unknown = signals.find((s) => isRecord(s) && s['kind'] === KIND.evidence);
  const a = isRecord(signal) && isRecord(signal['attributes']) ? signal['attributes'] : undefined;
  if (a === undefined) return [clip(entry.message, MAX_LINE)];
  const out: string[] = [];
  const exit = typeof a['exitCode'] === 'number' ? a['exitCode'] : undefined;
  const code = exit === undefined ? '' : `exit ${exit}`;
  const kill = typeof a['killSignal'] === 'string' || typeof a['killSignal'] === 'number' ? a['killSignal'] : undefined;
  if (a['oomKilled'] === true) out.push(`out of memory: the kernel killed it (OOMKilled${code ? `, ${code}` : ''})`);
  else if (kill !== undefined) out.push(`stopped through the Docker API with ${signalName(kill)}${code ? ` (${code})` : ''}`);
  else if (exit === 0) out.push('its process exited by itself (exit 0)');
  else if (exit !== undefined && exit > 128) out.push(`terminated by ${signalName(exit - 128)} (${code})`);
  else if (exit !== undefined) out.push(`crashed (${code})`);
  const policy = typeof a['restartPolicy'] === 'string' && a['restartPolicy'] !== '' ? a['restartPolicy'] : 'no';
  if (a['restartPolicyWillFire'] === true) out.push(`restart policy "${policy}" will start it again`);
  else if (a['restartPolicyWillFire'] === false) out.push(`restart policy "${policy}" will not fire: it stays down`);
  if (typeof a['error'] === 'string' && a['error'] !== '') out.push(`Docker: ${a['error']}`);
  // A failing health check: what its last probe to answer said (evidence-build.ts keeps up to 5).
  const probes = Array.isArray(a['healthProbes']) ? a['healthProbes'].filter(isRecord) : [];
  const probe = probes.findLast((p) => typeof p['output'] === 'string' && p['output'] !== '');
  if (probe !== undefined && probe['exitCode'] !== 0) {
    const streak = typeof a['failingStreak'] === 'number' && a['failingStreak'] > 0 ? `failed ${a['failingStreak']} in a row, ` : '';
    out.push(`health check ${streak}last probe (exit ${String(probe['exitCode'])}): ${clip(String(probe['output']).replace(/\s+/g, ' '), MAX_LOG_LINE)}`);
  }
  const logs = Array.isArray(a['logs']) ? a['logs'] : [];
  const last = logs.slice(-LOG_LINES).map((l) => (isRecord(l) && typeof l['text'] === 'string' ? l['text'] : '')).filter((t) => t.trim() !== '');
  for (const text of last) out.push(`log: ${clip(text, MAX_LOG_LINE)}`);
  if (logs.length === 0 && typeof a['logsError'] === 'string') out.push(`logs unavailable: ${a['logsError']}`);
  return out.map((l) => clip(l, MAX_LINE));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
