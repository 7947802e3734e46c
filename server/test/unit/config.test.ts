import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

function issuesOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, '/srv/vigil');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('defaults follow API.md', () => {
    const c = loadConfig({}, '/srv/vigil');
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.dockerHosts).toEqual([{ url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' }]);
    expect(c.prometheusUrl).toBe('http://localhost:9090');
    expect(c.mongodbUrl).toBeUndefined();
    expect(c.dataDir).toBe('/srv/vigil/data');
    expect(c.adminPassword).toBeUndefined();
    expect(c.webhookToken).toBeUndefined();
  });

  test('INGEST_MAX_BACKLOG bounds the signals waiting to be stored: 20,000 unless set, 100 to 1,000,000', () => {
    expect(loadConfig({}, '/').ingestMaxBacklog).toBe(20_000);
    expect(loadConfig({ INGEST_MAX_BACKLOG: '500' }, '/').ingestMaxBacklog).toBe(500);
    expect(issuesOf({ INGEST_MAX_BACKLOG: '10' }).join('\n')).toMatch(/INGEST_MAX_BACKLOG/);
    expect(issuesOf({ INGEST_MAX_BACKLOG: 'lots' }).join('\n')).toMatch(/INGEST_MAX_BACKLOG/);
  });

  test('DOCKER_HOSTS lists several endpoints; DOCKER_HOST is the fallback', () => {
    const c = loadConfig({ DOCKER_HOSTS: 'unix:///run/a.sock, tcp://10.0.0.5:2375' }, '/');
    expect(c.dockerHosts).toEqual([
      { url: 'unix:///run/a.sock', socketPath: '/run/a.sock' },
      { url: 'tcp://10.0.0.5:2375', host: '10.0.0.5', port: 2375, protocol: 'http' },
    ]);
    expect(loadConfig({ DOCKER_HOST: 'tcp://h:2376', DOCKER_CERT_PATH: '/certs' }, '/').dockerHosts)
      .toEqual([{ url: 'tcp://h:2376', host: 'h', port: 2376, protocol: 'https' }]);
  });

  test('every bad variable is named, with its value unless it is a secret', () => {
    const issues = issuesOf({ PORT: 'eighty', PROMETHEUS_URL: 'localhost:9090', MONGODB_URL: 'postgres://x', ADMIN_PASSWORD: 'short' });
    expect(issues).toHaveLength(4);
    expect(issues.find((i) => i.startsWith('PORT="eighty"'))).toBeDefined();
    expect(issues.find((i) => i.startsWith('PROMETHEUS_URL='))).toBeDefined();
    expect(issues.find((i) => i.startsWith('MONGODB_URL='))).toMatch(/mongodb:\/\//);
    const admin = issues.find((i) => i.startsWith('ADMIN_PASSWORD='));
    expect(admin).toMatch(/\(hidden\)/);
    expect(admin).not.toMatch(/short/);
  });

  test('a malformed or repeated Docker endpoint is refused', () => {
    expect(issuesOf({ DOCKER_HOSTS: 'http//nope' })[0]).toMatch(/^DOCKER_HOSTS="http\/\/nope": expected unix:/);
    expect(issuesOf({ DOCKER_HOSTS: 'unix:///a.sock,unix:///a.sock' })[0]).toMatch(/same endpoint twice/);
    expect(issuesOf({ PORT: '70000' })[0]).toMatch(/^PORT=/);
  });

  test('credentials in a Docker endpoint go to basic auth; its url, the name shown, has none (issue 18)', () => {
    const [endpoint] = loadConfig({ DOCKER_HOSTS: 'tcp://ops:p%40ss:w0rd@10.0.0.5:2375' }, '/').dockerHosts;
    expect(endpoint).toEqual({ url: 'tcp://10.0.0.5:2375', host: '10.0.0.5', port: 2375, protocol: 'http', auth: { username: 'ops', password: 'p@ss:w0rd' } });
    const urls = issuesOf({ PROMETHEUS_URL: 'ftp://u:hunter2-secret@h', MONGODB_URL: 'postgres://u:hunter2-secret@h' });
    expect(urls).toEqual([expect.stringMatching(/^PROMETHEUS_URL="ftp:\/\/h": /), expect.stringMatching(/^MONGODB_URL="postgres:\/\/h": /)]);
    expect(issuesOf({ DOCKER_HOSTS: 'tcp://ops:hunter2-secret@nope' })).toEqual(['DOCKER_HOSTS="tcp://nope": expected unix:///path/to/docker.sock or tcp://host:port']);
  });

  test('ALERTMANAGER_URL: unset → no Alertmanager; several comma-separated, trailing slashes dropped; a bad or repeated one refused, its password never shown', () => {
    expect(loadConfig({}, '/').alertmanagerUrls).toEqual([]);
    expect(loadConfig({ ALERTMANAGER_URL: ' ' }, '/').alertmanagerUrls).toEqual([]);
    expect(loadConfig({ ALERTMANAGER_URL: ' http://am-1:9093 , https://ops:s3cret@am-2:9093/ ' }, '/').alertmanagerUrls)
      .toEqual(['http://am-1:9093', 'https://ops:s3cret@am-2:9093']);
    let issues: string[] = [];
    try {
      loadConfig({ ALERTMANAGER_URL: 'ftp://ops:s3cret@am:21,http://am:9093,http://am:9093' }, '/');
    } catch (err) {
      issues = (err as ConfigError).issues;
    }
    expect(issues.some((i) => i.startsWith('ALERTMANAGER_URL="ftp://am:21"'))).toBe(true);
    expect(issues).toContain('ALERTMANAGER_URL: names the same Alertmanager twice');
    expect(issues.join('\n')).not.toContain('s3cret');
  });

  test('empty optional secrets mean "generate one"', () => {
    const c = loadConfig({ ADMIN_PASSWORD: '', WEBHOOK_TOKEN: '', MONGODB_URL: '' }, '/');
    expect(c.adminPassword).toBeUndefined();
    expect(c.webhookToken).toBeUndefined();
    expect(c.mongodbUrl).toBeUndefined();
  });
});

test('the server exits with code 1 and names the variable when the configuration is invalid', () => {
  const main = path.join(import.meta.dirname, '..', '..', 'src', 'main.ts');
  const r = spawnSync(process.execPath, [main], { env: { ...process.env, PORT: 'abc', DATA_DIR: '/nonexistent-vigil' }, encoding: 'utf8', timeout: 20_000 });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('PORT="abc"');
  expect(r.stdout).toBe('');
});
