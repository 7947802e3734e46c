// What `docker service update --force` does: read the service, send back the same spec with
// `TaskTemplate.ForceUpdate` one higher, at the version read (Swarm refuses a stale version, so a
// concurrent change is never overwritten; one fresh read and retry then). Swarm replaces every task.
import type Docker from 'dockerode';
import { describeError } from '../sources/docker/api.ts';
import { serviceSchema, type SwarmService } from '../sources/swarm/schemas.ts';

const CALL_TIMEOUT_MS = 10_000;

export class UnknownServiceError extends Error {
  override name = 'UnknownServiceError';
}

function statusOf(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? Reflect.get(err, 'statusCode') : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** The service by name or id; UnknownServiceError when Swarm has none such. */
export async function inspectService(docker: Docker, nameOrId: string): Promise<SwarmService & { raw: Record<string, unknown> }> {
  let body: unknown;
  try {
    body = await docker.getService(nameOrId).inspect({ abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  } catch (err) {
    if (statusOf(err) === 404) throw new UnknownServiceError(`Swarm has no service "${nameOrId}"`);
    throw err;
  }
  const parsed = serviceSchema.safeParse(body);
  if (!parsed.success) throw new Error('the daemon answered the service inspect with something unexpected');
  return { ...parsed.data, raw: body as Record<string, unknown> };
}

export interface ForcedUpdate {
  serviceId: string;
  previous: number;
  forceUpdate: number;
}

export async function forceUpdate(docker: Docker, nameOrId: string): Promise<ForcedUpdate> {
  for (let attempt = 1; ; attempt += 1) {
    const service = await inspectService(docker, nameOrId);
    const spec = service.raw['Spec'] as Record<string, unknown>;
    const previous = service.Spec.TaskTemplate.ForceUpdate ?? 0;
    const body = { ...spec, TaskTemplate: { ...service.Spec.TaskTemplate, ForceUpdate: previous + 1 } };
    try {
      await docker.getService(service.ID).update({
        _query: { version: service.Version.Index }, _body: body, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      } as unknown as Record<string, unknown>);
      return { serviceId: service.ID, previous, forceUpdate: previous + 1 };
    } catch (err) {
      // "update out of sequence": someone changed the service between the read and the write.
      if (attempt < 2 && /out of sequence/i.test(describeError(err))) continue;
      throw err;
    }
  }
}
