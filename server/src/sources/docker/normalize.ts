// A Docker Engine event (API 1.41, Docker 20.10 shape) → a Signal, or null when it is not one Vigil
// acts on. Pure: the stream, reconnects and cursors live in the watcher.
import { z } from 'zod';
import { stableId } from '../../domain/ids.ts';
import type { Signal } from '../../domain/signal.ts';
import { swarmEventToSignal } from '../swarm/events.ts';
import { serviceOf } from './containers.ts';

const attributeValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** Only the fields Vigil reads; the legacy top-level `status`/`id`/`from` are gone in newer engines. */
export const dockerEventSchema = z.object({
  Type: z.string(),
  Action: z.string().min(1),
  Actor: z.object({
    ID: z.string().min(1),
    Attributes: z.record(z.string(), attributeValue.optional().catch(undefined)).optional(),
  }),
  time: z.number().int().nonnegative().optional(),
  /** Above 2^53: a JSON number has lost its last digits; a string or bigint is exact. */
  timeNano: z.union([z.number().nonnegative(), z.string().regex(/^\d{1,25}$/), z.bigint().nonnegative()]).optional(),
}).refine((e) => e.time !== undefined || e.timeNano !== undefined, { message: 'event has neither time nor timeNano' });

export type DockerEvent = z.infer<typeof dockerEventSchema>;

/** Container actions that say something about a service's health; everything else is noise. */
const RELEVANT = new Set(['create', 'start', 'restart', 'kill', 'oom', 'die', 'stop', 'pause', 'unpause', 'destroy', 'rename']);

interface EventTime {
  /** Epoch milliseconds: whole seconds from `time`, the millisecond part from `timeNano`. */
  ms: number;
  /** Nanoseconds past that millisecond: orders a `start` and its `restart` 0.2 ms apart. */
  nanos: number;
  /** `timeNano` as the decimal of the double JSON.parse would make of it: the same whichever form arrived. */
  key: string;
}

export function eventTime(time: number | undefined, timeNano: number | string | bigint | undefined): EventTime {
  if (timeNano === undefined) {
    const seconds = time ?? 0;
    return { ms: seconds * 1000, nanos: 0, key: String(seconds * 1e9) };
  }
  if (typeof timeNano === 'number') {
    const seconds = time ?? Math.floor(timeNano / 1e9);
    // seconds * 1e9 is exact and close to timeNano, so the subtraction is exact (Sterbenz).
    const nanos = timeNano - seconds * 1e9;
    const msPart = Math.min(999, Math.max(0, Math.floor(nanos / 1e6)));
    const rest = Math.min(999_999, Math.max(0, nanos - msPart * 1e6));
    return { ms: seconds * 1000 + msPart, nanos: rest, key: String(timeNano) };
  }
  const exact = BigInt(timeNano);
  const seconds = time ?? Number(exact / 1_000_000_000n);
  const msPart = Number((exact % 1_000_000_000n) / 1_000_000n);
  return { ms: seconds * 1000 + msPart, nanos: Number(exact % 1_000_000n), key: String(Number(exact)) };
}

function kindOf(action: string): string | null {
  const health = /^health_status:\s*(\w+)$/.exec(action);
  if (health?.[1] !== undefined) return `container.health_status.${health[1]}`;
  return RELEVANT.has(action) ? `container.${action}` : null;
}

function numberOrString(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

/**
 * `host` is the Docker endpoint's name. Service: as `serviceOf` names it (label `vigil.service`,
 * else the Swarm service, else `com.docker.compose.service`, else the container name). Swarm's
 * `service` and `node` events go to sources/swarm/events.ts.
 */
export function dockerEventToSignal(event: unknown, host: string): Signal | null {
  const parsed = dockerEventSchema.safeParse(event);
  if (!parsed.success) return null;
  const e = parsed.data;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.Actor.Attributes ?? {})) if (v !== undefined) labels[k] = v;
  if (e.Type === 'service' || e.Type === 'node') {
    return swarmEventToSignal({ Type: e.Type, Action: e.Action, Actor: { ID: e.Actor.ID, Attributes: labels } }, host, eventTime(e.time, e.timeNano), event);
  }
  if (e.Type !== 'container') return null;
  const kind = kindOf(e.Action);
  if (kind === null) return null;
  const name = labels['name'];
  const service = serviceOf(labels, name);
  const time = eventTime(e.time, e.timeNano);
  const health = kind.startsWith('container.health_status.') ? kind.slice('container.health_status.'.length) : undefined;
  const attributes: Record<string, unknown> = {
    atNanos: time.nanos,
    containerId: e.Actor.ID,
    supervised: labels['vigil.supervise'] === 'true',
  };
  const optional: Record<string, unknown> = {
    name,
    image: labels['image'],
    project: labels['com.docker.compose.project'],
    swarmTaskId: labels['com.docker.swarm.task.id'],
    exitCode: numberOrString(labels['exitCode']),
    signal: numberOrString(labels['signal']),
    health,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) attributes[k] = v;
  return {
    id: stableId('dk', host, time.key, e.Actor.ID, e.Action),
    source: 'docker',
    host,
    at: new Date(time.ms).toISOString(),
    kind,
    ...(service === undefined ? {} : { service }),
    container: e.Actor.ID,
    attributes,
    raw: event,
  };
}
