// The supervisor against the real daemon: heals a docker kill within 3 s, leaves a crash to Docker's
// own restart policy, trips the breaker on a crash loop, respects maintenance mode, and acts on
// Prometheus saying the service is down while Docker says it runs; and leaves alone a container that
// is also labelled vigil.restartable=false (issue 18.7).
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KIND } from '../../src/domain/index.ts';
import type { Signal } from '../../src/domain/index.ts';
import { BASE_IMAGE, ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { ensureDockerDaemon } from '../harness/docker.ts';
import { startSecondDockerd, type SecondDockerd } from '../harness/second-dockerd.ts';
import type { Client } from '../harness/vigil.ts';
import {
  CRASH, IDLE, incidentsOf, incidentWith, runContainer, startDockerVigil, stateOf as stateAt, uniqueName, until, userClient,
  type DockerVigil, type Entry,
} from './docker-support.ts';

// A private daemon: no other Vigil on this machine (another suite's, another engineer's) may heal
// these containers, and this suite's supervisor touches nobody else's.
const daemon = await requireComponent('Docker', async () => {
  await ensureDockerDaemon();
  await ensureBaseImage();
  return true;
});

const SUPERVISE = { 'vigil.supervise': 'true' };
/** Crashes on its first run only (the container's filesystem survives a restart): Docker's policy heals it. */
const CRASH_ONCE = "const fs=require('fs');if(!fs.existsSync('/tmp/ran')){fs.writeFileSync('/tmp/ran','1');console.error('first run: crashing');process.exit(4)}else{console.log('second run: fine');setInterval(()=>{},1e9)}";

describeWith(daemon, 'the supervisor on the real daemon', () => {
  let d2: SecondDockerd;
  let v: DockerVigil;
  const docker = (args: string[]) => d2.cli(args);
  const stateOf = (id: string) => stateAt(id, d2.endpoint);
  let responder: Client;
  const supervisorEntries = (incident: { timeline: Entry[] }) => incident.timeline.filter((e) => e.source === 'supervisor');

  beforeAll(async () => {
    d2 = await startSecondDockerd();
    v = await startDockerVigil([d2.endpoint], { SUPERVISOR_MAX_RESTARTS: '3', SUPERVISOR_WINDOW_SECONDS: '120' });
    responder = await userClient(v.vigil, v.admin, 'sam', 'responder');
  });
  afterAll(async () => {
    await v?.stop();
    await d2?.stop();
  });

  async function started(name: string, script = IDLE, extra: Parameters<typeof runContainer>[0] = { name, script }): Promise<string> {
    const id = await runContainer({ ...extra, endpoint: d2.endpoint, name, script, labels: { ...SUPERVISE, ...extra.labels } });
    await until('in the inventory', 5_000, () => v.containerUpdates.find((c) => c.id === id));
    return id;
  }

  test('a supervised container killed with docker kill runs again within 3 s, with the reasons on the timeline', async () => {
    const name = uniqueName('healed');
    const id = await started(name);
    const first = await stateOf(id);
    const killedAt = Date.now();
    await docker(['kill', id]);
    const runningAt = await until('running again', 3_000, async () => {
      const now = await stateOf(id);
      return now.status === 'running' && now.startedAt !== first.startedAt ? Date.now() : undefined;
    }, 25);
    process.stdout.write(`docker kill → supervised container running again: ${runningAt - killedAt} ms\n`);
    expect(runningAt - killedAt).toBeLessThan(3_000);

    const incident = await incidentWith(v.admin, name, 'action.restart_result');
    const sup = supervisorEntries(incident);
    const decision = sup.find((e) => e.kind === 'supervisor.decision') as Entry;
    expect(decision.message).toMatch(/was killed with SIGKILL through the Docker API, and Docker's restart policies never restart a kill; the supervisor restarts it in 500 ms \(attempt 1\)/);
    expect(sup.find((e) => e.kind === 'supervisor.restart')?.message).toMatch(/supervisor restarted .* \(attempt 1, next back-off 1 s\)/);
    expect(sup.find((e) => e.kind === 'action.restart_result')?.message).toMatch(/restarted \(by the supervisor/);
    // The die is a failure (nobody asked through Vigil); the restart's own start is not another one.
    expect(incident.timeline.filter((e) => e.kind === 'container.die')).toHaveLength(1);
    expect(await incidentsOf(v.admin, name)).toHaveLength(1);
  });

  test('a crash Docker\'s restart policy will handle is left to Docker', async () => {
    const name = uniqueName('policy');
    const id = await runContainer({ endpoint: d2.endpoint, name, script: CRASH_ONCE, labels: SUPERVISE, restart: 'on-failure' });
    const incident = await until('the deferral and then Docker\'s restart on the timeline', 10_000, async () => {
      const [i] = await incidentsOf(v.admin, name);
      return i?.timeline.some((e) => e.kind === 'supervisor.decision') && i.timeline.some((e) => e.kind === 'container.start') ? i : undefined;
    }, 100);
    expect(supervisorEntries(incident).map((e) => e.message)).toEqual([
      expect.stringMatching(/died \(exit code 4\); Docker's restart policy \(on-failure\) will start it again, so the supervisor leaves it to Docker/),
    ]);
    expect(await stateOf(id)).toMatchObject({ status: 'running', restartCount: 1 });
    // Past the grace the supervisor gives Docker: it looked, saw it running, and did nothing.
    await new Promise((r) => setTimeout(r, 1_800));
    const after = (await incidentsOf(v.admin, name))[0] as { timeline: Entry[] };
    expect(after.timeline.filter((e) => e.kind === 'supervisor.restart')).toEqual([]);
  });

  test('a crash loop trips the breaker: the container is left stopped and the incident is critical', async () => {
    const name = uniqueName('loop');
    const id = await runContainer({ endpoint: d2.endpoint, name, script: CRASH, labels: SUPERVISE });
    const incident = await until('the breaker open', 20_000, async () => {
      const [i] = await incidentsOf(v.admin, name);
      return i?.timeline.some((e) => e.kind === 'supervisor.breaker_open') ? i : undefined;
    }, 100);
    expect(incident.severity).toBe('critical');
    const restarts = incident.timeline.filter((e) => e.kind === 'supervisor.restart').map((e) => e.message);
    expect(restarts).toEqual([
      expect.stringMatching(/attempt 1, next back-off 1 s/),
      expect.stringMatching(/attempt 2, next back-off 2 s/),
      expect.stringMatching(/attempt 3, next back-off 4 s/),
    ]);
    expect(incident.timeline.find((e) => e.kind === 'supervisor.breaker_open')?.message).toMatch(/stopped restarting .*: 3 restarts in 2 min \(restart-loop breaker open\)/);
    expect(incident.timeline.find((e) => e.source === 'supervisor' && e.data.signals?.[0]?.attributes['decision'] === 'breaker')?.message)
      .toMatch(/crashed \(exit code 3\) and it has no restart policy; the supervisor already restarted it 3 times .* leaves .* as it is/);
    // Left stopped: nothing restarts it past the back-off it would have waited (4 s).
    const state = await stateOf(id);
    expect(state.status).toBe('exited');
    await new Promise((r) => setTimeout(r, 4_500));
    expect(await stateOf(id)).toMatchObject({ status: 'exited', startedAt: state.startedAt });

    // A person restarting it through Vigil closes the breaker: the supervisor acts on the next death again.
    expect((await responder.send('POST', `/api/containers/${id}/restart`)).status).toBe(202);
    await until('a supervisor restart after the person\'s', 10_000, async () => {
      const [i] = await incidentsOf(v.admin, name);
      return (i?.timeline.filter((e) => e.kind === 'supervisor.restart').length ?? 0) > 3 ? true : undefined;
    }, 100);
  }, 60_000);

  test('maintenance mode: a paused container is left alone and says so; resuming hands it back', async () => {
    const name = uniqueName('paused');
    const id = await started(name);
    const bad = await responder.send('POST', `/api/containers/${id}/supervision`, { paused: 'yes' });
    expect(bad.status).toBe(400);
    const plain = await runContainer({ endpoint: d2.endpoint, name: uniqueName('plain'), script: IDLE });
    await until('in the inventory', 5_000, () => v.containerUpdates.find((c) => c.id === plain));
    expect((await responder.send('POST', `/api/containers/${plain}/supervision`, { paused: true })).body.error.code).toBe('not_supervised');
    const viewer = await userClient(v.vigil, v.admin, 'vic', 'viewer');
    expect((await viewer.send('POST', `/api/containers/${id}/supervision`, { paused: true })).status).toBe(403);

    const paused = await responder.send('POST', `/api/containers/${id}/supervision`, { paused: true });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ id, supervised: true, supervisionPaused: true });
    await until('container:update with maintenance mode', 2_000, () => v.containerUpdates.find((c) => c.id === id && (c as { supervisionPaused?: boolean }).supervisionPaused === true));
    await docker(['kill', id]);
    const incident = await incidentWith(v.admin, name, 'supervisor.decision');
    expect(supervisorEntries(incident).find((e) => e.kind === 'supervisor.decision')?.message).toMatch(/died while its supervision is paused \(maintenance mode\); the supervisor leaves it alone/);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await stateOf(id)).status).toBe('exited');

    const resumed = await responder.send('POST', `/api/containers/${id}/supervision`, { paused: false, scope: 'service' });
    expect(resumed.body.supervisionPaused).toBe(false);
    const final = (await incidentsOf(v.admin, name))[0] as { timeline: Entry[] };
    expect(final.timeline.filter((e) => e.kind === 'supervisor.paused' || e.kind === 'supervisor.resumed').map((e) => e.message)).toEqual([
      `supervision of ${name} resumed by sam`,
    ]);
  });

  test('vigil.restartable=false wins over vigil.supervise=true: killed, it is left down, and the timeline and the containers say why', async () => {
    const name = uniqueName('owned');
    const id = await started(name, IDLE, { name, script: IDLE, labels: { 'vigil.restartable': 'false' } });
    const listed = (await v.admin.request('GET', '/api/containers')).body.find((c: { id: string }) => c.id === id);
    expect(listed).toMatchObject({ supervised: true, restartable: false });
    const first = await stateOf(id);
    await docker(['kill', id]);
    const incident = await incidentWith(v.admin, name, 'supervisor.decision');
    const decision = supervisorEntries(incident).find((e) => e.kind === 'supervisor.decision') as Entry;
    expect(decision.message).toMatch(/was killed with SIGKILL .*; it is labelled vigil.supervise=true but also vigil.restartable=false, and Vigil never restarts a container labelled so — the supervisor leaves it as it is/);
    expect(decision.data.signals?.[0]?.attributes['decision']).toBe('not_restartable');
    // Past the first back-off (500 ms) and then some: still down, and no restart was even asked for.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await stateOf(id)).toMatchObject({ status: 'exited', startedAt: first.startedAt });
    const after = (await incidentsOf(v.admin, name))[0] as { timeline: Entry[] };
    expect(after.timeline.filter((e) => e.kind === 'supervisor.restart' || e.kind === 'action.restart_result')).toEqual([]);
    // The restart button and API refuse it, as they did before.
    expect((await responder.send('POST', `/api/containers/${id}/restart`)).body.error.code).toBe('not_restartable');
  });

  test('an unhealthy supervised container is restarted, and comes back healthy', async () => {
    const name = uniqueName('sick');
    // Exec-form health check (no shell needed): failing while /tmp/bad exists; a fresh start removes it.
    const client = new Docker({ socketPath: d2.endpoint.replace(/^unix:\/\//, '') });
    const created = await client.createContainer({
      name, Image: BASE_IMAGE, Labels: { 'vigil.test': '1', ...SUPERVISE },
      Cmd: ['node', '-e', `try{require('fs').unlinkSync('/tmp/bad')}catch{};${IDLE}`],
      Healthcheck: { Test: ['CMD', 'node', '-e', "process.exit(require('fs').existsSync('/tmp/bad')?1:0)"], Interval: 300_000_000, Timeout: 2_000_000_000, Retries: 1 },
      HostConfig: { NetworkMode: 'none' },
    });
    await created.start();
    await until('healthy', 10_000, async () => ((await created.inspect()).State.Health?.Status === 'healthy' ? true : undefined), 100);
    const firstStart = (await created.inspect()).State.StartedAt;
    await docker(['exec', created.id, 'node', '-e', "require('fs').writeFileSync('/tmp/bad','')"]);
    const incident = await until('restarted and healthy again', 15_000, async () => {
      const state = (await created.inspect()).State;
      if (state.StartedAt === firstStart || state.Health?.Status !== 'healthy') return undefined;
      const [i] = await incidentsOf(v.admin, name);
      return i?.timeline.some((e) => e.kind === 'action.restart_result') ? i : undefined;
    }, 100);
    expect(incident.timeline.map((e) => e.kind)).toContain('container.health_status.unhealthy');
    expect(supervisorEntries(incident).find((e) => e.kind === 'supervisor.decision')?.message)
      .toMatch(/is unhealthy: its health check keeps failing; the supervisor restarts it in 500 ms \(attempt 1\)/);
    // Its kill and die were the supervisor's restart: no failure of their own.
    expect(incident.timeline.filter((e) => e.kind === 'container.die').map((e) => e.message)).toEqual([
      expect.stringMatching(/stopped for the supervisor's restart/),
    ]);
  });

  test('Prometheus reporting the service down while Docker says it runs gets it restarted; a stale report does not', async () => {
    const name = uniqueName('promdown');
    const id = await started(name);
    const first = await stateOf(id);
    const down = (at: Date): Signal => ({
      id: `test-prom-${name}-${at.getTime()}`, source: 'prometheus', host: 'http://prometheus.test', at: at.toISOString(),
      kind: KIND.serviceDown, service: name, attributes: { instance: `${name}:3001`, expr: 'up == 0' }, raw: {},
    });
    // Down since before the container last started: about its previous run.
    await v.vigil.app.signals.ingest([down(new Date(Date.parse(first.startedAt) - 5_000))]);
    const stale = await incidentWith(v.admin, name, 'supervisor.decision');
    expect(supervisorEntries(stale)[0]?.message).toMatch(/the report is about its previous run, so the supervisor does not restart it/);

    await v.vigil.app.signals.ingest([down(new Date())]);
    await until('restarted by the supervisor', 5_000, async () => {
      const now = await stateOf(id);
      return now.status === 'running' && now.startedAt !== first.startedAt ? true : undefined;
    });
    const incident = await incidentWith(v.admin, name, 'action.restart_result');
    expect(supervisorEntries(incident).map((e) => e.message)).toContainEqual(
      expect.stringMatching(/Prometheus reports .* down \(.*:3001\) while Docker says its container runs; the supervisor restarts it in 500 ms/),
    );
    // The kill and die of that restart were the supervisor's: no failure, no second incident.
    expect(incident.timeline.filter((e) => e.kind === 'container.die').every((e) => /supervisor's restart/.test(e.message))).toBe(true);
    expect(await incidentsOf(v.admin, name)).toHaveLength(1);
  });
});
