// Swarm's own events on the Docker events stream (`Type` service and node, scope "swarm") → signals.
// Pure; the Docker normalizer hands them here with the event's time already read.
import { stableId } from '../../domain/ids.ts';
import { KIND } from '../../domain/kinds.ts';
import type { Signal } from '../../domain/signal.ts';

export interface SwarmEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

const SERVICE_KINDS: Record<string, string> = {
  create: KIND.swarmServiceCreated,
  update: KIND.swarmServiceUpdated,
  remove: KIND.swarmServiceRemoved,
};

/** `time`: the event's epoch milliseconds and its exact `timeNano` as the id's key (see docker/normalize.ts). */
export function swarmEventToSignal(e: SwarmEvent, host: string, time: { ms: number; key: string }, raw: unknown): Signal | null {
  const a = e.Actor.Attributes;
  const base = { id: stableId('dk', host, time.key, e.Actor.ID, e.Action), source: 'docker' as const, host, at: new Date(time.ms).toISOString(), raw };
  if (e.Type === 'service') {
    const kind = SERVICE_KINDS[e.Action];
    const name = a['name'];
    if (kind === undefined || name === undefined || name === '') return null;
    const updateState = a['updatestate.new'];
    return {
      ...base, kind, service: name,
      attributes: { serviceId: e.Actor.ID, ...(updateState ? { updateState } : {}), ...(a['image.new'] ? { image: a['image.new'] } : {}) },
    };
  }
  if (e.Type === 'node' && e.Action === 'update') {
    const now = a['state.new'];
    const before = a['state.old'];
    // A node's first `ready` (from `unknown`, as the swarm starts) is no recovery.
    const kind = now === 'down' ? KIND.swarmNodeDown : now === 'ready' && before === 'down' ? KIND.swarmNodeUp : undefined;
    if (kind === undefined) return null;
    return { ...base, kind, attributes: { nodeId: e.Actor.ID, node: a['name'] || e.Actor.ID.slice(0, 12), state: now } };
  }
  return null;
}

/**
 * A node going down or coming back concerns each service with tasks on it: one signal per service
 * (the engine keeps incidents per service), each with its own stable id.
 */
export function nodeSignalPerService(signal: Signal, services: readonly string[]): Signal[] {
  return services.map((service) => ({ ...signal, id: stableId('swn', signal.id, service), service }));
}
