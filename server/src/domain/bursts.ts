// Docker reports one action as several events (kill → die → stop, create → start → restart);
// a person wants one line. Bursts wait here until complete, then become one timeline entry.
import { KIND, containerOf } from './kinds.ts';
import { addEntry } from './machine.ts';
import type { Machine, Pending, PendingBurst } from './machine.ts';
import type { Signal } from './signal.ts';
import { containerMessage, deathMessage, startMessage } from './words.ts';

const SUFFIX: Record<PendingBurst['phase'], string> = { down: KIND.stop, up: KIND.restart };

export function pendingBurstOf(m: Machine, container: string): PendingBurst | undefined {
  return m.pending.find((p): p is PendingBurst => p.type === 'burst' && p.container === container);
}

/** True when the signal completes the burst (a `stop` after a `die`, a `restart` after a `start`). */
export function isSuffix(burst: PendingBurst, signal: Signal): boolean {
  return signal.kind === SUFFIX[burst.phase] && containerOf(signal) === burst.container;
}

/** Takes the waiting kills/ooms (or creates) of a container out of the pending list. */
export function takePrefixes(m: Machine, container: string, kinds: readonly string[]): Signal[] {
  const taken: Signal[] = [];
  m.pending = m.pending.filter((p) => {
    if (p.type === 'prefix' && p.container === container && kinds.includes(p.signal.kind)) {
      taken.push(p.signal);
      return false;
    }
    return true;
  });
  return taken;
}

export function finishBurst(m: Machine, burst: PendingBurst): void {
  m.pending = m.pending.filter((p) => p !== burst);
  const anchor = burst.members.find((s) => s.kind === (burst.phase === 'down' ? KIND.die : KIND.start));
  if (anchor === undefined) return;
  const message = burst.phase === 'down'
    ? deathMessage(m.service, burst.members, burst.requestedBy)
    : startMessage(m.service, burst.members);
  addEntry(m, burst.incidentId, {
    atMs: Date.parse(anchor.at), source: 'docker', kind: anchor.kind, message, signals: burst.members,
    facts: { container: burst.container, ...(burst.requestedBy === undefined ? {} : { requestedBy: burst.requestedBy }) },
  });
}

function flush(m: Machine, pending: Pending): void {
  if (pending.type === 'burst') {
    finishBurst(m, pending);
    return;
  }
  m.pending = m.pending.filter((p) => p !== pending);
  addEntry(m, pending.incidentId, {
    atMs: Date.parse(pending.signal.at), source: 'docker', kind: pending.signal.kind,
    message: containerMessage(m.service, pending.signal), signals: [pending.signal],
  });
}

/** Completes every burst and prefix whose window closed before `t`, in deadline order. */
export function flushDue(m: Machine, t: number): void {
  const due = m.pending
    .filter((p) => p.deadlineMs < t)
    .sort((a, b) => a.deadlineMs - b.deadlineMs || (a.container < b.container ? -1 : a.container > b.container ? 1 : 0));
  for (const p of due) flush(m, p);
}
