// Nothing lost, nothing twice: Vigil SIGKILLed while containers die, and the Docker daemon itself
// restarted under a running Vigil. The daemon's own event log is the ground truth: every die and
// start it reported in the window must be on the timelines exactly once. Runs on a private daemon.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { dockerEventToSignal } from '../../src/sources/docker/normalize.ts';
import { parseEventLine } from '../../src/sources/docker/stream.ts';
import { ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { ensureDockerDaemon } from '../harness/docker.ts';
import { freePort } from '../harness/ports.ts';
import { startProcess, waitForHttp, type TrackedProcess } from '../harness/resources.ts';
import { startSecondDockerd, type SecondDockerd } from '../harness/second-dockerd.ts';
import { Client } from '../harness/vigil.ts';
import { ADMIN_PASSWORD, IDLE, incidentsOf, runContainer, startDockerVigil, uniqueName, until, type Entry } from './docker-support.ts';

const daemon = await requireComponent('Docker', async () => {
  await ensureDockerDaemon();
  await ensureBaseImage();
  return true;
});

const repo = path.resolve(import.meta.dirname, '../../..');

describeWith(daemon, 'durable Docker events', () => {
  let d2: SecondDockerd;

  beforeAll(async () => {
    d2 = await startSecondDockerd();
  });
  afterAll(async () => {
    await d2?.stop();
  });

  /** The daemon's die/start events of these containers after `sinceNs`, as Vigil would name them. */
  async function daemonEvents(ids: string[], sinceNs: bigint): Promise<Array<{ id: string; kind: string; container: string }>> {
    const now = BigInt(Date.now() + 1_000) * 1_000_000n;
    const out = await d2.cli(['events', '--since', cursor(sinceNs), '--until', cursor(now), '--filter', 'type=container', '--format', '{{json .}}']);
    return eventsFrom(out, ids);
  }

  function eventsFrom(lines: string, ids: string[]): Array<{ id: string; kind: string; container: string }> {
    return lines.split('\n').flatMap((line) => {
      const event = line.trim() === '' ? null : parseEventLine(line);
      const signal = event === null ? null : dockerEventToSignal(event, d2.endpoint);
      if (signal === null || !ids.includes(signal.container ?? '') || !['container.die', 'container.start'].includes(signal.kind)) return [];
      return [{ id: signal.id, kind: signal.kind, container: signal.container ?? '' }];
    });
  }

  /** Every die/start signal id on the timelines of these services, with how many entries carry it. */
  async function onTimelines(client: Client, services: string[]): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    for (const service of services) {
      for (const incident of await incidentsOf(client, service)) {
        for (const entry of incident.timeline as Entry[]) {
          for (const s of entry.data.signals ?? []) {
            if (s.kind === 'container.die' || s.kind === 'container.start') seen.set(s.id, (seen.get(s.id) ?? 0) + 1);
          }
        }
      }
    }
    return seen;
  }

  async function expectExactlyOnce(client: Client, services: string[], expected: Array<{ id: string; kind: string }>, what: string): Promise<void> {
    const seen = await until(`${what}: every event on the timelines`, 15_000, async () => {
      const now = await onTimelines(client, services);
      return expected.every((e) => now.has(e.id)) ? now : undefined;
    }, 200);
    for (const e of expected) expect(seen.get(e.id), `${e.kind} ${e.id} on the timelines`).toBe(1);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  }

  test('SIGKILL Vigil while containers die, start it again: every event of the gap is on the timelines, none twice', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sigkill-'));
    const port = await freePort();
    const env = {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DOCKER_HOSTS: d2.endpoint, ADMIN_PASSWORD,
      PROMETHEUS_URL: 'http://127.0.0.1:9', PROMETHEUS_POLL_SECONDS: '0', QUIET_PERIOD_SECONDS: '600', LOG_LEVEL: 'warn',
    };
    const url = `http://127.0.0.1:${port}`;
    const boot = async (): Promise<{ proc: TrackedProcess; client: Client }> => {
      const proc = startProcess(process.execPath, [path.join(repo, 'server/src/main.ts')], { env, cwd: repo });
      await waitForHttp(`${url}/healthz`, proc, 20_000);
      const client = new Client(url);
      await until('signed in', 10_000, async () => ((await client.login('admin', ADMIN_PASSWORD)).status === 200 ? true : undefined), 100);
      await until('docker up', 10_000, async () => ((await client.request('GET', '/readyz')).body.sources?.find((s: { source: string }) => s.source === 'docker')?.state === 'up' ? true : undefined), 50);
      return { proc, client };
    };
    const names = [uniqueName('gap-a'), uniqueName('gap-b'), uniqueName('gap-c')];
    const ids = await Promise.all(names.map((name) => runContainer({ endpoint: d2.endpoint, name, script: IDLE })));
    const [a = '', b = '', c = ''] = ids;
    let first: TrackedProcess | undefined;
    let second: TrackedProcess | undefined;
    try {
      const up = await boot();
      first = up.proc;
      const watchingSince = BigInt(Date.now()) * 1_000_000n;
      await d2.cli(['kill', a]);
      await until('the first death stored', 5_000, async () => ((await incidentsOf(up.client, names[0] ?? '')).length === 1 ? true : undefined), 50);
      // Killed the moment B dies: its die may or may not have been stored.
      await d2.cli(['kill', b]);
      first.child.kill('SIGKILL');
      await first.exited;
      // The gap: Vigil is not running.
      await d2.cli(['kill', c]);
      await d2.cli(['start', a]);
      await d2.cli(['kill', a]);

      const again = await boot();
      second = again.proc;
      const expected = await daemonEvents(ids, watchingSince);
      expect(expected.map((e) => e.kind).sort()).toEqual(['container.die', 'container.die', 'container.die', 'container.die', 'container.start']);
      await expectExactlyOnce(again.client, names, expected, 'after the SIGKILL');
      const deaths = (await incidentsOf(again.client, names[0] ?? ''))[0]?.timeline.filter((e) => e.kind === 'container.die');
      expect(deaths).toHaveLength(2);
    } finally {
      await first?.stop();
      await second?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('restart dockerd while Vigil runs: the source goes down and back, every event is there once', async () => {
    const v = await startDockerVigil([d2.endpoint]);
    const statuses: string[] = [];
    v.socket.on('source:status', (s: { source: string; state: string }) => { if (s.source === 'docker') statuses.push(s.state); });
    try {
      const always = uniqueName('always');
      const plain = uniqueName('plain');
      const p = await runContainer({ endpoint: d2.endpoint, name: always, script: IDLE, restart: 'always' });
      const q = await runContainer({ endpoint: d2.endpoint, name: plain, script: IDLE });
      await until('both in the inventory', 5_000, () => (v.containerUpdates.some((u) => u.id === p) && v.containerUpdates.some((u) => u.id === q) ? true : undefined));
      // The daemon forgets its event log when it restarts: record what it says before that.
      const beforeRestart = startProcess('docker', ['-H', d2.endpoint, 'events', '--filter', 'type=container', '--format', '{{json .}}']);
      await new Promise((r) => setTimeout(r, 200));
      await d2.cli(['kill', q]);
      await until('the kill stored', 5_000, async () => ((await incidentsOf(v.admin, plain)).length === 1 ? true : undefined), 50);

      await d2.stopDaemon();
      await beforeRestart.exited;
      // Down long enough for Vigil's reconnect back-off to grow past a second: what the daemon does
      // when it is back (the policy's start, the kill below) happens before Vigil is there again.
      await until('the docker source down, retried twice', 10_000, () => (statuses.filter((s) => s === 'down').length >= 3 ? true : undefined));
      const down = (await v.admin.request('GET', '/readyz')).body.sources.find((s: { source: string }) => s.source === 'docker');
      expect(down).toMatchObject({ state: 'down', host: d2.endpoint });
      await d2.startDaemon();
      const restartedAt = BigInt(Date.now() - 2_000) * 1_000_000n;
      // The restart policy brings `always` back; kill it before Vigil has reconnected (its back-off).
      await until('restarted by its policy', 10_000, async () => ((await d2.cli(['inspect', '--format', '{{.State.Running}}', p])) === 'true' ? true : undefined), 50);
      await d2.cli(['kill', p]);
      await until('the docker source up again', 15_000, () => (statuses.at(-1) === 'up' ? true : undefined), 50);

      const expected = [
        ...eventsFrom(beforeRestart.output(), [p, q]),
        ...await daemonEvents([p, q], restartedAt),
      ];
      expect(expected.filter((e) => e.container === p).map((e) => e.kind)).toEqual(['container.die', 'container.start', 'container.die']);
      await expectExactlyOnce(v.admin, [always, plain], expected, 'after the daemon restart');
    } finally {
      await v.stop();
    }
  }, 90_000);
});

function cursor(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}
