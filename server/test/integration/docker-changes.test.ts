// Changes on the real daemon: two images of a tiny Node app built here (v1, and a v2 that crashes
// 1.5 s after it starts); a plain container of a service recreated from v1 to v2 is a
// container.change, the crash right after names it as the incident's suspected change, and rolling
// it back runs v1 again with the same configuration. A Compose-labelled one is refused with the
// command to run; a change made while Vigil is down is found when it comes back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BASE_IMAGE, ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { docker, ensureDockerDaemon, removeContainer, removeImage } from '../harness/docker.ts';
import { trackContainer, trackImage } from '../harness/resources.ts';
import type { Client } from '../harness/vigil.ts';
import { startDockerVigil, uniqueName, until, userClient, type DockerVigil, type IncidentBody, incidentsOf } from './docker-support.ts';

const daemon = await requireComponent('Docker', async () => {
  const d = await ensureDockerDaemon();
  await ensureBaseImage();
  return d;
});

const APP = `
const version = process.env.APP_VERSION;
process.on('SIGTERM', () => process.exit(0));
console.log('app ' + version + ' up');
if (process.env.CRASH_AFTER_MS) setTimeout(() => { console.error('app ' + version + ': fatal'); process.exit(3); }, Number(process.env.CRASH_AFTER_MS));
setInterval(() => {}, 1e9);
`;

interface ChangeBody {
  id: string; service: string; host: string; containerId: string; oldImage: string; newImage: string;
  oldImageId: string; newImageId: string; changed: string[]; changedBy?: string;
}

/** The last configuration Vigil stored for a service (embedded store), read from its file. */
function storedConfig(dataDir: string, endpoint: string, service: string): string | undefined {
  const db = new DatabaseSync(path.join(dataDir, 'vigil.db'), { readOnly: true });
  try {
    const row = db.prepare('SELECT value FROM source_cursors WHERE source = ? AND host = ?').get('docker.service-config', JSON.stringify([endpoint, service]));
    return typeof row?.['value'] === 'string' ? row['value'] : undefined;
  } finally {
    db.close();
  }
}

describeWith(daemon, 'changes on the real daemon', ({ endpoint }) => {
  const repo = uniqueName('chg-app');
  const v1 = `${repo}:v1`;
  const v2 = `${repo}:v2`;
  const ids: Record<string, string> = {};
  const containers = new Set<string>();
  let v: DockerVigil;
  let responder: Client;
  let viewer: Client;

  async function build(tag: string, version: string, crashAfterMs?: number): Promise<string> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-chg-'));
    try {
      writeFileSync(path.join(dir, 'app.js'), APP);
      writeFileSync(path.join(dir, 'Dockerfile'), [
        `FROM ${BASE_IMAGE}`, `ENV APP_VERSION=${version}`, ...(crashAfterMs === undefined ? [] : [`ENV CRASH_AFTER_MS=${crashAfterMs}`]),
        `LABEL org.opencontainers.image.version=${version}`, 'COPY app.js /app.js', 'CMD ["node", "/app.js"]', '',
      ].join('\n'));
      trackImage(tag);
      await docker(['build', '-q', '-t', tag, dir], { timeoutMs: 300_000 });
      return docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function run(name: string, image: string, labels: Record<string, string>, env: Record<string, string> = {}): Promise<string> {
    const id = await docker([
      'run', '-d', '--name', name, '--network', 'none', '--label', 'vigil.test=1',
      ...Object.entries(labels).flatMap(([k, value]) => ['--label', `${k}=${value}`]),
      ...Object.entries(env).flatMap(([k, value]) => ['-e', `${k}=${value}`]),
      image,
    ]);
    trackContainer(id);
    containers.add(id);
    return id;
  }

  /** What a deploy tool does: stop the old container, move it aside, run the new one, remove the old. */
  async function recreate(name: string, image: string, labels: Record<string, string>, env: Record<string, string> = {}): Promise<string> {
    const old = await docker(['inspect', '--format', '{{.Id}}', name]);
    await docker(['stop', '-t', '2', old]);
    await docker(['rename', old, `${name}-old`]);
    const id = await run(name, image, labels, env);
    await removeContainer(old);
    return id;
  }

  async function changesOf(client: Client, service: string): Promise<ChangeBody[]> {
    const res = await client.request('GET', `/api/changes?service=${encodeURIComponent(service)}&limit=10`);
    if (res.status !== 200) throw new Error(`GET /api/changes: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.items as ChangeBody[];
  }

  beforeAll(async () => {
    ids['v1'] = await build(v1, 'v1');
    ids['v2'] = await build(v2, 'v2', 1_500);
    v = await startDockerVigil([endpoint]);
    responder = await userClient(v.vigil, v.admin, 'rhea', 'responder');
    viewer = await userClient(v.vigil, v.admin, 'vince', 'viewer');
  }, 400_000);
  afterAll(async () => {
    await v?.stop();
    if (v?.vigil.dataDir) rmSync(v.vigil.dataDir, { recursive: true, force: true });
    await Promise.all([...containers].map((id) => removeContainer(id)));
    for (const name of await docker(['ps', '-aq', '--filter', `name=${repo}`]).then((s) => s.split('\n').filter(Boolean), () => [])) await removeContainer(name);
    await removeImage(v1);
    await removeImage(v2);
  });

  test('v1 → v2 is a change; the crash right after names it as suspected; roll back runs v1 again', async () => {
    const service = uniqueName('shop');
    const name = `${repo}-${service}`;
    const labels = { 'vigil.service': service };
    await run(name, v1, labels, { SECRET_TOKEN: 'hunter2' });
    // The change tracker knows v1 once it inspected it: only then is v2 a change from it.
    await until('v1 known to the inventory', 10_000, async () => {
      const list = (await v.admin.request('GET', '/api/containers')).body as Array<{ name: string; state: string }>;
      return list.some((c) => c.name === name && c.state === 'running') ? true : undefined;
    }, 100);
    const v2Id = await recreate(name, v2, { ...labels, 'vigil.changed-by': 'ci-deploy' }, { SECRET_TOKEN: 's3cret' });

    const [change] = await until('the change listed', 20_000, async () => {
      const list = await changesOf(viewer, service);
      return list.length > 0 ? list : undefined;
    }, 100);
    expect(change).toMatchObject({
      service, host: endpoint, containerId: v2Id, oldImage: v1, newImage: v2, oldImageId: ids['v1'], newImageId: ids['v2'], changedBy: 'ci-deploy',
    });
    expect(change?.changed).toEqual(expect.arrayContaining(['image', 'env CRASH_AFTER_MS', 'env SECRET_TOKEN']));
    expect(JSON.stringify(change)).not.toMatch(/hunter2|s3cret/);

    // v2 crashes 1.5 s after it starts: the incident (opened by the deploy's stop) names the change.
    const incident = await until('the incident naming the change', 30_000, async () => {
      const found = (await incidentsOf(v.admin, service)).find((i) => (i as IncidentBody & { suspectedChange?: { signalId: string } }).suspectedChange?.signalId === change?.id);
      return found?.timeline.some((e) => e.kind === 'incident.suspected_change') ? found : undefined;
    }, 200) as IncidentBody & { suspectedChange: Record<string, unknown> };
    expect(incident.suspectedChange).toMatchObject({ oldImage: v1, newImage: v2, containerId: v2Id, changedBy: 'ci-deploy' });
    expect(incident.timeline.find((e) => e.kind === 'container.change')?.message).toBe(
      `${service} changed: ${v1} → ${v2} (by ci-deploy); also changed: env APP_VERSION, env CRASH_AFTER_MS, env SECRET_TOKEN`,
    );
    expect(incident.timeline.find((e) => e.kind === 'incident.suspected_change')?.message).toMatch(new RegExp(`^suspected change: ${service} ${v1} → ${v2}, .* before$`));

    // A viewer may not roll back; a responder may.
    expect((await viewer.send('POST', `/api/changes/${change?.id}/rollback`)).status).toBe(403);
    const res = await responder.send('POST', `/api/changes/${change?.id}/rollback`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ host: endpoint, containerId: v2Id, containerName: name, fromImage: v2, toImage: v1 });

    const after = await until('the service running v1 again', 30_000, async () => {
      const [image, config, running, env] = (await docker(['inspect', '--format', '{{.Image}}|{{.Config.Image}}|{{.State.Running}}|{{json .Config.Env}}', name])).split('|');
      return image === ids['v1'] && running === 'true' ? { image, config, env: JSON.parse(env ?? '[]') as string[] } : undefined;
    }, 200);
    expect(after.config).toBe(v1);
    // The same configuration (its env), without what only v2's image said (its crash switch, its version).
    expect(after.env).toEqual(expect.arrayContaining(['SECRET_TOKEN=s3cret', 'APP_VERSION=v1']));
    expect(after.env.some((e) => e.startsWith('CRASH_AFTER_MS='))).toBe(false);
    expect(await docker(['inspect', '--format', '{{index .Config.Labels "vigil.service"}}', name])).toBe(service);

    const rolled = await until('the roll back on the timeline', 20_000, async () => {
      const i = (await incidentsOf(v.admin, service)).find((x) => x.id === incident.id);
      return i?.timeline.some((e) => e.kind === 'action.rollback_result') ? i : undefined;
    }, 200);
    expect(rolled.timeline.find((e) => e.kind === 'user.rollback_requested')).toMatchObject({ actor: 'rhea', message: `roll back of ${service} requested by rhea: ${v2} → ${v1}` });
    expect(rolled.timeline.find((e) => e.kind === 'action.rollback_result')).toMatchObject({ actor: 'rhea', message: expect.stringMatching(new RegExp(`^${service} rolled back to ${v1} \\(requested by rhea, took `)) as unknown as string });
    // The roll back is a change too (v2 → v1), by whom it says.
    const back = await until('the roll back listed as a change', 20_000, async () => {
      const list = await changesOf(viewer, service);
      return list.length >= 2 ? list[0] : undefined;
    }, 100);
    expect(back).toMatchObject({ oldImage: v2, newImage: v1, changedBy: 'rhea (roll back through Vigil)' });
    // Paged newest first with a cursor this list handed out; a made-up one is refused.
    const first = await viewer.request('GET', `/api/changes?service=${encodeURIComponent(service)}&limit=1`);
    expect(first.body.items.map((c: ChangeBody) => c.id)).toEqual([back?.id]);
    const second = await viewer.request('GET', `/api/changes?service=${encodeURIComponent(service)}&limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.items.map((c: ChangeBody) => c.id)).toEqual([change?.id]);
    expect(second.body.nextCursor).toBeNull();
    expect((await viewer.request('GET', `/api/changes?service=${encodeURIComponent(service)}&cursor=${encodeURIComponent(first.body.nextCursor)}x`)).status).toBe(400);
    expect((await viewer.request('GET', '/api/changes?from=yesterday')).body.error.code).toBe('invalid_query');
    // The stop of v2's container for the roll back was asked for: no second death counted as a failure.
    const audit = (await v.admin.request('GET', '/api/audit?limit=20')).body as { items?: Array<{ action: string; actor: string }> } | Array<{ action: string; actor: string }>;
    const records = Array.isArray(audit) ? audit : audit.items ?? [];
    expect(records.filter((r) => r.action.startsWith('change.rollback')).map((r) => [r.action, r.actor])).toEqual(expect.arrayContaining([
      ['change.rollback.requested', 'rhea'], ['change.rollback', 'rhea'],
    ]));
  }, 120_000);

  test('a Compose service is not recreated behind Compose\'s back: 409 with the command to run', async () => {
    const service = uniqueName('web');
    const name = `${repo}-${service}`;
    const labels = {
      'com.docker.compose.project': 'vigilchg', 'com.docker.compose.service': service,
      'com.docker.compose.project.working_dir': '/srv/vigil chg', 'com.docker.compose.project.config_files': 'docker-compose.yml',
    };
    await run(name, v1, labels);
    await until('v1 known', 10_000, async () => {
      const list = (await v.admin.request('GET', '/api/containers')).body as Array<{ name: string; state: string }>;
      return list.some((c) => c.name === name && c.state === 'running') ? true : undefined;
    }, 100);
    // Without the crash: the same image as v2 but a new env.
    const v2Id = await recreate(name, v1, labels, { FEATURE: 'on' });
    const [change] = await until('the change listed', 20_000, async () => {
      const list = await changesOf(viewer, service);
      return list.length > 0 ? list : undefined;
    }, 100);
    expect(change).toMatchObject({ containerId: v2Id, oldImage: v1, newImage: v1, changed: ['env FEATURE'] });
    const res = await responder.send('POST', `/api/changes/${change?.id}/rollback`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('compose_service');
    expect(res.body.error.message).toMatch(/Compose project vigilchg/);
    expect(res.body.error.details.command).toBe(
      `cd '/srv/vigil chg' && docker tag ${ids['v1']} ${v1} && docker-compose -f docker-compose.yml -p vigilchg up -d --no-deps ${service}`,
    );
    // Nothing was touched.
    expect(await docker(['inspect', '--format', '{{.Id}} {{.State.Running}}', name])).toBe(`${v2Id} true`);
  }, 60_000);

  test('a change made while Vigil was down is found when it comes back', async () => {
    const service = uniqueName('offline');
    const name = `${repo}-${service}`;
    const labels = { 'vigil.service': service };
    await run(name, v1, labels);
    await until('v1 known', 10_000, async () => {
      const list = (await v.admin.request('GET', '/api/containers')).body as Array<{ name: string; state: string }>;
      return list.some((c) => c.name === name && c.state === 'running') ? true : undefined;
    }, 100);
    const dataDir = v.vigil.dataDir;
    // v1's configuration is in the store (the tracker writes it once it has compared it) before Vigil goes down.
    await until('v1\'s configuration stored', 10_000, () => storedConfig(dataDir, endpoint, service)?.includes(v1) === true ? true : undefined, 100);
    await v.vigil.app.close();
    v.socket.close();
    const v2Id = await recreate(name, v1, labels, { MODE: 'fast' });
    v = await startDockerVigil([endpoint], { DATA_DIR: dataDir, ADMIN_PASSWORD: 'docker-suite-admin' });
    responder = await userClient(v.vigil, v.admin, 'rhea2', 'responder');
    const [change] = await until('the change found at connect', 20_000, async () => {
      const list = await changesOf(v.admin, service);
      return list.length > 0 ? list : undefined;
    }, 100);
    expect(change).toMatchObject({ containerId: v2Id, changed: ['env MODE'] });
  }, 60_000);

  test('after a restart, a failure still names a change made before the engine\'s memory window', async () => {
    const service = uniqueName('restored');
    const name = `${repo}-${service}`;
    const labels = { 'vigil.service': service };
    // Created, never started: Vigil knows v1's configuration, and no death opens an incident.
    const created = await docker(['create', '--name', name, '--network', 'none', '--label', 'vigil.test=1', '--label', `vigil.service=${service}`, v1]);
    trackContainer(created);
    containers.add(created);
    const dataDir = v.vigil.dataDir;
    await until('v1\'s configuration stored', 10_000, () => storedConfig(dataDir, endpoint, service)?.includes(created) === true ? true : undefined, 100);
    await removeContainer(created);
    const v2Id = await run(name, v1, labels, { MODE: 'new' });
    const [change] = await until('the change listed', 20_000, async () => {
      const list = await changesOf(v.admin, service);
      return list.length > 0 ? list : undefined;
    }, 100);
    // Restarted with an engine that remembers 1 ms of signals: only the changes read back on restore can name it.
    await v.vigil.app.close();
    v.socket.close();
    v = await startDockerVigil([endpoint], { DATA_DIR: dataDir }, { retainMs: 1, crashLoopWindowMs: 1 });
    await docker(['kill', v2Id]);
    const incident = await until('the incident naming the change', 20_000, async () => {
      const [i] = await incidentsOf(v.admin, service);
      return (i as (IncidentBody & { suspectedChange?: { signalId: string } }) | undefined)?.suspectedChange !== undefined ? i : undefined;
    }, 100) as IncidentBody & { suspectedChange: { signalId: string } };
    expect(incident.suspectedChange.signalId).toBe(change?.id);
  }, 60_000);
});
