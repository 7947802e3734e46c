// Fault: the Docker daemon restarted while containers keep dying (a loop killing some, a restart
// policy bringing crashing ones back, the shutdown stopping all of them). The daemon's own event
// stream, recorded on both sides of the restart, is the ground truth: every death it reported is
// on a timeline exactly once, whether Vigil saw it live, replayed it or rebuilt it from inspect.
// On a private daemon: the machine's own is never restarted.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Signal } from '../../src/domain/signal.ts';
import { dockerEventToSignal } from '../../src/sources/docker/normalize.ts';
import { parseEventLine } from '../../src/sources/docker/stream.ts';
import { ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { dockerCli, ensureDockerDaemon } from '../harness/docker.ts';
import { startSecondDockerd, type SecondDockerd } from '../harness/second-dockerd.ts';
import { IDLE, incidentsOf, runContainer, startDockerVigil, uniqueName, until, type DockerVigil } from './docker-support.ts';

const daemon = await requireComponent('Docker', async () => {
  await ensureDockerDaemon();
  await ensureBaseImage();
  return true;
});

/** Runs a moment, then crashes: with `--restart always` it dies again and again. */
const CRASH_SOON = "process.on('SIGTERM',()=>process.exit(0));setTimeout(()=>process.exit(3),300)";

describeWith(daemon, 'dockerd restarted mid-stream', () => {
  let d2: SecondDockerd;
  let v: DockerVigil;

  beforeAll(async () => {
    d2 = await startSecondDockerd();
    v = await startDockerVigil([d2.endpoint]);
  });
  afterAll(async () => {
    await v?.stop();
    await d2?.stop();
  });

  /** `docker events` on the private daemon, from `since` (seconds) on, kept live until it ends; all of its output. */
  function record(since?: number): { output: () => string; exited: Promise<void>; stop: () => Promise<void> } {
    const child = spawn(dockerCli(), ['-H', d2.endpoint, 'events', ...(since === undefined ? [] : ['--since', String(since)]), '--filter', 'type=container', '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => { text += chunk; });
    const exited = new Promise<void>((resolve) => child.once('close', () => {
      process.removeListener('exit', kill);
      resolve();
    }));
    return { output: () => text, exited, stop: async () => { child.kill(); await exited; } };
  }

  function deathsIn(output: string, containers: string[]): Signal[] {
    return output.split('\n').flatMap((line) => {
      const event = line.trim() === '' ? null : parseEventLine(line);
      const signal = event === null ? null : dockerEventToSignal(event, d2.endpoint);
      return signal?.kind === 'container.die' && containers.includes(signal.container ?? '') ? [signal] : [];
    });
  }

  test('every death the daemon reported around its restart is on a timeline exactly once', async () => {
    const victims = await Promise.all([0, 1, 2].map((i) => runContainer({ endpoint: d2.endpoint, name: uniqueName(`victim${i}`), script: IDLE })));
    const crashers = await Promise.all([0, 1].map((i) => runContainer({ endpoint: d2.endpoint, name: uniqueName(`crasher${i}`), script: CRASH_SOON, restart: 'always' })));
    const all = [...victims, ...crashers];
    const names = new Map<string, string>();
    for (const id of all) names.set(id, (await d2.cli(['inspect', '--format', '{{.Name}}', id])).replace(/^\//, ''));
    const beforeRestart = record();
    await new Promise((r) => setTimeout(r, 300));

    // Kill and start the victims in turn, without pause, before, during and after the restart.
    let killing = true;
    const killer = (async () => {
      for (let i = 0; killing; i += 1) {
        const victim = victims[i % victims.length] ?? '';
        await d2.cli(['kill', victim], 5_000).catch(() => undefined);
        await d2.cli(['start', victim], 5_000).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 4_000));
      await d2.stopDaemon();
      await beforeRestart.exited;
      // Down long enough for Vigil's reconnect back-off to pass a second.
      await new Promise((r) => setTimeout(r, 3_000));
      const restartedSec = Math.floor(Date.now() / 1000);
      await d2.startDaemon();
      const afterRestart = record(restartedSec);
      await new Promise((r) => setTimeout(r, 6_000));
      killing = false;
      await killer;
      await new Promise((r) => setTimeout(r, 1_000));
      await afterRestart.stop();

      const before = deathsIn(beforeRestart.output(), all);
      const after = deathsIn(afterRestart.output(), all);
      expect(before.length, 'deaths before the restart').toBeGreaterThan(3);
      expect(after.length, 'deaths after the restart').toBeGreaterThan(2);
      const expected = [...before, ...after];
      process.stdout.write(`dockerd restart: ${before.length} deaths recorded before it (the shutdown's included), ${after.length} after\n`);
      expect(new Set(expected.map((s) => s.id)).size).toBe(expected.length);

      // What the timelines carry: each die signal with how many entries carry it, per container.
      const collect = async () => {
        const ids = new Map<string, number>();
        const perContainer = new Map<string, Array<{ id: string; at: string }>>();
        for (const name of names.values()) {
          for (const incident of await incidentsOf(v.admin, name)) {
            for (const entry of incident.timeline) {
              for (const s of (entry.data.signals ?? []) as Array<{ id: string; kind: string; at: string; attributes: Record<string, unknown> }>) {
                if (s.kind !== 'container.die') continue;
                ids.set(s.id, (ids.get(s.id) ?? 0) + 1);
                const container = String(s.attributes['containerId']);
                perContainer.set(container, [...(perContainer.get(container) ?? []), { id: s.id, at: s.at }]);
              }
            }
          }
        }
        return { ids, perContainer };
      };
      // Waited for, then (in time or not) checked one by one, so a failure names the deaths missing.
      await until('every death on the timelines', 20_000, async () => {
        const now = await collect();
        return expected.every((s) => now.ids.has(s.id)) ? now : undefined;
      }, 250).catch(() => undefined);
      const seen = await collect();
      const notOnce = expected.filter((s) => seen.ids.get(s.id) !== 1).map((s) => `${names.get(s.container ?? '')} ${s.at} exit ${String(s.attributes['exitCode'])} ×${seen.ids.get(s.id) ?? 0}`);
      expect(notOnce).toEqual([]);
      expect([...seen.ids.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      // No death twice under another id (rebuilt from inspect although it was also replayed).
      const lastExpected = Math.max(...expected.map((s) => Date.parse(s.at)));
      const expectedIds = new Set(expected.map((s) => s.id));
      for (const id of all) {
        const recorded = expected.filter((s) => s.container === id).length;
        // Deaths after the recording ended may be there too (the crashers keep dying); none from within it.
        const extraWithin = (seen.perContainer.get(id) ?? []).filter((s) => !expectedIds.has(s.id) && Date.parse(s.at) <= lastExpected);
        expect(extraWithin, `${names.get(id)}: ${recorded} deaths recorded, others on its timeline`).toEqual([]);
      }
    } finally {
      killing = false;
      await killer;
      await beforeRestart.stop();
    }
  }, 120_000);
});
