// How one Docker signal moves a service's machine: container state, bursts, failures.
import { finishBurst, isSuffix, pendingBurstOf, takePrefixes } from './bursts.ts';
import { updateContainer } from './containers.ts';
import { KIND } from './kinds.ts';
import { addEntry, touch } from './machine.ts';
import type { Machine } from './machine.ts';
import type { EngineOptions } from './options.ts';
import { failure } from './lifecycle.ts';
import type { Signal } from './signal.ts';
import { swarmUpdateExplains } from './swarm-step.ts';
import { containerMessage } from './words.ts';

/** The most recent restart of this container someone asked for that this die can be the effect of. */
function requestedBy(m: Machine, container: string, t: number): string | undefined {
  // `step` has already dropped the requests older than the restart window.
  const matching = m.requests.filter((r) => r.container === container && r.atMs <= t);
  return matching[matching.length - 1]?.by;
}

/** A kill, oom, create (or a probe failing during a kill) waits for the die or start it belongs to. */
function waitAsPrefix(m: Machine, container: string, signal: Signal, t: number, o: EngineOptions): void {
  m.pending.push({ type: 'prefix', container, signal, incidentId: m.active?.id ?? null, deadlineMs: t + o.prefixWindowMs });
}

/** A start (or the outcome of the restart) ends what a restart request explains. */
export function consumeRequests(m: Machine, container: string, t: number): void {
  m.requests = m.requests.filter((r) => r.container !== container || r.atMs > t);
}

export function containerStep(m: Machine, signal: Signal, container: string, t: number, o: EngineOptions): void {
  const burst = pendingBurstOf(m, container);
  if (burst !== undefined && isSuffix(burst, signal)) {
    burst.members.push(signal);
    if (m.active !== null) touch(m.active, signal);
    updateContainer(m, container, signal);
    finishBurst(m, burst);
    return;
  }
  if (burst !== undefined) finishBurst(m, burst);

  switch (signal.kind) {
    case KIND.kill:
    case KIND.oom:
    case KIND.create: {
      if (signal.kind === KIND.oom) failure(m, signal, t, o, false);
      else if (m.active !== null) touch(m.active, signal);
      updateContainer(m, container, signal);
      waitAsPrefix(m, container, signal, t, o);
      return;
    }
    case KIND.die: {
      const members = [...takePrefixes(m, container, [KIND.kill, KIND.oom, KIND.unhealthy]), signal];
      const by = requestedBy(m, container, t) ?? swarmUpdateExplains(m, t, members.some((s) => s.kind === KIND.kill));
      updateContainer(m, container, signal);
      if (by === undefined) failure(m, signal, t, o, true);
      else if (m.active !== null) touch(m.active, signal);
      m.pending.push({
        type: 'burst', phase: 'down', container, members, incidentId: m.active?.id ?? null,
        ...(by === undefined ? {} : { requestedBy: by }), deadlineMs: t + o.settleMs,
      });
      return;
    }
    case KIND.start: {
      consumeRequests(m, container, t);
      const members = [...takePrefixes(m, container, [KIND.create]), signal];
      updateContainer(m, container, signal);
      if (m.active !== null) touch(m.active, signal);
      m.pending.push({
        type: 'burst', phase: 'up', container, members, incidentId: m.active?.id ?? null, deadlineMs: t + o.settleMs,
      });
      return;
    }
    case KIND.unhealthy: {
      updateContainer(m, container, signal);
      if (m.pending.some((p) => p.type === 'prefix' && p.container === container && p.signal.kind === KIND.kill)) {
        // A health probe failing while the container is being killed is the kill's effect, not a failure.
        waitAsPrefix(m, container, signal, t, o);
        if (m.active !== null) touch(m.active, signal);
        return;
      }
      const draft = failure(m, signal, t, o, false);
      addEntry(m, draft.id, {
        atMs: t, source: 'docker', kind: signal.kind, message: containerMessage(m.service, signal), signals: [signal],
      });
      return;
    }
    default: {
      updateContainer(m, container, signal);
      if (m.active !== null) {
        touch(m.active, signal);
        addEntry(m, m.active.id, {
          atMs: t, source: 'docker', kind: signal.kind, message: containerMessage(m.service, signal), signals: [signal],
        });
      }
    }
  }
}
