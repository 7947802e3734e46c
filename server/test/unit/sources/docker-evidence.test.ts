// The evidence signal built from recorded `docker inspect` answers (Docker 20.10.24, captured
// 2026-12-06 on this machine's daemon, see fixtures/README.md): a container whose exec-form health
// check failed, the same container inspected after it had been restarted, and one the kernel
// OOM-killed under `--memory 32m`. No I/O.
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { describe, expect, test } from 'vitest';
import { KIND } from '../../../src/domain/index.ts';
import type { Signal } from '../../../src/domain/index.ts';
import { buildEvidence, type LogLine } from '../../../src/sources/docker/evidence.ts';

const recorded = (name: string): Docker.ContainerInspectInfo =>
  JSON.parse(readFileSync(new URL(`../../fixtures/docker/recorded/${name}.json`, import.meta.url), 'utf8')) as Docker.ContainerInspectInfo;

const unhealthyInfo = recorded('inspect-unhealthy');
const restartedInfo = recorded('inspect-unhealthy-after-restart');
const oomInfo = recorded('inspect-oom');
const localImage = JSON.parse(readFileSync(new URL('../../fixtures/docker/recorded/image-local.json', import.meta.url), 'utf8')) as { RepoDigests: string[] };

function trigger(kind: string, at: string, info: Docker.ContainerInspectInfo, attributes: Record<string, unknown> = {}): Signal {
  return { id: `sig-${kind}-${at}`, source: 'docker', host: 'local', at, kind, service: 'api', container: info.Id, attributes, raw: {} };
}

const LOGS: LogLine[] = [
  { stream: 'stdout', at: '2026-12-06T02:53:40.400Z', text: 'listening on :3000' },
  { stream: 'stderr', at: '2026-12-06T02:53:40.401Z', text: 'warn: db slow' },
];
const NOW = Date.parse('2026-12-06T02:53:46Z');

describe('evidence from recorded inspect answers', () => {
  test('a container turned unhealthy: its failing probes with their output, the image, no digest for a local image, restart count, both streams', () => {
    const signal = buildEvidence({ trigger: trigger(KIND.unhealthy, '2026-12-06T02:53:41.6Z', unhealthyInfo), info: unhealthyInfo, image: { digests: localImage.RepoDigests }, logs: LOGS, nowMs: NOW });
    expect(signal.kind).toBe(KIND.evidence);
    const a = signal.attributes;
    expect(a).toMatchObject({
      name: 'vigil-evcap-24200-hc', healthStatus: 'unhealthy', failingStreak: 5, restartCount: 0,
      image: 'node:24-bookworm-slim', imageId: 'sha256:4840ce5a39513969f0604b1ca98873c970cf13cb53e84cd323bc74a043cd7a5e',
      imageDigestNote: 'none: the image was built or imported on this host, never pulled from a registry',
    });
    expect(a['imageDigest']).toBeUndefined();
    // The probes Docker kept that ran by the trigger (+1 s): output trimmed, exit codes kept.
    expect(a['healthProbes']).toEqual([
      { start: '2026-12-06T02:53:40.839820036Z', end: '2026-12-06T02:53:40.930898579Z', exitCode: 1, output: 'db: connection refused\nGET /health -> 503' },
      { start: '2026-12-06T02:53:41.43436942Z', end: '2026-12-06T02:53:41.508682331Z', exitCode: 1, output: 'GET /health -> 503\ndb: connection refused' },
      { start: '2026-12-06T02:53:42.011164935Z', end: '2026-12-06T02:53:42.091963063Z', exitCode: 1, output: 'GET /health -> 503\ndb: connection refused' },
      { start: '2026-12-06T02:53:42.598072853Z', end: '2026-12-06T02:53:42.672268566Z', exitCode: 1, output: 'GET /health -> 503\ndb: connection refused' },
    ]);
    expect(a['logs']).toEqual(LOGS);
    expect(a['summary']).toBe('api health evidence: its health check had failed 5 times in a row; the last probe (exit code 1) said "GET /health -> 503 db: connection refused"; its last 2 log lines are attached');
    expect(JSON.stringify(signal.raw)).not.toContain('connection refused');
  });

  test('a death inspected after Docker started the container again: only the dead run\'s probes and log lines, no health status of the new run', () => {
    const die = trigger(KIND.die, '2026-12-06T02:53:44.474Z', restartedInfo, { exitCode: 137 });
    const later: LogLine[] = [...LOGS, { stream: 'stdout', at: '2026-12-06T02:53:45.900Z', text: 'listening on :3000 (the new run)' }];
    const a = buildEvidence({ trigger: die, info: restartedInfo, image: { digests: [] }, logs: later, nowMs: NOW }).attributes;
    expect(a['healthStatus']).toBeUndefined();
    expect(a['failingStreak']).toBeUndefined();
    expect((a['healthProbes'] as Array<{ start: string }>).map((p) => p.start)).toEqual([
      '2026-12-06T02:53:42.011164935Z', '2026-12-06T02:53:42.598072853Z', '2026-12-06T02:53:43.179481277Z',
      '2026-12-06T02:53:43.766469654Z', '2026-12-06T02:53:44.37332048Z',
    ]);
    expect(a['logs']).toEqual(LOGS);
    expect(a).toMatchObject({ exitCode: 137, oomKilled: false, restartCount: 0 });
    expect(String(a['summary'])).toMatch(/; 5 of its last 5 health probes failed; the last probe to answer \(exit code 1\) said "GET \/health -> 503 db: connection refused"; its last 2 log lines are attached$/);
  });

  test('an OOM kill under --memory: OOMKilled, exit 137, no health check facts', () => {
    const die = trigger(KIND.die, '2026-12-06T02:53:45.502Z', oomInfo, { exitCode: 137 });
    const a = buildEvidence({ trigger: die, info: oomInfo, image: { digests: [] }, logs: [{ stream: 'stdout', text: 'allocating' }], nowMs: NOW }).attributes;
    expect(a).toMatchObject({ exitCode: 137, oomKilled: true, restartCount: 0, restartPolicy: 'no', imageId: oomInfo.Image });
    expect(a['healthProbes']).toBeUndefined();
    expect(a['summary']).toBe('api death evidence: it ran out of memory and the kernel killed it (OOMKilled, exit code 137); it has no restart policy, so Docker will not start it again; its last 1 log lines are attached');
  });

  test('a registry digest is given when the image has one; an image inspect that failed says so; Docker\'s restarts are counted', () => {
    const info = { ...oomInfo, RestartCount: 3 };
    const die = trigger(KIND.die, '2026-12-06T02:53:45.502Z', info, { exitCode: 137 });
    const pulled = buildEvidence({ trigger: die, info, image: { digests: ['node@sha256:aaaa'] }, logs: [], nowMs: NOW }).attributes;
    expect(pulled).toMatchObject({ imageDigest: 'node@sha256:aaaa', restartCount: 3 });
    expect(pulled['imageDigestNote']).toBeUndefined();
    expect(pulled['summary']).toMatch(/will not start it again \(Docker has restarted it 3 times so far\); it wrote no log output$/);
    const failed = buildEvidence({ trigger: die, info, image: { error: 'no answer within 2000 ms' }, logs: { error: 'socket hang up' }, nowMs: NOW }).attributes;
    expect(failed).toMatchObject({ imageDigestNote: 'unknown: the image could not be inspected (no answer within 2000 ms)', logsError: 'socket hang up', logs: [] });
  });

  test('bounded: long probe output, many long log lines', () => {
    const huge = 'x'.repeat(4_096);
    const Log = Array.from({ length: 5 }, (_, i) => ({ Start: `2026-12-06T02:53:4${i}.000Z`, End: `2026-12-06T02:53:4${i}.100Z`, ExitCode: 1, Output: huge }));
    const info = { ...unhealthyInfo, State: { ...unhealthyInfo.State, Health: { Status: 'unhealthy', FailingStreak: 5, Log } } } as Docker.ContainerInspectInfo;
    const logs: LogLine[] = Array.from({ length: 100 }, (_, i) => ({ stream: i % 2 ? 'stderr' : 'stdout', text: `${i} ${'y'.repeat(998)}` }));
    const signal = buildEvidence({ trigger: trigger(KIND.unhealthy, '2026-12-06T02:53:50Z', info), info, image: { digests: [] }, logs, nowMs: NOW });
    const probes = signal.attributes['healthProbes'] as Array<{ output: string }>;
    expect(probes).toHaveLength(5);
    expect(probes.every((p) => p.output.length <= 500)).toBe(true);
    const kept = signal.attributes['logs'] as LogLine[];
    expect(kept.length).toBeLessThan(100);
    expect(kept.at(-1)?.text.startsWith('99 ')).toBe(true);
    expect(JSON.stringify(signal).length).toBeLessThan(60_000);
  });
});
