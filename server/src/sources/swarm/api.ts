// The Swarm calls whose @types/dockerode signatures lack the abort signal dockerode 5 takes.
import type Docker from 'dockerode';
import { isSwarmManager } from './schemas.ts';

type Call = (options: { abortSignal: AbortSignal }) => Promise<unknown>;

/** `GET /info`: is this daemon an active Swarm manager? */
export async function swarmManager(docker: Docker, abortSignal: AbortSignal): Promise<boolean> {
  return isSwarmManager(await (docker.info.bind(docker) as unknown as Call)({ abortSignal }));
}

export function listServices(docker: Docker, abortSignal: AbortSignal): Promise<unknown> {
  return (docker.listServices.bind(docker) as unknown as Call)({ abortSignal });
}

export function listTasks(docker: Docker, abortSignal: AbortSignal): Promise<unknown> {
  return (docker.listTasks.bind(docker) as unknown as Call)({ abortSignal });
}
