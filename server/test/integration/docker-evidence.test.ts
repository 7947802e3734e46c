// The evidence a container leaves on the timeline, against the real daemon (issue 15.5): a supervised
// container whose health check fails is healed by the supervisor, and the evidence carries the
// failing probes' output and logs of the unhealthy run, not the healed run's, stored before the
// restart's own kill; a crash leaves both log streams and its exit code; an OOM kill says so.
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BASE_IMAGE, ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { ensureDockerDaemon } from '../harness/docker.ts';
import { startSecondDockerd, type SecondDockerd } from '../harness/second-dockerd.ts';
import { CRASH, incidentWith, runContainer, startDockerVigil, uniqueName, until, type DockerVigil, type Entry } from './docker-support.ts';

// A private daemon, as in docker-supervisor.test.ts: no other Vigil heals these containers.
const daemon = await requireComponent('Docker', async () => {
  await ensureDockerDaemon();
  await ensureBaseImage();
  return true;
});

/** Counts its runs in /tmp/run (the filesystem survives a restart); unhealthy in run 1 only. */
const RUNS = "const fs=require('fs');const n=Number(fs.existsSync('/tmp/run')?fs.readFileSync('/tmp/run','utf8'):0)+1;"
  + "if(n===1)fs.writeFileSync('/tmp/bad','');else{try{fs.unlinkSync('/tmp/bad')}catch{}}fs.writeFileSync('/tmp/run',String(n));"
  + "process.on('SIGTERM',()=>process.exit(0));console.log('run '+n+': listening on :3000');console.error('run '+n+': db pool exhausted');setInterval(()=>{},1e9)";
/** The probe says which run it saw, and fails while /tmp/bad exists. */
const PROBE = "const fs=require('fs');const n=fs.readFileSync('/tmp/run','utf8');"
  + "if(fs.existsSync('/tmp/bad')){console.log('run '+n+': GET /health -> 503');process.exit(1)}console.log('run '+n+': ok')";

interface Probe { start: string; exitCode: number; output: string }
interface Line { stream: string; text: string }

const evidenceOf = (incident: { timeline: Entry[] }, trigger?: string): Record<string, unknown> | undefined =>
  incident.timeline.filter((e) => e.kind === 'container.evidence')
    .map((e) => e.data.signals?.[0]?.attributes as Record<string, unknown>)
    .find((a) => trigger === undefined || a['triggerSignalId'] === trigger);

describeWith(daemon, 'the evidence on the real daemon', () => {
  let d2: SecondDockerd;
  let v: DockerVigil;
  let client: Docker;

  beforeAll(async () => {
    d2 = await startSecondDockerd();
    client = new Docker({ socketPath: d2.endpoint.replace(/^unix:\/\//, '') });
    v = await startDockerVigil([d2.endpoint]);
  });
  afterAll(async () => {
    await v?.stop();
    await d2?.stop();
  });

  test('an unhealthy supervised container healed by the supervisor: the evidence is the unhealthy run\'s, on the timeline before the restart', async () => {
    const name = uniqueName('probes');
    const created = await client.createContainer({
      name, Image: BASE_IMAGE, Labels: { 'vigil.test': '1', 'vigil.supervise': 'true' },
      Cmd: ['node', '-e', RUNS],
      Healthcheck: { Test: ['CMD', 'node', '-e', PROBE], Interval: 300_000_000, Timeout: 5_000_000_000, Retries: 2 },
      HostConfig: { NetworkMode: 'none' },
    });
    await created.start();
    const first = await created.inspect();
    // Healed: the second run is up and healthy.
    const healed = await until('restarted by the supervisor and healthy', 30_000, async () => {
      const info = await created.inspect();
      return info.State.StartedAt !== first.State.StartedAt && info.State.Health?.Status === 'healthy' ? info : undefined;
    }, 100);
    const incident = await incidentWith(v.admin, name, 'action.restart_result', 15_000);
    const unhealthy = incident.timeline.find((e) => e.kind === 'container.health_status.unhealthy') as Entry;
    const attrs = await until('the evidence of the unhealthy', 10_000, async () => evidenceOf(await incidentWith(v.admin, name, 'container.evidence'), unhealthy.data.signals?.[0]?.id));

    expect(attrs).toMatchObject({
      healthStatus: 'unhealthy', image: BASE_IMAGE, imageId: first.Image, restartCount: first.RestartCount,
      imageDigestNote: expect.stringMatching(/^none: /),
    });
    expect(attrs['failingStreak']).toBeGreaterThanOrEqual(2);
    const probes = attrs['healthProbes'] as Probe[];
    const failing = probes.filter((p) => p.exitCode !== 0);
    expect(failing.length).toBeGreaterThanOrEqual(2);
    // The unhealthy run's probes, every one before the healed run started; none of the healed run's.
    expect(failing.at(-1)?.output).toBe('run 1: GET /health -> 503');
    expect(probes.every((p) => Date.parse(p.start) < Date.parse(healed.State.StartedAt))).toBe(true);
    expect(JSON.stringify(probes)).not.toContain('run 2');
    const logs = attrs['logs'] as Line[];
    expect(logs).toEqual(expect.arrayContaining([
      expect.objectContaining({ stream: 'stdout', text: 'run 1: listening on :3000' }),
      expect.objectContaining({ stream: 'stderr', text: 'run 1: db pool exhausted' }),
    ]));
    expect(JSON.stringify(logs)).not.toContain('run 2');
    expect(String(attrs['summary'])).toMatch(/health evidence: its health check had failed \d+ times in a row; the last probe \(exit code 1\) said "run 1: GET \/health -> 503"; its last 2 log lines are attached$/);
    // Kept before the heal: the evidence is on the timeline before the kill and die of the supervisor's restart.
    const final = await incidentWith(v.admin, name, 'container.evidence');
    const evidence = final.timeline.find((e) => e.kind === 'container.evidence' && e.data.signals?.[0]?.attributes['triggerSignalId'] === unhealthy.data.signals?.[0]?.id) as Entry;
    const restartDie = final.timeline.find((e) => e.kind === 'container.die') as Entry;
    expect(restartDie.message).toMatch(/supervisor's restart/);
    expect(Date.parse(evidence.at)).toBeLessThan(Date.parse(restartDie.at));
  });

  test('a crash: the evidence has its exit code and both log streams, the image and the restart count', async () => {
    const name = uniqueName('crashlogs');
    const id = await runContainer({ endpoint: d2.endpoint, name, script: CRASH });
    const incident = await incidentWith(v.admin, name, 'container.evidence');
    const attrs = evidenceOf(incident) as Record<string, unknown>;
    const info = await client.getContainer(id).inspect();
    expect(attrs).toMatchObject({ exitCode: 3, oomKilled: false, restartCount: 0, image: BASE_IMAGE, imageId: info.Image });
    expect(attrs['healthProbes']).toBeUndefined();
    expect(attrs['logs']).toEqual(expect.arrayContaining([
      expect.objectContaining({ stream: 'stdout', text: 'starting' }),
      expect.objectContaining({ stream: 'stderr', text: 'fatal: cannot continue' }),
    ]));
    expect(String(attrs['summary'])).toMatch(/its process crashed with exit code 3; it has no restart policy, so Docker will not start it again; its last 2 log lines are attached$/);
  });

  test('a process past its --memory limit: the evidence says the kernel killed it for memory', async () => {
    const name = uniqueName('oom');
    await runContainer({
      endpoint: d2.endpoint, name, extra: ['--memory', '32m', '--memory-swap', '32m'],
      script: "console.log('allocating');const a=[];for(;;){a.push(Buffer.alloc(1<<20,1))}",
    });
    const attrs = evidenceOf(await incidentWith(v.admin, name, 'container.evidence')) as Record<string, unknown>;
    expect(attrs).toMatchObject({ exitCode: 137, oomKilled: true });
    expect(String(attrs['summary'])).toMatch(/it ran out of memory and the kernel killed it \(OOMKilled, exit code 137\)/);
  });
});
