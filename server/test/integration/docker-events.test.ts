// The Docker source against the real daemon: events → incidents within a second, the inventory,
// evidence at a death, and restarts through the API (who may, and what it leaves on the timeline).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { docker, ensureDockerDaemon } from '../harness/docker.ts';
import { Client } from '../harness/vigil.ts';
import {
  CRASH, IDLE, incidentsOf, incidentWith, removeCreated, runContainer, startDockerVigil, stateOf, uniqueName, until, userClient,
  type DockerVigil, type Entry,
} from './docker-support.ts';

const daemon = await requireComponent('Docker', async () => {
  const d = await ensureDockerDaemon();
  await ensureBaseImage();
  return d;
});

describeWith(daemon, 'Docker events, inventory and restarts on the real daemon', ({ endpoint }) => {
  let v: DockerVigil;
  let before: { name: string; id: string };
  let responder: Client;
  let viewer: Client;

  beforeAll(async () => {
    before = { name: uniqueName('before'), id: '' };
    before.id = await runContainer({ name: before.name, script: IDLE, labels: { 'com.docker.compose.project': 'vigiltest', 'vigil.service': 'listed' } });
    v = await startDockerVigil([endpoint]);
    responder = await userClient(v.vigil, v.admin, 'rita', 'responder');
    viewer = await userClient(v.vigil, v.admin, 'victor', 'viewer');
  });
  afterAll(async () => {
    await v?.stop();
    await removeCreated();
  });

  test('the inventory lists what ran before Vigil started, and follows new containers live', async () => {
    const listed = await until('the container listed', 5_000, async () => {
      const res = await v.admin.request('GET', '/api/containers');
      return res.body.find((c: { id: string }) => c.id === before.id);
    });
    expect(listed).toMatchObject({
      name: before.name, host: endpoint, project: 'vigiltest', service: 'listed', image: 'node:24-bookworm-slim',
      state: 'running', supervised: false, restartCount: 0, restartable: true, ports: [],
    });
    expect(listed.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const name = uniqueName('later');
    const id = await runContainer({ name, script: IDLE });
    await until('container:update for the new container', 5_000, () => v.containerUpdates.find((c) => c.id === id && c.state === 'running'));
    const res = await viewer.request('GET', '/api/containers');
    expect(res.status).toBe(200);
    expect(res.body.find((c: { id: string }) => c.id === id)).toMatchObject({ name, host: endpoint, state: 'running' });
    expect((await new Client(v.vigil.url).request('GET', '/api/containers')).status).toBe(401);
  });

  test('docker kill → a container.die entry (exit 137) on an open incident within 1 s, with the evidence beside it', async () => {
    const name = uniqueName('killed');
    const id = await runContainer({ name, script: IDLE });
    await until('the container in the inventory', 5_000, () => v.containerUpdates.find((c) => c.id === id));
    await until('the process up (its first log lines written)', 5_000, async () => ((await docker(['logs', id], { withStderr: true })).includes('a line on stderr') ? true : undefined));
    const killedAt = Date.now();
    await docker(['kill', id]);
    const die = await until('container.die pushed live', 5_000, () => v.appended.find((e) => e.kind === 'container.die' && e.data.signals?.some((s) => s.attributes['containerId'] === id)));
    const latencyMs = die.receivedMs - killedAt;
    process.stdout.write(`docker kill → container.die entry on the incident, pushed over socket.io: ${latencyMs} ms\n`);
    expect(latencyMs).toBeLessThan(1_000);

    const incident = await incidentWith(v.admin, name, 'container.evidence');
    expect(incident).toMatchObject({ service: name, host: endpoint, status: 'open' });
    const entry = incident.timeline.find((e) => e.kind === 'container.die') as Entry;
    expect(entry.source).toBe('docker');
    expect(entry.message).toMatch(/killed.*137/);
    expect(entry.data.signals?.find((s) => s.kind === 'container.die')?.attributes).toMatchObject({ exitCode: 137, killSignal: '9' });

    const evidence = incident.timeline.find((e) => e.kind === 'container.evidence') as Entry;
    const facts = evidence.data.signals?.[0]?.attributes as Record<string, unknown>;
    expect(facts).toMatchObject({ exitCode: 137, oomKilled: false, killSignal: '9', restartPolicy: 'no', restartPolicyWillFire: false, stopRequested: 'through the Docker API' });
    expect(evidence.message).toBe(facts['summary']);
    expect(evidence.message).toMatch(/stopped through the Docker API with SIGKILL \(.*exit code 137\) — requested, not a crash; it has no restart policy, and none would fire for a kill; its last 2 log lines are attached$/);
    const logs = facts['logs'] as Array<{ stream: string; text: string; at?: string }>;
    expect(logs).toEqual(expect.arrayContaining([
      expect.objectContaining({ stream: 'stdout', text: 'ready to serve' }),
      expect.objectContaining({ stream: 'stderr', text: 'a line on stderr' }),
    ]));
    expect(logs[0]?.at).toMatch(/Z$/);
  });

  test('a crash says so: exit code, stderr, and that no restart policy will start it', async () => {
    const name = uniqueName('crash');
    await runContainer({ name, script: CRASH });
    const incident = await incidentWith(v.admin, name, 'container.evidence');
    const die = incident.timeline.find((e) => e.kind === 'container.die') as Entry;
    expect(die.message).toMatch(/crashed.*exit 3/);
    const facts = incident.timeline.find((e) => e.kind === 'container.evidence')?.data.signals?.[0]?.attributes as Record<string, unknown>;
    expect(String(facts['summary'])).toMatch(/its process crashed with exit code 3; it has no restart policy, so Docker will not start it again/);
    expect(facts['logs']).toEqual(expect.arrayContaining([expect.objectContaining({ stream: 'stderr', text: 'fatal: cannot continue' })]));
  });

  test('restart through the API: 401 without a session, 403 for a viewer, 404 unknown, 409 when labelled not restartable', async () => {
    const name = uniqueName('guarded');
    const id = await runContainer({ name, script: IDLE });
    const locked = await runContainer({ name: uniqueName('locked'), script: IDLE, labels: { 'vigil.restartable': 'false' } });
    await until('both in the inventory', 5_000, () => (v.containerUpdates.some((c) => c.id === id) && v.containerUpdates.some((c) => c.id === locked) ? true : undefined));
    expect((await new Client(v.vigil.url).request('POST', `/api/containers/${id}/restart`)).status).toBe(401);
    const denied = await viewer.send('POST', `/api/containers/${id}/restart`);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    const unknown = await responder.send('POST', '/api/containers/0000000000000000/restart');
    expect(unknown.status).toBe(404);
    const refused = await responder.send('POST', `/api/containers/${locked.slice(0, 12)}/restart`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'not_restartable' });
    expect(refused.body.error.message).toMatch(/vigil\.restartable=false/);
    expect((await stateOf(id)).status).toBe('running');
  });

  test('a responder restarts a dead container: request and outcome on its incident, no second incident', async () => {
    const name = uniqueName('restarted');
    const id = await runContainer({ name, script: IDLE });
    await until('in the inventory', 5_000, () => v.containerUpdates.find((c) => c.id === id));
    await docker(['kill', id]);
    const opened = await incidentWith(v.admin, name, 'container.die');

    const res = await responder.send('POST', `/api/containers/${name}/restart`);
    expect(res.status).toBe(202);
    expect(res.body.actionId).toMatch(/^[0-9a-f-]{36}$/);
    const done = await incidentWith(v.admin, name, 'action.restart_result');
    expect(done.id).toBe(opened.id);
    const requested = done.timeline.find((e) => e.kind === 'user.restart_requested') as Entry;
    const result = done.timeline.find((e) => e.kind === 'action.restart_result') as Entry;
    expect(requested).toMatchObject({ source: 'user', actor: 'rita', message: 'restart requested by rita' });
    expect(result.message).toMatch(new RegExp(`^${name} restarted \\(requested by rita`));
    expect(Date.parse(requested.at)).toBeLessThanOrEqual(Date.parse(result.at));
    await until('running again', 5_000, async () => ((await stateOf(id)).status === 'running' ? true : undefined));
    await until('the start on the timeline', 5_000, async () => ((await incidentsOf(v.admin, name))[0]?.timeline.some((e) => e.kind === 'container.start') ? true : undefined));
    expect(await incidentsOf(v.admin, name)).toHaveLength(1);

    const audit = (await v.admin.request('GET', '/api/audit?limit=50')).body;
    const actions = (Array.isArray(audit) ? audit : audit.items ?? []).filter((a: { actor: string }) => a.actor === 'rita').map((a: { action: string; outcome: string }) => `${a.action}:${a.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['container.restart.requested:ok', 'container.restart:ok']));
  });

  test('restarting a running container opens no incident: the kill and die it causes were asked for', async () => {
    const name = uniqueName('healthy');
    const id = await runContainer({ name, script: IDLE });
    await until('in the inventory', 5_000, () => v.containerUpdates.find((c) => c.id === id));
    const before = await stateOf(id);
    const res = await responder.send('POST', `/api/containers/${id}/restart`);
    expect(res.status).toBe(202);
    // Docker's restart sends SIGTERM (the process exits on it), then starts it again.
    await until('restarted', 15_000, async () => {
      const now = await stateOf(id);
      return now.status === 'running' && now.startedAt !== before.startedAt ? true : undefined;
    });
    await until('the die seen and stored', 5_000, () => v.containerUpdates.find((c) => c.id === id && c.state === 'exited'));
    await v.vigil.app.signals.tickNow();
    expect(await incidentsOf(v.admin, name)).toEqual([]);
  });
});
