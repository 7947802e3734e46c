// A draft's action items come from looking at the real stack: Docker says the service's container
// has no restart policy, healthcheck or supervision label; Prometheus (with the sample stack's rules)
// has no `up == 0` rule for it — while the sample `backend` job has one.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { dockerEventToSignal } from '../../src/sources/docker/normalize.ts';
import { ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent, type Availability } from '../harness/components.ts';
import { docker, ensureDockerDaemon, removeContainer } from '../harness/docker.ts';
import { prometheusBinary, startPrometheus, type RunningPrometheus } from '../harness/prometheus.ts';
import { trackContainer } from '../harness/resources.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
const dockerUp = await requireComponent('docker', ensureDockerDaemon);
const prometheusUp = await requireComponent('prometheus', prometheusBinary);
const both: Availability<unknown> = dockerUp.ok ? prometheusUp : dockerUp;

describeWith(both, 'post-mortem action items from the real stack', () => {
  const service = `lonely-${randomBytes(3).toString('hex')}`;
  let containerId = '';
  let prometheus: RunningPrometheus;
  let vigil: RunningVigil;
  let admin: Client;

  beforeAll(async () => {
    const base = await ensureBaseImage();
    containerId = (await docker(['run', '-d', '--label', 'vigil.test=1', '--label', `com.docker.compose.service=${service}`,
      base.tag, 'node', '-e', 'setInterval(() => {}, 1e9)'])).trim();
    trackContainer(containerId);
    prometheus = await startPrometheus({
      configYaml: 'scrape_configs:\n  - job_name: backend\n    static_configs:\n      - targets: ["127.0.0.1:9"]\n',
      ruleFiles: [path.join(repo, 'sample-stack/prometheus/rules/users-app.yml')],
      scrapeInterval: '1s',
    });
    const endpoint = dockerUp.ok ? dockerUp.value.endpoint : '';
    vigil = await startVigil({ ADMIN_PASSWORD: 'findings-admin-pw', PROMETHEUS_URL: prometheus.url, DOCKER_HOSTS: endpoint });
    await vigil.app.ready();
    admin = new Client(vigil.url);
    await admin.login('admin', 'findings-admin-pw');
    const recorded = JSON.parse(fs.readFileSync(path.join(repo, 'server/test/fixtures/docker/event-compose-die.json'), 'utf8'));
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const event = {
      ...recorded, time: Number(nowNs / 1_000_000_000n), timeNano: nowNs.toString(),
      Actor: { ...recorded.Actor, Attributes: { ...recorded.Actor.Attributes, 'com.docker.compose.service': service } },
    };
    const signal = dockerEventToSignal(event, 'local');
    if (!signal) throw new Error('the recorded die did not normalize');
    await vigil.app.signals.ingest([signal]);
  }, 120_000);

  afterAll(async () => {
    await vigil?.stop();
    await prometheus?.stop();
    if (containerId) await removeContainer(containerId);
  });

  test('the draft suggests what the stack lacks for this service', async () => {
    const [incident] = (await admin.request('GET', `/api/incidents?service=${service}`)).body.items;
    expect(incident).toBeDefined();
    // Docker is read from Vigil's inventory, loaded once the watcher has connected.
    await expect.poll(async () => (await admin.request('GET', '/api/containers')).body.some((c: { id: string }) => c.id === containerId), { timeout: 15_000 }).toBe(true);
    // Prometheus loads rules at start; wait until they are visible so the check is not a race.
    await expect.poll(async () => ((await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as any).data.groups.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const pm = await admin.request('GET', `/api/incidents/${incident.id}/postmortem`);
    const name = (await docker(['inspect', '--format', '{{.Name}}', containerId])).trim().replace(/^\//, '');
    const items = pm.body.markdown.split('## 7. Action Items')[1];
    expect(items).toContain(`Give \`${name}\``);
    expect(items).toContain(`Add a healthcheck to \`${name}\``);
    expect(items).toContain(`Label \`${name}\` with \`vigil.supervise=true\``);
    expect(items).toContain(`Add an alert rule \`up{job="${service}"} == 0\``);
  });

  test('for the sample backend job, the sample BackendDown rule counts as an up == 0 rule', async () => {
    const { stackFindingsProvider } = await import('../../src/sources/stack-findings.ts');
    const { prometheusApi } = await import('../../src/sources/prometheus/client.ts');
    const find = stackFindingsProvider({ docker: { containers: () => [] }, prometheus: prometheusApi(prometheus.url) });
    const backend = {
      id: 'x', title: 't', service: 'backend', host: 'local', status: 'open' as const, severity: 'warning' as const,
      openedAt: new Date().toISOString(), lastEventAt: new Date().toISOString(), sources: [], timeline: [],
    };
    // Prometheus 2.42 lists a target only after its first discovery round (about 5 s).
    await expect.poll(async () => (await find(backend))?.prometheus?.job, { timeout: 20_000 }).toBe('backend');
    expect((await find(backend))?.prometheus).toEqual({ job: 'backend', hasUpRule: true, ruleForMs: 15_000 });
  });
});
