// Docker Swarm services (`GET /api/swarm/services`) and forcing an update of one. Answers checked, never cast.
import type { ForceUpdateResult, SwarmServiceView } from '@vigil/server/contract';
import { api, ApiError } from './api.ts';
import { isRecord } from './wire.ts';

const str = (v: unknown): v is string => typeof v === 'string';
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optStr = (v: unknown): boolean => v === undefined || str(v);

export function isSwarmService(v: unknown): v is SwarmServiceView {
  return isRecord(v) && str(v['id']) && str(v['name']) && str(v['host']) && str(v['mode'])
    && num(v['forceUpdate']) && num(v['version']) && optStr(v['image']) && optStr(v['updateState'])
    && (v['replicas'] === undefined || num(v['replicas']));
}

export function isForceUpdateResult(v: unknown): v is ForceUpdateResult {
  return isRecord(v) && str(v['service']) && str(v['host']) && str(v['serviceId']) && num(v['forceUpdate']) && num(v['previousForceUpdate']) && str(v['actionId']);
}

const badAnswer = (what: string) => new ApiError(502, 'bad_answer', `Vigil answered ${what} in a shape this page does not understand; reload the page.`);

export async function listSwarmServices(): Promise<SwarmServiceView[]> {
  const answer = await api.get('/api/swarm/services');
  if (!Array.isArray(answer) || !answer.every(isSwarmService)) throw badAnswer('the Swarm services');
  return answer;
}

export async function forceUpdate(service: Pick<SwarmServiceView, 'name' | 'host'>): Promise<ForceUpdateResult> {
  const answer = await api.post(`/api/swarm/services/${encodeURIComponent(service.name)}/force-update`, { host: service.host });
  if (!isForceUpdateResult(answer)) throw badAnswer('the forced update');
  return answer;
}

/** The Swarm service an incident is about (same name on the same Docker endpoint), if it is one. */
export function swarmServiceOf(services: readonly SwarmServiceView[], incident: { service: string; host: string }): SwarmServiceView | undefined {
  return services.find((s) => s.name === incident.service && s.host === incident.host);
}
