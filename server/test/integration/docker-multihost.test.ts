// Several Docker daemons: the machine's own and a second dockerd on its own socket, data root and
// bridge. Vigil lists both hosts' containers under their host names, and a death on each opens an
// incident on the right host — also when the two containers carry the same service name.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { docker, ensureDockerDaemon } from '../harness/docker.ts';
import { startSecondDockerd, type SecondDockerd } from '../harness/second-dockerd.ts';
import { IDLE, incidentsOf, removeCreated, runContainer, startDockerVigil, uniqueName, until, type DockerVigil } from './docker-support.ts';

const daemon = await requireComponent('Docker', async () => {
  const d = await ensureDockerDaemon();
  await ensureBaseImage();
  return d;
});

describeWith(daemon, 'two Docker daemons', ({ endpoint }) => {
  let d2: SecondDockerd;
  let v: DockerVigil;

  beforeAll(async () => {
    d2 = await startSecondDockerd();
    v = await startDockerVigil([endpoint, d2.endpoint]);
  });
  afterAll(async () => {
    await v?.stop();
    await d2?.stop();
    await removeCreated();
  });

  test('both hosts\' containers are listed with their host names; a death on each opens an incident on its host', async () => {
    // One service name on both hosts: the host tells the two incidents apart.
    const service = uniqueName('api');
    const here = await runContainer({ name: uniqueName('here'), script: IDLE, labels: { 'vigil.service': service } });
    const there = await runContainer({ endpoint: d2.endpoint, name: uniqueName('there'), script: IDLE, labels: { 'vigil.service': service } });
    const listed = await until('both listed', 5_000, async () => {
      const all = (await v.admin.request('GET', '/api/containers')).body as Array<{ id: string; host: string; service: string }>;
      const mine = all.filter((c) => c.id === here || c.id === there);
      return mine.length === 2 ? mine : undefined;
    });
    expect(listed.find((c) => c.id === here)).toMatchObject({ host: endpoint, service, state: 'running' });
    expect(listed.find((c) => c.id === there)).toMatchObject({ host: d2.endpoint, service, state: 'running' });
    const status = (await v.admin.request('GET', '/readyz')).body.sources.filter((s: { source: string }) => s.source === 'docker');
    expect(status.map((s: { host: string; state: string }) => `${s.host} ${s.state}`).sort()).toEqual([`${d2.endpoint} up`, `${endpoint} up`].sort());

    await docker(['kill', here]);
    await d2.cli(['kill', there]);
    const incidents = await until('an incident per host', 10_000, async () => {
      const all = await incidentsOf(v.admin, service);
      return all.length === 2 && all.every((i) => i.timeline.some((e) => e.kind === 'container.die')) ? all : undefined;
    }, 100);
    expect(incidents.map((i) => i.host).sort()).toEqual([endpoint, d2.endpoint].sort());
    for (const incident of incidents) {
      const die = incident.timeline.find((e) => e.kind === 'container.die');
      expect(die?.data.signals?.find((s) => s.kind === 'container.die')?.attributes['containerId']).toBe(incident.host === endpoint ? here : there);
    }

    // A restart names its host: the same id prefix is looked up on the host asked for.
    const wrongHost = await v.admin.send('POST', `/api/containers/${there.slice(0, 12)}/restart?host=${encodeURIComponent(endpoint)}`);
    expect(wrongHost.status).toBe(404);
    expect((await v.admin.send('POST', `/api/containers/${there.slice(0, 12)}/restart?host=${encodeURIComponent(d2.endpoint)}`)).status).toBe(202);
    await until('running again on the second daemon', 10_000, async () => ((await d2.cli(['inspect', '--format', '{{.State.Running}}', there])) === 'true' ? true : undefined));
    expect(await incidentsOf(v.admin, service)).toHaveLength(2);
  });
});
