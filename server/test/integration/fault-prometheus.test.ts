// Fault: Prometheus goes away. /readyz names it down while the store is up (and stays 200), and the
// board stays live from Docker: a container killed then reaches a socket.io client as an incident.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { docker, ensureDockerDaemon } from '../harness/docker.ts';
import { prometheusBinary, startPrometheus, type RunningPrometheus } from '../harness/prometheus.ts';
import { IDLE, removeCreated, runContainer, startDockerVigil, uniqueName, until, type DockerVigil, type Entry } from './docker-support.ts';

const parts = await requireComponent('Prometheus and Docker', async () => {
  prometheusBinary();
  const daemon = await ensureDockerDaemon();
  await ensureBaseImage();
  return daemon.endpoint;
});

interface SourceStatus { source: string; host?: string; state: string; detail?: string }

describeWith(parts, 'Prometheus down', (endpoint) => {
  let prom: RunningPrometheus;
  let v: DockerVigil;

  beforeAll(async () => {
    prom = await startPrometheus({ configYaml: 'scrape_configs: []\n', scrapeInterval: '1s' });
    v = await startDockerVigil([endpoint], { PROMETHEUS_URL: prom.url, PROMETHEUS_POLL_SECONDS: '1' });
  });
  afterAll(async () => {
    await v?.stop();
    await prom?.stop();
    await removeCreated();
  });

  const readyz = async () => {
    const res = await fetch(`${v.vigil.url}/readyz`);
    return { status: res.status, body: await res.json() as { ready: boolean; store: { state: string }; sources: SourceStatus[] } };
  };
  const prometheusState = async () => (await readyz()).body.sources.find((s) => s.source === 'prometheus')?.state;

  test('/readyz names Prometheus down with the store up, and a container killed then still reaches the board live', async () => {
    const statuses: SourceStatus[] = [];
    const incidents: Array<{ id: string; service: string; status: string }> = [];
    v.socket.on('source:status', (s: SourceStatus) => statuses.push(s));
    v.socket.on('incident:upsert', (i: { id: string; service: string; status: string }) => incidents.push(i));
    await until('Prometheus up on /readyz', 15_000, async () => ((await prometheusState()) === 'up' ? true : undefined), 200);

    await prom.stop();
    await until('Prometheus down on /readyz', 15_000, async () => ((await prometheusState()) === 'down' ? true : undefined), 200);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    expect(ready.body.store.state).toBe('up');
    expect(ready.body.sources.find((s) => s.source === 'prometheus')).toMatchObject({ host: prom.url, state: 'down' });
    expect(ready.body.sources.filter((s) => s.source === 'docker').map((s) => s.state)).toEqual(['up']);
    // The browser was told too.
    expect(statuses.some((s) => s.source === 'prometheus' && s.state === 'down')).toBe(true);

    const name = uniqueName('promdown');
    const container = await runContainer({ name, script: IDLE });
    await until('the container in the inventory', 10_000, () => (v.containerUpdates.some((c) => c.id === container) ? true : undefined));
    await docker(['kill', container]);
    const incident = await until('the incident over socket.io', 15_000, () => incidents.find((i) => i.service === name), 50);
    expect(incident.status).toBe('open');
    const death = await until('the death on its timeline over socket.io', 15_000,
      () => v.appended.find((e: Entry) => e.incidentId === incident.id && e.kind === 'container.die'), 50);
    expect(death.source).toBe('docker');
    expect(death.data.signals?.map((s) => s.attributes['containerId'])).toContain(container);
    // Still down: the board kept going without it.
    expect(await prometheusState()).toBe('down');
  });
});
