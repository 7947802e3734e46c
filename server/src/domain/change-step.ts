// A change of the service (container.change): never a failure. It joins the active incident's
// timeline, and is remembered so that a failure within the change window names it as suspected.
import type { SuspectedChange } from '../contract/index.ts';
import { KIND, attrString } from './kinds.ts';
import { addEntry, touch } from './machine.ts';
import type { ChangeMemo, IncidentDraft, Machine } from './machine.ts';
import type { EngineOptions } from './options.ts';
import type { Signal } from './signal.ts';
import { toIso } from './time.ts';
import { changeMessage, suspectedChangeMessage } from './words.ts';


function memoOf(signal: Signal, t: number): ChangeMemo {
  const changed = signal.attributes['changed'];
  const optional = {
    containerName: attrString(signal, 'name'),
    oldImage: attrString(signal, 'oldImage'),
    newImage: attrString(signal, 'newImage'),
    oldImageId: attrString(signal, 'oldImageId'),
    newImageId: attrString(signal, 'newImageId'),
  };
  const change: Omit<SuspectedChange, 'beforeMs'> = {
    signalId: signal.id,
    at: toIso(t),
    containerId: signal.container ?? attrString(signal, 'containerId') ?? '',
    changed: Array.isArray(changed) ? changed.filter((c): c is string => typeof c === 'string').slice(0, 20) : [],
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Reflect.set(change, k, v);
  const by = attrString(signal, 'changedBy');
  if (by !== undefined) change.changedBy = by;
  return { atMs: t, change, signal };
}

export function changeStep(m: Machine, signal: Signal, t: number): void {
  // A change replayed out of order is folded in order, so the newest by event time wins.
  if (m.lastChange === undefined || m.lastChange.atMs <= t) m.lastChange = memoOf(signal, t);
  // The container the new one replaced is no part of the service any more, removed yet or not
  // (Compose renames it and removes it after starting the new one): it no longer holds recovery up.
  const replaced = attrString(signal, 'oldContainerId');
  const old = replaced === undefined ? undefined : m.containers[replaced];
  if (replaced !== undefined && old !== undefined && !old.running) m.containers[replaced] = { ...old, retired: true };
  if (m.active === null) return;
  touch(m.active, signal);
  addEntry(m, m.active.id, {
    atMs: t, source: 'docker', kind: KIND.change, message: changeMessage(m.service, signal), signals: [signal],
    ...(m.lastChange.change.changedBy === undefined ? {} : { actor: m.lastChange.change.changedBy }),
  });
}

/** At a failure of `draft`: the service's change made within the window before it, once per incident. */
export function linkSuspectedChange(m: Machine, draft: IncidentDraft, t: number, o: EngineOptions): void {
  const last = m.lastChange;
  if (draft.suspectedChange !== undefined || last === undefined) return;
  const beforeMs = t - last.atMs;
  if (beforeMs < 0 || beforeMs > o.changeWindowMs) return;
  draft.suspectedChange = { ...last.change, beforeMs };
  addEntry(m, draft.id, {
    atMs: t, source: 'system', kind: KIND.suspectedChange,
    message: suspectedChangeMessage(m.service, last.signal, beforeMs),
    signals: [], facts: { change: last.change.signalId, beforeMs },
  });
}

/** A change still inside its window at `nowMs`: the service must not be forgotten yet. */
export function changeStillMatters(m: Machine, nowMs: number, o: EngineOptions): boolean {
  return m.lastChange !== undefined && m.lastChange.atMs + o.changeWindowMs >= nowMs;
}
