// Incident lifecycle for one service: open → acknowledged → mitigated → resolved, with flapping.
import type { Severity } from '../contract/index.ts';
import { flushDue } from './bursts.ts';
import { linkSuspectedChange } from './change-step.ts';
import { containerSnapshot, containersOk } from './containers.ts';
import { stableId } from './ids.ts';
import { KIND, attrString } from './kinds.ts';
import { addEntry, maxSeverity, touch } from './machine.ts';
import type { IncidentDraft, Machine } from './machine.ts';
import type { EngineOptions } from './options.ts';
import type { Signal } from './signal.ts';
import { crashLoopMessage, flappingMessage, mitigatedMessage, resolvedMessage, titleFor } from './words.ts';

/** The severity a failure signal carries on its own. */
export function severityOf(signal: Signal): Severity {
  if (signal.kind === KIND.oom) return 'critical';
  if (signal.kind !== KIND.alertFiring) return 'warning';
  const label = attrString(signal, 'severity')?.toLowerCase();
  if (label === undefined) return 'warning';
  if (['critical', 'page', 'error', 'high', 'fatal', 'emergency'].includes(label)) return 'critical';
  if (['info', 'informational', 'low', 'none', 'notice'].includes(label)) return 'info';
  return 'warning';
}

function open(m: Machine, opener: Signal, t: number): IncidentDraft {
  const draft: IncidentDraft = {
    id: stableId('inc', m.service, m.host, opener.id),
    service: m.service,
    host: m.host,
    title: titleFor(opener, m.service),
    severity: severityOf(opener),
    openedAtMs: t,
    hardFailure: false,
    alerts: {},
    flaps: 0,
    crashLoop: false,
    lastEventAtMs: t,
    sources: [],
    entries: [],
  };
  m.active = draft;
  return draft;
}

/**
 * A failure of the service: opens an incident when none is active; inside a mitigated incident
 * (the quiet period included) it re-opens the same incident and marks it flapping.
 */
export function failure(m: Machine, signal: Signal, t: number, o: EngineOptions, death: boolean): IncidentDraft {
  m.lastFailureId = signal.id;
  const draft = m.active ?? open(m, signal, t);
  draft.severity = maxSeverity(draft.severity, severityOf(signal));
  touch(draft, signal);
  linkSuspectedChange(m, draft, t, o);
  if (signal.kind !== KIND.alertFiring) draft.hardFailure = true;
  if (death) {
    m.deaths = [...m.deaths.filter((d) => d >= t - o.crashLoopWindowMs), t];
    const first = m.deaths[0];
    if (m.deaths.length >= o.crashLoopDeaths && !draft.crashLoop && first !== undefined) {
      draft.crashLoop = true;
      draft.severity = 'critical';
      addEntry(m, draft.id, {
        atMs: t, source: 'system', kind: KIND.crashLoop,
        message: crashLoopMessage(m.service, m.deaths.length, t - first),
        signals: [], facts: { deaths: m.deaths.map((d) => new Date(d).toISOString()) },
      });
    }
  }
  if (draft.mitigatedAtMs !== undefined) {
    draft.flaps += 1;
    addEntry(m, draft.id, {
      atMs: t, source: 'system', kind: KIND.flapping,
      message: flappingMessage(m.service, t - draft.mitigatedAtMs, draft.flaps),
      signals: [], facts: { mitigatedAt: new Date(draft.mitigatedAtMs).toISOString(), cause: signal.id, flaps: draft.flaps },
    });
    delete draft.mitigatedAtMs;
    delete draft.recoveredSinceMs;
  }
  return draft;
}

function allAlertsResolved(d: IncidentDraft): boolean {
  return Object.values(d.alerts).every((s) => s === 'resolved');
}

/** After every signal: is the active incident mitigated now, and has its quiet period begun? */
export function evaluateRecovery(m: Machine, t: number, signal: Signal): void {
  const draft = m.active;
  if (draft === null) return;
  const alertsResolved = allAlertsResolved(draft);
  const ok = m.lastFailureId !== signal.id && containersOk(m) && m.promDown.length === 0 && (draft.hardFailure || alertsResolved);
  if (ok && draft.mitigatedAtMs === undefined) {
    draft.mitigatedAtMs = t;
    addEntry(m, draft.id, {
      atMs: t, source: 'system', kind: KIND.mitigated,
      message: mitigatedMessage(m.service, !draft.hardFailure),
      signals: [], facts: { containers: containerSnapshot(m) },
    });
  } else if (!ok && draft.mitigatedAtMs !== undefined) {
    // Down again without a failure (a requested restart): no longer mitigated, not flapping.
    delete draft.mitigatedAtMs;
  }
  if (ok && alertsResolved) draft.recoveredSinceMs ??= t;
  else delete draft.recoveredSinceMs;
}

export function close(m: Machine, draft: IncidentDraft, resolvedAtMs: number): void {
  draft.resolvedAtMs = resolvedAtMs;
  delete draft.recoveredSinceMs;
  if (m.active === draft) {
    m.active = null;
    m.closed.push(draft);
  }
}

/** Lets time pass up to `t`: bursts whose window closed are written, a finished quiet period resolves. */
export function advance(m: Machine, t: number, o: EngineOptions): void {
  if (m.clockMs !== null && t <= m.clockMs) return;
  flushDue(m, t);
  const draft = m.active;
  if (draft?.recoveredSinceMs !== undefined && draft.recoveredSinceMs + o.quietPeriodMs < t) {
    const at = draft.recoveredSinceMs + o.quietPeriodMs;
    addEntry(m, draft.id, {
      atMs: at, source: 'system', kind: KIND.resolved,
      message: resolvedMessage(m.service, o.quietPeriodMs), signals: [],
      facts: { recoveredSince: new Date(draft.recoveredSinceMs).toISOString(), quietPeriodMs: o.quietPeriodMs },
    });
    close(m, draft, at);
  }
  m.clockMs = t;
}

/** The times at which `advance` would change something. */
export function deadlines(m: Machine, o: EngineOptions): number[] {
  const out = m.pending.map((p) => p.deadlineMs);
  if (m.active?.recoveredSinceMs !== undefined) out.push(m.active.recoveredSinceMs + o.quietPeriodMs);
  return out;
}
