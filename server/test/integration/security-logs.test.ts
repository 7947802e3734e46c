// Secrets never reach the log: a real Vigil logging at `trace` into a buffer, through first-start
// secret generation, sign-ins (right, wrong, malformed), API token creation and use, and webhook
// posts (right and wrong token) — then no password, token or cookie appears in any line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApp, type VigilApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createStore } from '../../src/store/index.ts';
import { Client } from '../harness/vigil.ts';

const firing = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/alertmanager/am-webhook-firing.json'), 'utf8'));

let app: VigilApp;
let url: string;
let dataDir: string;
const logLines: string[] = [];
const announced: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-security-logs-'));
  // No ADMIN_PASSWORD or WEBHOOK_TOKEN: Vigil generates both and shows them once (announce), never in the log.
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', PROMETHEUS_URL: 'http://127.0.0.1:9', PROMETHEUS_POLL_SECONDS: '0',
    DOCKER_HOSTS: 'tcp://127.0.0.1:9', DATA_DIR: dataDir, LOG_LEVEL: 'trace',
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const store = await createStore({ dataDir: config.dataDir });
  app = createApp({ store, logger: createLogger(config.logLevel, sink), announce: (t) => announced.push(t) }, config);
  const address = await app.listen();
  url = `http://127.0.0.1:${address.port}`;
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('no password, token, session cookie or CSRF token is ever logged', async () => {
  const shown = announced.join('');
  const adminPassword = /admin password:\s+(\S+)/.exec(shown)?.[1];
  const webhookToken = /webhook token:\s+(\S+)/.exec(shown)?.[1];
  expect(adminPassword).toBeDefined();
  expect(webhookToken).toBeDefined();
  const secrets: string[] = [adminPassword!, webhookToken!];

  const admin = new Client(url);
  expect((await admin.login('admin', 'a-wrong-password-for-the-log')).status).toBe(401);
  secrets.push('a-wrong-password-for-the-log');
  expect((await admin.request('POST', '/api/auth/login', `{"username":"admin","password":"${'half-typed-secret'}"`, { 'content-type': 'application/json' })).status).toBe(400);
  secrets.push('half-typed-secret');
  const login = await admin.login('admin', adminPassword!);
  expect(login.status).toBe(200);
  secrets.push(admin.cookie!.split('=')[1]!, admin.csrf!);

  expect((await admin.send('POST', '/api/users', { username: 'logged', password: 'new-user-password-in-body', role: 'viewer' })).status).toBe(201);
  secrets.push('new-user-password-in-body');
  expect((await admin.send('POST', '/api/users', { username: 'x', password: 'short-pw', role: 'nope' })).status).toBe(400);
  secrets.push('short-pw');
  const created = await admin.send('POST', '/api/tokens', { name: 'log-test', role: 'admin' });
  expect(created.status).toBe(201);
  const apiToken: string = created.body.token;
  secrets.push(apiToken);
  const bot = new Client(url);
  bot.bearer = apiToken;
  expect((await bot.request('GET', '/api/incidents')).status).toBe(200);
  bot.bearer = `${apiToken}x`;
  expect((await bot.request('GET', '/api/incidents')).status).toBe(401);

  const hook = (token: string, body: unknown) => new Client(url).request('POST', '/api/webhooks/alertmanager', body, { authorization: `Bearer ${token}` });
  expect((await hook(webhookToken!, firing)).status).toBe(200);
  expect((await hook('a-wrong-webhook-token-value', firing)).status).toBe(401);
  secrets.push('a-wrong-webhook-token-value');
  expect((await hook(webhookToken!, { ...firing, version: 3 })).status).toBe(400);

  // Sign-in through socket.io too (the handshake carries the cookie).
  const { io } = await import('socket.io-client');
  const socket = io(url, { extraHeaders: { cookie: admin.cookie! }, transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('server:hello', () => resolve());
    socket.once('connect_error', reject);
  });
  socket.close();
  expect((await admin.send('POST', '/api/auth/logout')).status).toBe(204);

  await new Promise((r) => setTimeout(r, 200));
  const log = logLines.join('\n');
  // The log did record these moments (so silence is not why the secrets are absent).
  expect(log).toMatch(/alertmanager webhook/);
  expect(logLines.length).toBeGreaterThan(5);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(7);
    expect(log.includes(secret), `a secret (${secret.slice(0, 4)}…) appears in the log`).toBe(false);
  }
  // Nor their stored forms' inputs in an encoded shape people might paste.
  expect(log.includes(Buffer.from(adminPassword!).toString('base64'))).toBe(false);
  for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
});
