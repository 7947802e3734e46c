// The sample stack's files as the real tools read them: docker-compose.yml and docker-compose.ha.yml
// (docker-compose config), deploy/haproxy/haproxy.cfg (haproxy -c), prometheus.yml and its rules
// (promtool check, and the rule unit tests), alertmanager.yml (amtool), and the backend's game-day
// switches as Prometheus scrapes them.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWith, requireComponent } from '../harness/components.ts';
import { findExecutable } from '../harness/resources.ts';
import { sample, startSampleApp, startSamplePrometheus } from '../harness/sample-stack.ts';
import { freePort } from '../harness/ports.ts';
import { prometheusBinary } from '../harness/prometheus.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
const compose = await requireComponent('docker-compose', () => findExecutable(['docker-compose'], 'DOCKER_COMPOSE_BIN', 'apt-get install docker-compose'));
const promtool = await requireComponent('promtool', () => findExecutable(['promtool'], 'PROMTOOL_BIN', 'apt-get install prometheus'));
const amtool = await requireComponent('amtool', () => findExecutable(['amtool'], 'AMTOOL_BIN', 'apt-get install prometheus-alertmanager'));
const prometheus = await requireComponent('prometheus', prometheusBinary);
const haproxy = await requireComponent('haproxy', () => findExecutable(['haproxy'], 'HAPROXY_BIN', 'apt-get install haproxy'));

function run(binary: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // Only what the command needs: no WEBHOOK_TOKEN or .env values leak in from the caller.
    execFile(binary, args, { cwd: repo, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describeWith(compose, 'docker-compose.yml', (binary) => {
  test('validates with WEBHOOK_TOKEN set, and names it when it is missing', async () => {
    const ok = await run(binary, ['-f', 'docker-compose.yml', 'config'], { WEBHOOK_TOKEN: 'a-token-of-twenty-chars' });
    expect(ok.output).not.toMatch(/ERROR/);
    expect(ok.code).toBe(0);
    for (const service of ['vigil', 'mongo', 'prometheus', 'alertmanager', 'backend', 'frontend']) expect(ok.output).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    const missing = await run(binary, ['-f', 'docker-compose.yml', 'config']);
    expect(missing.code).not.toBe(0);
    expect(missing.output).toMatch(/set WEBHOOK_TOKEN in \.env/);
  });

  test('the users app is supervised and restarts unless stopped; every part has a health check', async () => {
    const { output } = await run(binary, ['-f', 'docker-compose.yml', 'config'], { WEBHOOK_TOKEN: 'a-token-of-twenty-chars' });
    const block = (service: string) => output.split(/^ {2}(?=\S)/m).find((b) => b.startsWith(`${service}:`)) ?? '';
    for (const service of ['backend', 'frontend']) {
      expect(block(service)).toMatch(/vigil\.supervise: "true"/);
      expect(block(service)).toMatch(/restart: unless-stopped/);
      // Their images carry the health check (so a plain `docker run` has it too): exec form, non-root.
      const dockerfile = readFileSync(sample('users-app', service, 'Dockerfile'), 'utf8');
      expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "-e", /m);
      expect(dockerfile).toMatch(/^USER node$/m);
    }
    for (const service of ['mongo', 'prometheus', 'alertmanager']) expect(block(service)).toMatch(/healthcheck:/);
  });
});

/** One service's block of `docker-compose config` output (services are indented two spaces). */
const serviceBlock = (output: string, service: string): string => output.split(/^ {2}(?=\S)/m).find((b) => b.startsWith(`${service}:`)) ?? '';

describeWith(compose, 'docker-compose.ha.yml', (binary) => {
  const env = { WEBHOOK_TOKEN: 'a-token-of-twenty-chars', NOTIFY_SECRET_KEY: 'c2FtZS1rZXktb24tZXZlcnktcmVwbGljYS0zMmJ5dGU=' };
  const config = (vars: NodeJS.ProcessEnv) => run(binary, ['-f', 'docker-compose.ha.yml', 'config'], vars);

  test('validates, and names WEBHOOK_TOKEN and NOTIFY_SECRET_KEY when they are missing', async () => {
    const ok = await config(env);
    expect(ok.output).not.toMatch(/ERROR/);
    expect(ok.code).toBe(0);
    for (const service of ['vigil-1', 'vigil-2', 'haproxy', 'redis', 'mongo-1', 'mongo-2', 'mongo-3', 'mongo-init', 'prometheus', 'alertmanager', 'backend', 'frontend']) {
      expect(ok.output).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    }
    const noToken = await config({ NOTIFY_SECRET_KEY: env.NOTIFY_SECRET_KEY });
    expect(noToken.code).not.toBe(0);
    expect(noToken.output).toMatch(/set WEBHOOK_TOKEN in \.env/);
    const noKey = await config({ WEBHOOK_TOKEN: env.WEBHOOK_TOKEN });
    expect(noKey.code).not.toBe(0);
    expect(noKey.output).toMatch(/set NOTIFY_SECRET_KEY in \.env .*every replica needs the same key/);
  });

  test('two replicas with their own names and addresses on one MongoDB replica set and Redis, restarted unless stopped', async () => {
    const { output } = await config(env);
    for (const replica of ['vigil-1', 'vigil-2']) {
      const block = serviceBlock(output, replica);
      expect(block).toMatch(new RegExp(`REPLICA_NAME: ${replica}$`, 'm'));
      expect(block).toMatch(new RegExp(`REPLICA_URL: http://${replica}:8080$`, 'm'));
      expect(block).toMatch(/MONGODB_URL: mongodb:\/\/mongo-1:27017,mongo-2:27017,mongo-3:27017\/vigil\?replicaSet=rs0$/m);
      expect(block).toMatch(/REDIS_URL: redis:\/\/redis:6379$/m);
      expect(block).toMatch(/NOTIFY_SECRET_KEY: c2FtZS1rZXkt/);
      expect(block).toMatch(/restart: unless-stopped/);
      expect(block).toMatch(/mongo-init:\n\s+condition: service_completed_successfully/);
      expect(block).toMatch(/\/var\/run\/docker\.sock:\/var\/run\/docker\.sock/);
    }
    // Three nodes of rs0, made a replica set by the one-shot init once all three answer.
    for (const node of ['mongo-1', 'mongo-2', 'mongo-3']) {
      expect(serviceBlock(output, node)).toMatch(/- --replSet\n\s+- rs0/);
      expect(serviceBlock(output, node)).toMatch(/healthcheck:/);
      expect(serviceBlock(output, 'mongo-init')).toMatch(new RegExp(`${node}:\\n\\s+condition: service_healthy`));
      expect(serviceBlock(output, 'mongo-init')).toContain(`host: '${node}:27017'`);
    }
    expect(serviceBlock(output, 'mongo-init')).toMatch(/rs\.initiate\(\{ _id: 'rs0'/);
    // HAProxy takes :8080 and answers to the name Alertmanager's webhook and Prometheus use.
    const proxy = serviceBlock(output, 'haproxy');
    expect(proxy).toMatch(/published: 8080/);
    expect(proxy).toMatch(/aliases:\n\s+- vigil$/m);
    expect(proxy).toMatch(/deploy\/haproxy:\/usr\/local\/etc\/haproxy:ro/);
  });
});

describeWith(haproxy, 'deploy/haproxy/haproxy.cfg (haproxy -c)', (binary) => {
  const file = path.join(repo, 'deploy/haproxy/haproxy.cfg');

  test('checks clean; the only warnings are the replicas it resolves at run time', async () => {
    const res = await run(binary, ['-c', '-f', file]);
    expect(res.output).toContain('Configuration file is valid');
    expect(res.code).toBe(0);
    const warnings = res.output.split('\n').filter((l) => l.includes('[WARNING]'));
    for (const w of warnings) expect(w).toMatch(/could not resolve address 'vigil-[12]', disabling server/);
  });

  test('round robin over both replicas checked on /readyz, sticky by cookie, WebSocket-length tunnels', () => {
    const cfg = readFileSync(file, 'utf8');
    expect(cfg).toMatch(/^\s+balance roundrobin$/m);
    expect(cfg).toMatch(/^\s+http-check send meth GET uri \/readyz\b/m);
    expect(cfg).toMatch(/^\s+http-check expect status 200$/m);
    expect(cfg).toMatch(/^\s+cookie VIGIL_REPLICA insert indirect nocache/m);
    expect(cfg).toMatch(/^\s+timeout tunnel 1h$/m);
    for (const replica of ['vigil-1', 'vigil-2']) expect(cfg).toMatch(new RegExp(`^\\s+server ${replica} ${replica}:8080 check cookie ${replica}$`, 'm'));
  });
});

describeWith(promtool, 'the sample Prometheus config and rules (promtool)', (binary) => {
  test('prometheus.yml and its rule files check clean', async () => {
    const res = await run(binary, ['check', 'config', sample('prometheus/prometheus.yml')]);
    expect(res.output).toMatch(/SUCCESS: 4 rules found/);
    expect(res.code).toBe(0);
  });

  test('the rule unit tests pass (BackendDown after 15 s, AppUnhealthy, HighErrorRate…)', async () => {
    const res = await run(binary, ['test', 'rules', sample('prometheus/tests/users-app.test.yml')]);
    expect(res.output).toMatch(/SUCCESS/);
    expect(res.code).toBe(0);
  });
});

describeWith(amtool, 'the sample Alertmanager config (amtool)', (binary) => {
  test('checks clean and routes everything to Vigil with a short group_wait', async () => {
    const res = await run(binary, ['check-config', sample('alertmanager/alertmanager.yml')]);
    expect(res.code).toBe(0);
    const routes = await run(binary, ['config', 'routes', 'test', `--config.file=${sample('alertmanager/alertmanager.yml')}`, 'alertname=BackendDown', 'service=backend']);
    expect(routes.output.split('\n')[0]).toBe('vigil');
  });
});

describeWith(prometheus, "the backend's game-day switches, as Prometheus sees them", () => {
  let backend: Awaited<ReturnType<typeof startSampleApp>>;
  let prom: Awaited<ReturnType<typeof startSamplePrometheus>>;
  beforeAll(async () => {
    backend = await startSampleApp('backend');
    const closed = async () => `127.0.0.1:${await freePort()}`;
    prom = await startSamplePrometheus({
      interval: '1s',
      addresses: { 'backend:3001': backend.address, 'frontend:3000': await closed(), 'vigil:8080': await closed(), 'alertmanager:9093': await closed() },
    });
  });
  afterAll(async () => {
    await prom?.stop();
    await backend?.proc.stop();
  });

  const query = async (promql: string): Promise<string | undefined> => {
    const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = await res.json() as { data: { result: Array<{ value: [number, string] }> } };
    return body.data.result[0]?.value[1];
  };
  const until = async (promql: string, value: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await query(promql)) === value) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${promql} did not become ${value} within ${timeoutMs} ms`);
  };
  const admin = (route: string, body: unknown) => fetch(`${backend.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('hang: nothing answers (health check and scrape time out) until it is switched off', async () => {
    await until('up{job="backend"}', '1');
    expect((await admin('/admin/hang', { hang: true })).status).toBe(200);
    await expect(fetch(`${backend.url}/api/health`, { signal: AbortSignal.timeout(1_500) })).rejects.toThrow();
    await until('up{job="backend"}', '0');
    const waiting = fetch(`${backend.url}/api/users`);
    // Let it arrive and be held before the switch goes off.
    await new Promise((r) => setTimeout(r, 300));
    expect(await (await admin('/admin/hang', { hang: false })).json()).toEqual({ healthy: true, hung: false });
    expect((await waiting).status).toBe(503);
    await until('up{job="backend"}', '1');
  });

  test('unhealthy: it still answers, with errors, and app_health says 0', async () => {
    await admin('/admin/health', { healthy: false });
    expect((await fetch(`${backend.url}/api/users`)).status).toBe(503);
    await until('app_health{job="backend"}', '0');
    await admin('/admin/health', { healthy: true });
    await until('app_health{job="backend"}', '1');
    expect((await admin('/admin/hang', { hang: 'yes' })).status).toBe(400);
  });
});
