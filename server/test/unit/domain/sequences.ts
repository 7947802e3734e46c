// Signal sequences for the engine's tests: recorded Docker streams, Alertmanager payloads built from
// the recorded 0.25 shape, and the commands people and the supervisor send.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { breakerOpenSignal, restartRequestedSignal, restartResultSignal, supervisorRestartSignal, userCommandSignal } from '../../../src/domain/commands.ts';
import type { ContainerRef } from '../../../src/domain/commands.ts';
import { project } from '../../../src/domain/engine.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { alertmanagerWebhookSchema, alertmanagerWebhookToSignals } from '../../../src/sources/alertmanager/normalize.ts';
import { dockerEventToSignal } from '../../../src/sources/docker/normalize.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures');

/** How long after the event Vigil stores a Docker signal in these sequences. */
export const DOCKER_LATENCY_MS = 40;

export const ENGINE_OPTIONS = { defaultHost: 'local' } as const;

function plus(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

export function received(signal: Signal, receivedAt: string): Signal {
  return { ...signal, receivedAt };
}

/** A recorded Docker stream as the watcher would store it. */
export function recordedDocker(file: string, pick: (event: Record<string, unknown>) => boolean = () => true): Signal[] {
  const events = JSON.parse(readFileSync(path.join(fixtures, 'docker', file), 'utf8')) as Array<Record<string, unknown>>;
  return events.filter(pick)
    .map((event) => dockerEventToSignal(event, 'local'))
    .filter((s): s is Signal => s !== null)
    .map((s) => received(s, plus(s.at, DOCKER_LATENCY_MS)));
}

export function byKind(signals: readonly Signal[], kind: string, nth = 0): Signal {
  const found = signals.filter((s) => s.kind === kind)[nth];
  if (found === undefined) throw new Error(`no ${kind} #${nth} in the sequence`);
  return found;
}

export interface AlertSpec {
  status: 'firing' | 'resolved';
  alertname: string;
  labels: Record<string, string>;
  summary: string;
  fingerprint: string;
  startsAt: string;
  endsAt?: string;
  receivedAt: string;
}

/** An Alertmanager 0.25 webhook, the recorded one with this alert in it, through the real schema. */
export function alert(spec: AlertSpec): Signal {
  const body = JSON.parse(readFileSync(path.join(fixtures, 'alertmanager', `am-webhook-${spec.status}.json`), 'utf8')) as Record<string, unknown>;
  const template = (body['alerts'] as Array<Record<string, unknown>>)[0];
  const labels = { alertname: spec.alertname, ...spec.labels };
  const payload = {
    ...body,
    status: spec.status,
    alerts: [{
      ...template, status: spec.status, labels, annotations: { summary: spec.summary },
      startsAt: spec.startsAt, endsAt: spec.endsAt ?? '0001-01-01T00:00:00Z', fingerprint: spec.fingerprint,
    }],
    commonLabels: labels,
    commonAnnotations: { summary: spec.summary },
  };
  const [signal] = alertmanagerWebhookToSignals(alertmanagerWebhookSchema.parse(payload), 'alertmanager');
  if (signal === undefined) throw new Error('no signal');
  return received(signal, spec.receivedAt);
}

export function containerRef(signal: Signal): ContainerRef {
  return { id: signal.container ?? '', name: String(signal.attributes['name']), host: signal.host, service: signal.service ?? '' };
}

// --- The seed outage -------------------------------------------------------------------------------
// Recorded: backend healthy, `docker kill` at 18:37:11.088, die 11.123, nobody acts, started by a
// person at 18:40:09.354, healthy at 18:40:10.423. Around it: BackendDown (up == 0 for 15 s) goes
// pending at 18:37:26.100, fires 15 s later, and its webhook lands at 18:37:41.300 (30 s after the
// kill); alice acknowledges at 18:38:40 and presses restart at 18:40:09; the alert resolves at
// 18:40:15.100.
export function seedOutage(): Signal[] {
  const docker = recordedDocker('recorded/seed-backend-killed.json');
  const backend = containerRef(byKind(docker, 'container.die'));
  // The API names the incident the person saw: the one Docker's signals opened.
  const incidentId = project(docker).incidents[0]?.id ?? 'none';
  const alertBase = {
    alertname: 'BackendDown', labels: { job: 'backend', severity: 'critical' }, summary: 'Backend service is down',
    fingerprint: 'c1f4a1b2d3e4f5a6', startsAt: '2026-11-24T18:37:26.100Z',
  };
  return [
    ...docker,
    alert({ ...alertBase, status: 'firing', receivedAt: '2026-11-24T18:37:41.300Z' }),
    ...seedCommands(backend, incidentId),
    alert({ ...alertBase, status: 'resolved', endsAt: '2026-11-24T18:40:15.100Z', receivedAt: '2026-11-24T18:40:17.000Z' }),
  ];
}

/** alice's part of the seed outage. */
export function seedCommands(backend: ContainerRef, incidentId: string): Signal[] {
  const incident = { id: incidentId, service: 'backend', host: 'local' };
  return [
    received(userCommandSignal({ kind: 'user.acknowledge', incident, actor: 'alice' }, '2026-11-24T18:38:40.000Z'), '2026-11-24T18:38:40.002Z'),
    received(restartRequestedSignal({ container: backend, actor: 'alice', actionId: 'act-1', at: '2026-11-24T18:40:09.000Z' }), '2026-11-24T18:40:09.001Z'),
    received(restartResultSignal({ container: backend, actor: 'alice', actionId: 'act-1', at: '2026-11-24T18:40:09.420Z', ok: true, durationMs: 420 }), '2026-11-24T18:40:09.421Z'),
  ];
}

// --- A supervisor heal -----------------------------------------------------------------------------
// Recorded: api turns unhealthy at 18:36:54.980; `docker restart -t 1` from 18:37:00.479 (kill 15,
// kill 9, die, stop, start, restart), healthy at 18:37:02.932. The supervisor decided at 00.470.
export function supervisorHeal(): Signal[] {
  const docker = recordedDocker('recorded/unhealthy-then-restarted.json');
  const api = containerRef(byKind(docker, 'container.die'));
  return [
    ...docker,
    received(supervisorRestartSignal({
      container: api, at: '2026-11-24T18:37:00.470Z', attempt: 1, nextBackoffMs: 500, reason: 'unhealthy', decisionId: 'sup-1',
    }), '2026-11-24T18:37:00.471Z'),
    received(restartResultSignal({
      container: api, actor: 'supervisor', actionId: 'sup-1', at: '2026-11-24T18:37:01.870Z', ok: true, durationMs: 1400,
    }), '2026-11-24T18:37:01.871Z'),
  ];
}

/** Recorded crash loop with the supervisor's breaker giving up after the last death. */
export function crashLoopWithBreaker(): Signal[] {
  const docker = recordedDocker('recorded/crash-loop.json');
  const worker = containerRef(byKind(docker, 'container.die'));
  return [...docker, received(breakerOpenSignal({ container: worker, at: '2026-11-24T18:37:07.700Z', restarts: 4, windowMs: 60_000 }), '2026-11-24T18:37:07.701Z')];
}

/** The recorded TargetDown alert for job x: firing, then resolved, with no container behind it. */
export function alertOnly(): Signal[] {
  const base = {
    alertname: 'TargetDown', labels: { instance: '127.0.0.1:19100', job: 'x', severity: 'critical' },
    summary: 'Target 127.0.0.1:19100 of job x is down', fingerprint: '3fd43b4f2289fa01', startsAt: '2026-11-24T00:58:28.553Z',
  };
  return [
    alert({ ...base, status: 'firing', receivedAt: '2026-11-24T00:58:29.030Z' }),
    alert({ ...base, status: 'resolved', endsAt: '2026-11-24T00:58:30.553Z', receivedAt: '2026-11-24T00:58:32.520Z' }),
  ];
}

/** Recorded: cart and payments killed together; a CartErrors alert fires for cart only. */
export function twoServices(): Signal[] {
  return [
    ...recordedDocker('recorded/two-services-killed.json'),
    alert({
      status: 'firing', alertname: 'CartErrors', labels: { service: 'cart', severity: 'warning' }, summary: 'cart answers 5xx',
      fingerprint: 'aa00bb11cc22dd33', startsAt: '2026-11-24T18:36:49.000Z', receivedAt: '2026-11-24T18:36:52.000Z',
    }),
    alert({
      status: 'resolved', alertname: 'CartErrors', labels: { service: 'cart', severity: 'warning' }, summary: 'cart answers 5xx',
      fingerprint: 'aa00bb11cc22dd33', startsAt: '2026-11-24T18:36:49.000Z', endsAt: '2026-11-24T18:36:55.000Z', receivedAt: '2026-11-24T18:36:57.000Z',
    }),
  ];
}
