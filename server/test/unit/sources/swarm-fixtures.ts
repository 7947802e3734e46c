// The recorded Swarm fixtures (fixtures/docker/swarm-*.json, see its README), read as Vigil reads them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Signal } from '../../../src/domain/signal.ts';
import { dockerEventToSignal } from '../../../src/sources/docker/normalize.ts';
import { parseEventLine } from '../../../src/sources/docker/stream.ts';
import { taskSignals } from '../../../src/sources/swarm/tasks.ts';
import { parseList, serviceSchema, taskSchema } from '../../../src/sources/swarm/schemas.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/docker');
export const read = (file: string): unknown => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));
/** The events as the watcher reads them: one line each, timeNano exact. */
export function swarmEvents(): Array<Record<string, unknown>> {
  const text = readFileSync(path.join(fixtures, 'swarm-events.json'), 'utf8');
  return text.split('\n').map((l) => l.replace(/,$/, '').trim()).filter((l) => l.startsWith('{')).map((l) => parseEventLine(l) ?? {});
}
export const services = () => parseList(serviceSchema, read('swarm-services.json'));
export const tasks = (name: string) => parseList(taskSchema, read(`swarm-tasks-${name}.json`));

/** The recorded Swarm as the engine gets it: the events' signals and the signals of one task list. */
export function swarmSignals(taskList: string, host: string, untilIso?: string): Signal[] {
  const events = swarmEvents().map((e) => dockerEventToSignal(e, host)).filter((s) => s !== null);
  const all = [...events, ...taskSignals(host, tasks(taskList), services(), 0n).signals];
  return untilIso === undefined ? all : all.filter((s) => s.at <= untilIso);
}
