// Incidents for the paging tests, as the engine derives them from recorded real signals, and the
// evidence signal the Docker source stores beside a recorded death.
import type { Incident, TimelineEntry } from '../../../src/contract/index.ts';
import { project } from '../../../src/domain/engine.ts';
import { stableId } from '../../../src/domain/ids.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { evidenceSummary, type DeathFacts } from '../../../src/sources/docker/evidence.ts';
import { ENGINE_OPTIONS, byKind, received, seedOutage } from '../domain/sequences.ts';

export const LATER = '2026-11-25T00:00:00.000Z';

export function plus(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

/**
 * The `container.evidence` signal collectEvidence (sources/docker/evidence.ts) stores next to a
 * recorded die, with what inspect answered for that container and the last lines it wrote.
 */
export function evidenceFor(die: Signal, facts: Omit<DeathFacts, 'service' | 'logLines'>, logs: string[]): Signal {
  const service = die.service ?? '';
  const at = plus(die.at, 35);
  return received({
    id: stableId('dke', die.id), source: 'docker', host: die.host, at, kind: 'container.evidence', service,
    ...(die.container === undefined ? {} : { container: die.container }),
    attributes: {
      containerId: die.container, name: die.attributes['name'], dieSignalId: die.id,
      summary: evidenceSummary({ ...facts, service, logLines: logs.length }),
      exitCode: facts.exitCode, oomKilled: facts.oomKilled, restartPolicy: facts.restartPolicy.name === '' ? 'no' : facts.restartPolicy.name,
      restartPolicyWillFire: facts.policyWillFire,
      stopRequested: facts.killSignal === undefined ? 'no: the process ended by itself' : 'through the Docker API',
      logs: logs.map((text, i) => ({ stream: 'stdout', at: plus(die.at, -1000 + i), text })),
      ...(facts.killSignal === undefined ? {} : { killSignal: facts.killSignal }),
    },
    raw: { restartPolicy: facts.restartPolicy },
  }, plus(at, 5));
}

/** The seed outage with the evidence of its backend's death (docker kill, no restart policy). */
export function seedWithEvidence(): Signal[] {
  const signals = seedOutage();
  const die = byKind(signals, 'container.die');
  return [...signals, evidenceFor(die, {
    exitCode: 137, oomKilled: false, killSignal: '9', restartPolicy: { name: '', maximumRetryCount: 0 }, policyWillFire: false,
  }, ['{"msg":"users backend listening","host":"0.0.0.0","port":8080}', 'GET /api/users 200 3ms', 'GET /healthz 200 1ms'])];
}

/** The incident (the nth) and its timeline the engine derives from the signals received by `now`. */
export function derive(signals: readonly Signal[], now = LATER, nth = 0): { incident: Incident; timeline: TimelineEntry[] } {
  const known = signals.filter((s) => (s.receivedAt ?? s.at) <= now);
  const { incidents, timelines } = project(known, { ...ENGINE_OPTIONS, now });
  const incident = incidents[nth];
  if (incident === undefined) throw new Error(`no incident #${nth} by ${now}`);
  return { incident, timeline: timelines[incident.id] ?? [] };
}
