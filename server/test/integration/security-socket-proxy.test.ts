// Vigil through a Docker socket proxy (docs/security.md): a real haproxy allowing only the calls
// Vigil makes, in front of a private dockerd, named in DOCKER_HOSTS as tcp://. Vigil lists
// containers, opens an incident on a docker kill, restarts and pauses supervision (audited with
// who and from where); the proxy refuses everything else before the daemon sees it.
import http from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { ensureDockerDaemon } from '../harness/docker.ts';
import { startSecondDockerd, type SecondDockerd } from '../harness/second-dockerd.ts';
import { haproxyBinary, startSocketProxy, type SocketProxy } from '../harness/socket-proxy.ts';
import { IDLE, incidentWith, runContainer, startDockerVigil, stateOf, uniqueName, until, type DockerVigil } from './docker-support.ts';

const ready = await requireComponent('Docker and haproxy', async () => {
  haproxyBinary();
  await ensureDockerDaemon();
  await ensureBaseImage();
  return true;
});

/** A raw call to the proxy, as any process that can reach its port could make. */
function call(proxy: SocketProxy, method: string, route: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    // `path` goes out as written: a URL string would have its dot segments resolved first.
    const { hostname, port } = new URL(proxy.url);
    const req = http.request({ host: hostname, port, path: route, method, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describeWith(ready, 'Vigil through a Docker socket proxy', () => {
  let d2: SecondDockerd;
  let proxy: SocketProxy;
  let v: DockerVigil;
  const docker = (args: string[]) => d2.cli(args);

  beforeAll(async () => {
    d2 = await startSecondDockerd();
    proxy = await startSocketProxy({ socketPath: d2.endpoint.replace(/^unix:\/\//, '') });
    v = await startDockerVigil([proxy.endpoint]);
  });
  afterAll(async () => {
    await v?.stop();
    await proxy?.stop();
    await d2?.stop();
  });

  test('containers are listed, a docker kill opens an incident, a restart and a supervision pause work and are audited', async () => {
    const plain = uniqueName('proxied');
    const supervised = uniqueName('proxied-sup');
    const plainId = await runContainer({ name: plain, script: IDLE, endpoint: d2.endpoint });
    const supId = await runContainer({ name: supervised, script: IDLE, endpoint: d2.endpoint, labels: { 'vigil.supervise': 'true' } });

    const listed = await until('both containers listed', 10_000, async () => {
      const list = (await v.admin.request('GET', '/api/containers')).body as Array<{ id: string; name: string; host: string; state: string }>;
      return list.some((c) => c.id === plainId) && list.some((c) => c.id === supId) ? list : undefined;
    });
    expect(listed.find((c) => c.id === plainId)).toMatchObject({ name: plain, host: proxy.endpoint, state: 'running' });

    // docker kill, on the daemon itself: the proxied event stream brings it in.
    await docker(['kill', plainId]);
    const incident = await incidentWith(v.admin, plain, 'container.die');
    expect(incident).toMatchObject({ service: plain, host: proxy.endpoint });
    // Its evidence (inspect and the last log lines) came through the proxy too.
    const evidence = (await incidentWith(v.admin, plain, 'container.evidence')).timeline.find((e) => e.kind === 'container.evidence');
    expect(JSON.stringify(evidence?.data)).toContain('ready to serve');
    // Its image inspected through the proxy's narrow rule: a local image has no digest, which is said, not "unknown".
    expect(evidence?.data.signals?.[0]?.attributes['imageDigestNote']).toMatch(/^none: /);
    await until('stopped in the inventory', 5_000, async () =>
      ((await v.admin.request('GET', '/api/containers')).body as Array<{ id: string; state: string }>).find((c) => c.id === plainId && c.state !== 'running'));

    const before = await stateOf(plainId, d2.endpoint);
    const restart = await v.admin.send('POST', `/api/containers/${plainId}/restart`);
    expect(restart.status).toBe(202);
    const after = await until('running again after the restart', 20_000, async () => {
      const s = await stateOf(plainId, d2.endpoint);
      return s.status === 'running' && s.startedAt !== before.startedAt ? s : undefined;
    });
    expect(after.status).toBe('running');

    const paused = await v.admin.send('POST', `/api/containers/${supId}/supervision`, { paused: true });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ id: supId, supervisionPaused: true });

    const audit = await until('the restart outcome audited', 10_000, async () => {
      const items = (await v.admin.request('GET', '/api/audit?limit=100')).body.items as Array<{ action: string; actor: string; ip?: string; outcome: string; target?: string }>;
      return items.some((r) => r.action === 'container.restart') ? items : undefined;
    });
    expect(audit.find((r) => r.action === 'container.restart.requested')).toMatchObject({ actor: 'admin', ip: '127.0.0.1', outcome: 'ok' });
    expect(audit.find((r) => r.action === 'container.restart')).toMatchObject({ actor: 'admin', outcome: 'ok' });
    expect(audit.find((r) => r.action === 'container.supervision.paused')).toMatchObject({ actor: 'admin', ip: '127.0.0.1', target: `${proxy.endpoint}/${supervised}` });
  });

  test('the proxy refuses what Vigil does not use: create, delete, kill, exec, images, and path tricks', async () => {
    const victim = uniqueName('proxy-victim');
    const id = await runContainer({ name: victim, script: IDLE, endpoint: d2.endpoint });
    const refused: Array<[string, string, string?]> = [
      ['POST', '/containers/create', JSON.stringify({ Image: 'x', HostConfig: { Privileged: true, Binds: ['/:/host'] } })],
      ['POST', '/v1.41/containers/create', '{}'],
      ['DELETE', `/containers/${id}?force=true`],
      ['POST', `/containers/${id}/kill`],
      ['POST', `/containers/${id}/stop`],
      ['POST', `/containers/${id}/exec`, JSON.stringify({ Cmd: ['sh'] })],
      ['GET', '/images/json'],
      ['GET', '/images/node:24-bookworm-slim/json'],
      ['POST', '/images/create?fromImage=busybox'],
      ['DELETE', `/images/${'a'.repeat(64)}`],
      ['GET', '/volumes'],
      ['GET', '/secrets'],
      ['POST', '/build'],
      ['GET', `/containers/${id}/export`],
      ['GET', '/containers/%2e%2e/images/json'],
      ['GET', `/containers/${id}/json/../../images/json`],
      ['GET', '/containers/../images/json'],
      ['PUT', `/containers/${id}/archive?path=/`],
      ['POST', '/containers/json'],
      ['GET', `/containers/${id}/restart`],
    ];
    for (const [method, route, body] of refused) {
      const res = await call(proxy, method, route, body);
      expect(res.status, `${method} ${route}`).toBe(403);
    }
    expect((await stateOf(id, d2.endpoint)).status).toBe('running');
    // What Vigil needs still answers.
    expect((await call(proxy, 'GET', '/_ping')).status).toBe(200);
    expect((await call(proxy, 'GET', '/v1.41/version')).status).toBe(200);
    expect((await call(proxy, 'GET', `/containers/${id}/json`)).status).toBe(200);
  });
});
