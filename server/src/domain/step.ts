// One signal through one service's machine, in event-time order: the fold every derivation uses.
import { changeStep } from './change-step.ts';
import { consumeRequests, containerStep } from './container-step.ts';
import { KIND, actorOf, attrString, containerOf } from './kinds.ts';
import { advance, close, evaluateRecovery, failure } from './lifecycle.ts';
import { addEntry, findIncident, makeEntry, maxSeverity, touch } from './machine.ts';
import type { IncidentDraft, Machine } from './machine.ts';
import type { EngineOptions } from './options.ts';
import type { Signal } from './signal.ts';
import { swarmStep } from './swarm-step.ts';
import { toMs } from './time.ts';
import { alertMessage, commandMessage, prometheusMessage, silenceMessage, supervisorMessage } from './words.ts';

export function step(m: Machine, signal: Signal, o: EngineOptions): void {
  const t = toMs(signal.at);
  advance(m, t, o);
  m.requests = m.requests.filter((r) => t - r.atMs <= o.restartWindowMs);
  const container = containerOf(signal);
  if (signal.kind === KIND.change) changeStep(m, signal, t);
  else if (signal.kind.startsWith('container.') && container !== undefined) containerStep(m, signal, container, t, o);
  else if (signal.kind === KIND.alertFiring || signal.kind === KIND.alertResolved) alertStep(m, signal, t, o);
  else if (signal.kind === KIND.serviceDown || signal.kind === KIND.serviceUp) prometheusStep(m, signal, t, o);
  else if (signal.kind.startsWith('notification.')) notificationStep(m, signal, t);
  else if (signal.kind.startsWith('silence.')) notificationStep(m, signal, t, silenceMessage(signal));
  else if (signal.kind.startsWith('swarm.')) swarmStep(m, signal, t, o);
  else if (signal.source === 'user' || signal.kind.startsWith('user.') || signal.kind.startsWith('action.')) commandStep(m, signal, t);
  else if (signal.source === 'supervisor' || signal.kind.startsWith('supervisor.')) supervisorStep(m, signal, t);
  else if (m.active !== null) joinWithEntry(m, m.active, signal, t, signal.kind);
  evaluateRecovery(m, t, signal);
}

function joinWithEntry(m: Machine, draft: IncidentDraft, signal: Signal, t: number, message: string, actor?: string): void {
  touch(draft, signal);
  addEntry(m, draft.id, {
    atMs: t, source: signal.source, kind: signal.kind, message, signals: [signal],
    ...(actor === undefined ? {} : { actor }),
  });
}

function alertStep(m: Machine, signal: Signal, t: number, o: EngineOptions): void {
  const fingerprint = attrString(signal, 'fingerprint') ?? signal.id;
  if (signal.kind === KIND.alertFiring) {
    // The same alert still firing (another startsAt) joins; a new or re-fired one is a failure.
    const active = m.active;
    const draft = active !== null && active.alerts[fingerprint] === 'firing' ? active : failure(m, signal, t, o, false);
    draft.alerts[fingerprint] = 'firing';
    joinWithEntry(m, draft, signal, t, alertMessage(signal));
    return;
  }
  if (m.active === null) return;
  m.active.alerts[fingerprint] = 'resolved';
  joinWithEntry(m, m.active, signal, t, alertMessage(signal));
}

function prometheusStep(m: Machine, signal: Signal, t: number, o: EngineOptions): void {
  const instance = attrString(signal, 'instance') ?? '';
  if (signal.kind === KIND.serviceDown) {
    if (!m.promDown.includes(instance)) m.promDown = [...m.promDown, instance].sort();
    joinWithEntry(m, failure(m, signal, t, o, false), signal, t, prometheusMessage(m.service, signal));
    return;
  }
  m.promDown = m.promDown.filter((i) => i !== instance);
  if (m.active !== null) joinWithEntry(m, m.active, signal, t, prometheusMessage(m.service, signal));
}

/** The incident a command is about: the one it names when this machine holds it, else the active one. */
function commandTarget(m: Machine, signal: Signal): IncidentDraft | null {
  const named = attrString(signal, 'incidentId');
  return (named === undefined ? undefined : findIncident(m, named)) ?? m.active;
}

function commandStep(m: Machine, signal: Signal, t: number): void {
  const actor = actorOf(signal);
  const container = containerOf(signal);
  if ((signal.kind === KIND.restartRequested || signal.kind === KIND.rollbackRequested) && container !== undefined) {
    m.requests = [...m.requests, { container, atMs: t, by: actor ?? 'someone' }];
  }
  if ((signal.kind === KIND.restartResult || signal.kind === KIND.rollbackResult) && container !== undefined) consumeRequests(m, container, t);
  const target = commandTarget(m, signal);
  const message = commandMessage(m.service, signal);
  const person = actor === undefined || actor === 'supervisor' ? undefined : actor;
  if (target === null) {
    const named = attrString(signal, 'incidentId');
    if (signal.kind === KIND.note && named !== undefined) {
      m.detached.push(makeEntry(named, {
        atMs: t, source: signal.source, kind: signal.kind, message, signals: [signal], ...(person === undefined ? {} : { actor: person }),
      }));
    }
    return;
  }
  if (signal.kind === KIND.acknowledge && target.acknowledgedAtMs === undefined && target.resolvedAtMs === undefined) {
    target.acknowledgedAtMs = t;
    if (actor !== undefined) target.acknowledgedBy = actor;
  }
  joinWithEntry(m, target, signal, t, message, person);
  if (signal.kind === KIND.resolve && target.resolvedAtMs === undefined) close(m, target, t);
}

/**
 * What paging (or silencing in Alertmanager) did about an incident: an entry on the incident it names, whether it is still held
 * here or long resolved (then detached, like a late note). It changes nothing else: a page is not an
 * event of the service, so it neither moves lastEventAt nor attaches to another incident.
 */
function notificationStep(m: Machine, signal: Signal, t: number, message?: string): void {
  const named = attrString(signal, 'incidentId');
  if (named === undefined) return;
  // A silence someone made in Alertmanager reads as Alertmanager's, with its author as the actor.
  const fromAlertmanager = attrString(signal, 'entrySource') === 'alertmanager';
  const actor = fromAlertmanager ? actorOf(signal) : undefined;
  const entry = makeEntry(named, {
    atMs: t, source: fromAlertmanager ? 'alertmanager' : 'system', kind: signal.kind, message: message ?? attrString(signal, 'message') ?? signal.kind, signals: [signal],
    ...(actor === undefined ? {} : { actor }),
  });
  const draft = findIncident(m, named);
  if (draft === undefined) m.detached.push(entry);
  else draft.entries.push(entry);
}

function supervisorStep(m: Machine, signal: Signal, t: number): void {
  const container = containerOf(signal);
  if (signal.kind === KIND.supervisorRestart && container !== undefined) {
    m.requests = [...m.requests, { container, atMs: t, by: 'supervisor' }];
  }
  if (m.active === null) return;
  if (signal.kind === KIND.breakerOpen) m.active.severity = maxSeverity(m.active.severity, 'critical');
  const actor = actorOf(signal);
  const person = signal.kind === KIND.supervisionPaused || signal.kind === KIND.supervisionResumed ? actor : undefined;
  joinWithEntry(m, m.active, signal, t, supervisorMessage(m.service, signal), person);
}
