// The few Engine API calls whose @types/dockerode (v4) signatures lag dockerode 5: `since`/`until`
// as exact "seconds.nanos" strings, and an abort signal on info/ping. The answers are validated here.
import type Docker from 'dockerode';
import { z } from 'zod';

interface EventsOptions {
  since: string;
  until?: string;
  filters: { type: string[] };
  abortSignal: AbortSignal;
}

// dockerode 5 passes these options straight into the query string (filters JSON-encoded) and the
// abort signal to the request; only the typings say `since: number` and no options for info/ping.
type EventsCall = (options: EventsOptions) => Promise<NodeJS.ReadableStream>;
type AbortableCall = (options: { abortSignal: AbortSignal }) => Promise<unknown>;

export function containerEvents(docker: Docker, options: Omit<EventsOptions, 'filters'>): Promise<NodeJS.ReadableStream> {
  const call = docker.getEvents.bind(docker) as unknown as EventsCall;
  // Swarm's service and node events come on the same stream (a daemon outside a swarm has none).
  return call({ ...options, filters: { type: ['container', 'service', 'node'] } });
}

const infoSchema = z.object({
  Name: z.string().optional(),
  ServerVersion: z.string().optional(),
  SystemTime: z.string().optional(),
});

export type DaemonInfo = z.infer<typeof infoSchema>;

export async function daemonInfo(docker: Docker, abortSignal: AbortSignal): Promise<DaemonInfo> {
  const call = docker.info.bind(docker) as unknown as AbortableCall;
  const parsed = infoSchema.safeParse(await call({ abortSignal }));
  if (!parsed.success) throw new Error('the daemon answered /info with something unexpected');
  return parsed.data;
}

export async function ping(docker: Docker, abortSignal: AbortSignal): Promise<void> {
  const call = docker.ping.bind(docker) as unknown as AbortableCall;
  await call({ abortSignal });
}

/** A short reason a person can act on, from a dockerode or socket error. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = Reflect.get(err, 'code');
  const status = Reflect.get(err, 'statusCode');
  const json: unknown = Reflect.get(err, 'json');
  const message = typeof json === 'object' && json !== null && typeof Reflect.get(json, 'message') === 'string'
    ? String(Reflect.get(json, 'message'))
    : err.message;
  return [typeof code === 'string' ? code : undefined, typeof status === 'number' ? `HTTP ${status}` : undefined, message]
    .filter((p) => p !== undefined && p !== '').join(' ');
}
