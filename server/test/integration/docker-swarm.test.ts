// Docker Swarm as a source, against a REAL one-node Swarm on a private dockerd (never the shared
// daemon): a task whose container is killed → an incident for the Swarm service with the failing
// task and Swarm's rescheduling on its timeline, left to Swarm by the supervisor; a forced update
// through the API → ForceUpdate raised, new tasks, a timeline entry and an audit record.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BASE_IMAGE, ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { ensureDockerDaemon } from '../harness/docker.ts';
import { startSwarmDockerd, type SwarmDockerd } from '../harness/swarm-dockerd.ts';
import { IDLE, incidentsOf, startDockerVigil, uniqueName, until, userClient, type DockerVigil, type IncidentBody } from './docker-support.ts';

const swarm = await requireComponent('Docker Swarm on a private dockerd', async () => {
  await ensureDockerDaemon();
  await ensureBaseImage();
  return startSwarmDockerd();
});

interface Task { ID: string; ServiceID: string; DesiredState: string; Status: { State: string; Err?: string; ContainerStatus?: { ContainerID?: string } } }

describeWith(swarm, 'Docker Swarm as a source', (d: SwarmDockerd) => {
  let v: DockerVigil;
  const service = uniqueName('swarm');
  const tasks = async () => (await d.api(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [service] }))}`)) as Task[];

  beforeAll(async () => {
    v = await startDockerVigil([d.endpoint]);
    await d.cli(['service', 'create', '-d', '--name', service, '--restart-delay', '1s',
      '--container-label', 'vigil.supervise=true', BASE_IMAGE, 'node', '-e', IDLE]);
  }, 120_000);
  afterAll(async () => {
    await v?.stop();
    await d.stop();
  }, 120_000);

  const timelineOf = async (): Promise<IncidentBody | undefined> => {
    const all = await incidentsOf(v.admin, service);
    if (all.length > 1) throw new Error(`${all.length} incidents for ${service}`);
    return all[0];
  };

  test('a killed task: an incident for the Swarm service with the failure and the rescheduling; Swarm, not Vigil, replaces it', async () => {
    const first = await until('the task running', 60_000, async () => (await tasks()).find((t) => t.Status.State === 'running'), 250);
    const container = first.Status.ContainerStatus?.ContainerID ?? '';
    // Listed as Swarm-managed, under the Swarm service; the service is listed too.
    const listed = await until('the task container listed', 15_000, async () => {
      const all = (await v.admin.request('GET', '/api/containers')).body as Array<{ id: string; service: string; supervised: boolean; swarm?: { service: string; taskId: string } }>;
      return all.find((c) => c.id === container);
    }, 100);
    expect(listed).toMatchObject({ service, supervised: true, swarm: { service, taskId: first.ID } });
    const services = await until('the Swarm service listed', 15_000, async () => {
      const all = (await v.admin.request('GET', '/api/swarm/services')).body as Array<{ name: string; host: string; forceUpdate: number; mode: string; replicas?: number }>;
      return all.find((s) => s.name === service);
    }, 200);
    expect(services).toMatchObject({ host: d.endpoint, forceUpdate: 0, mode: 'replicated', replicas: 1 });

    await d.cli(['kill', container]);
    const incident = await until('an incident with the failed and the rescheduled task', 30_000, async () => {
      const i = await timelineOf();
      const kinds = new Set(i?.timeline.map((e) => e.kind));
      return ['container.die', 'swarm.task_failed', 'swarm.task_rescheduled', 'supervisor.decision'].every((k) => kinds.has(k)) ? i : undefined;
    }, 200);
    expect(incident).toMatchObject({ service, host: d.endpoint, title: `${service} container died` });
    const failed = incident.timeline.find((e) => e.kind === 'swarm.task_failed');
    expect(failed?.message).toBe(`Swarm task ${service}.1 (${first.ID.slice(0, 12)}) failed: task: non-zero exit (137)`);
    const rescheduled = incident.timeline.find((e) => e.kind === 'swarm.task_rescheduled');
    expect(rescheduled?.message).toContain(`in place of ${first.ID.slice(0, 12)} (that one failed)`);
    const decision = incident.timeline.find((e) => e.kind === 'supervisor.decision');
    expect(decision?.message).toContain("so Swarm's restart policy replaces it and the supervisor leaves it alone");

    // Swarm's new task runs in a new container; the killed one stays dead, never restarted by Vigil.
    const replacement = await until('a new task running', 30_000, async () => (await tasks()).find((t) => t.ID !== first.ID && t.Status.State === 'running'), 250);
    expect(replacement.Status.ContainerStatus?.ContainerID).not.toBe(container);
    expect(await d.cli(['inspect', '--format', '{{.State.Status}} {{.RestartCount}}', container])).toBe('exited 0');
    const mitigated = await until('mitigated once the new task runs', 15_000, async () => {
      const i = await timelineOf();
      return i?.status === 'mitigated' ? i : undefined;
    }, 200);
    expect(mitigated.timeline.some((e) => e.kind === 'action.restart_result' || e.kind === 'supervisor.restart')).toBe(false);
  }, 120_000);

  test('force update: refused to a viewer and for unknown services; a responder raises ForceUpdate, Swarm replaces the task, timeline and audit say so', async () => {
    const before = await tasks();
    const viewer = await userClient(v.vigil, v.admin, `viewer-${service.slice(-8)}`, 'viewer');
    expect((await viewer.send('POST', `/api/swarm/services/${service}/force-update`)).status).toBe(403);
    const unknown = await v.admin.send('POST', '/api/swarm/services/no-such-service/force-update', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('No Swarm service "no-such-service"');
    expect((await v.admin.send('POST', `/api/swarm/services/${service}/force-update`, { host: 'unix:///nowhere.sock' })).body.error.code).toBe('unknown_host');
    expect((await v.admin.send('POST', '/api/swarm/services/bad%20name/force-update', {})).status).toBe(400);
    expect((await v.admin.send('POST', `/api/swarm/services/${service}/force-update`, { host: d.endpoint, extra: 1 })).status).toBe(400);

    const responder = await userClient(v.vigil, v.admin, `resp-${service.slice(-8)}`, 'responder');
    const res = await responder.send('POST', `/api/swarm/services/${service}/force-update`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ service, host: d.endpoint, previousForceUpdate: 0, forceUpdate: 1 });
    expect(await d.cli(['service', 'inspect', '--format', '{{.Spec.TaskTemplate.ForceUpdate}}', service])).toBe('1');
    const fresh = await until('a task of the update running', 60_000, async () => (await tasks()).find((t) => !before.some((b) => b.ID === t.ID) && t.Status.State === 'running'), 250);
    expect(fresh.ID).toBeTruthy();

    // On the service's incident: who forced it, and Swarm stopping the old task as its doing, no new failure.
    const incident = await until('the update on the timeline', 60_000, async () => {
      const i = await timelineOf();
      const stopped = i?.timeline.some((e) => e.kind === 'container.die' && e.message.includes("for Swarm's update or removal of the service"));
      if (stopped && i?.timeline.some((e) => e.kind === 'action.swarm_force_update')) return i;
      // Said when the deadline passes: what the timeline holds instead.
      throw new Error(`timeline so far:\n${(i?.timeline ?? []).map((e) => `${e.at} ${e.kind} ${e.message}`).join('\n')}`);
    }, 200);
    const entry = incident.timeline.find((e) => e.kind === 'action.swarm_force_update');
    expect(entry).toMatchObject({ source: 'user', actor: `resp-${service.slice(-8)}` });
    expect(entry?.message).toContain(`forced an update of Swarm service ${service}`);
    expect(incident.timeline.some((e) => e.kind === 'incident.flapping')).toBe(false);
    expect(await incidentsOf(v.admin, service)).toHaveLength(1);

    const audit = (await v.admin.request('GET', '/api/audit?limit=100')).body.items as Array<{ action: string; actor: string; target?: string; outcome: string; detail?: { forceUpdate?: number } }>;
    expect(audit.find((r) => r.action === 'swarm.service.force_update')).toMatchObject({
      actor: `resp-${service.slice(-8)}`, target: `${d.endpoint}/${service}`, outcome: 'ok', detail: { forceUpdate: 1 },
    });
  }, 120_000);
});
