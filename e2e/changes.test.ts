// A change in a real browser against Vigil started by `npm start` on the real daemon: a plain
// container recreated from v1 to v2 (which crashes 1.5 s after it starts), the incident page's
// charts carry the change marker, the suspected change is shown with its roll back (the dialog
// names container, host and images), and the board row says how long before it broke the change
// was made. Screenshots in test-artifacts/e2e.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleMessage, Page } from 'playwright-core';
import { BASE_IMAGE, ensureBaseImage } from '../server/test/harness/base-image.ts';
import { describeWith, requireComponent, type Availability } from '../server/test/harness/components.ts';
import { docker, ensureDockerDaemon, removeContainer, removeImage } from '../server/test/harness/docker.ts';
import { trackContainer, trackImage } from '../server/test/harness/resources.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { screenshot } from './harness/flow.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const parts = await requireComponent('dockerd and the base image', async () => ({ daemon: await ensureDockerDaemon(), base: await ensureBaseImage() }));
const ready: Availability<{ executablePath: string; endpoint: string }> = chromium.ok && parts.ok
  ? { ok: true, value: { executablePath: chromium.value, endpoint: parts.value.daemon.endpoint } }
  : { ok: false, reason: chromium.ok ? (parts.ok ? '' : parts.reason) : chromium.reason };

const suffix = randomUUID().slice(0, 8);
const REPO = `vigil-e2e-chg-${suffix}`;
const SERVICE = `e2e-shop-${suffix}`;
const NAME = `${REPO}-shop`;
const APP = "process.on('SIGTERM',()=>process.exit(0));if(process.env.CRASH_AFTER_MS)setTimeout(()=>process.exit(3),Number(process.env.CRASH_AFTER_MS));setInterval(()=>{},1e9);";

describeWith(ready, 'a change in a browser', ({ executablePath, endpoint }) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let page: Page;
  let incidentId = '';
  const containers = new Set<string>();
  // The charts' metrics query while Vigil has not yet noticed that no Prometheus answers (the panel says so).
  // and the 409 of a Compose service's roll back (the page shows the command instead).
  const ignore = (msg: ConsoleMessage): boolean => (msg.text().includes('status of 503') && /\/api\/metrics\/query_range\?/.test(msg.location().url))
    || (msg.text().includes('status of 409') && /\/api\/changes\/[^/]+\/rollback$/.test(msg.location().url));

  async function build(tag: string, env: string[]): Promise<void> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-chg-'));
    try {
      writeFileSync(path.join(dir, 'app.js'), APP);
      writeFileSync(path.join(dir, 'Dockerfile'), [`FROM ${BASE_IMAGE}`, ...env.map((e) => `ENV ${e}`), 'COPY app.js /app.js', 'CMD ["node", "/app.js"]', ''].join('\n'));
      trackImage(tag);
      await docker(['build', '-q', '-t', tag, dir], { timeoutMs: 300_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function run(image: string, name = NAME, labels: Record<string, string> = { 'vigil.service': SERVICE, 'vigil.changed-by': 'e2e-deploy' }): Promise<string> {
    const id = await docker(['run', '-d', '--name', name, '--network', 'none', '--label', 'vigil.test=1', ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), image]);
    trackContainer(id);
    containers.add(id);
    return id;
  }

  async function poll<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  let admin: Client;

  /** v1, then (as a deploy does) v2 in its place; resolves with the incident that names the change. */
  async function deploy(name: string, service: string, labels: Record<string, string>): Promise<string> {
    await run(`${REPO}:v1`, name, labels);
    await poll('v1 in the inventory', 15_000, async () => {
      const list = (await admin.request('GET', '/api/containers')).body as Array<{ name: string; state: string }>;
      return list.some((c) => c.name === name && c.state === 'running') ? true : undefined;
    });
    // The change tracker compares each container once it has inspected it: give it v1 before v2 comes.
    await new Promise((r) => setTimeout(r, 500));
    const old = await docker(['inspect', '--format', '{{.Id}}', name]);
    await docker(['stop', '-t', '2', old]);
    await docker(['rename', old, `${name}-old`]);
    await run(`${REPO}:v2`, name, labels);
    await removeContainer(old);
    return poll('an incident naming the change', 30_000, async () => {
      const list = (await admin.request('GET', `/api/incidents?status=all&service=${service}`)).body.items as Array<{ id: string; suspectedChange?: unknown }>;
      return list.find((i) => i.suspectedChange !== undefined)?.id;
    });
  }

  beforeAll(async () => {
    await build(`${REPO}:v1`, ['APP_VERSION=v1']);
    await build(`${REPO}:v2`, ['APP_VERSION=v2', 'CRASH_AFTER_MS=1500']);
    vigil = await startVigil({ name: 'changes', env: { DOCKER_HOSTS: endpoint, QUIET_PERIOD_SECONDS: '600' } });
    admin = new Client(vigil.baseUrl);
    await admin.login('admin', vigil.adminPassword);
    incidentId = await deploy(NAME, SERVICE, { 'vigil.service': SERVICE, 'vigil.changed-by': 'e2e-deploy' });
    browser = await openBrowser(executablePath, { signIn: { vigil }, ignoreConsole: ignore });
    page = browser.page;
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    for (const id of containers) await removeContainer(id);
    await removeContainer(NAME);
    await removeContainer(`${NAME}-web`);
    await removeImage(`${REPO}:v1`);
    await removeImage(`${REPO}:v2`);
  });

  it('the board says the incident broke shortly after a change', async () => {
    await page.goto(`${vigil.baseUrl}/`);
    const changed = page.getByTestId('changed-before').first();
    await changed.waitFor();
    expect(await changed.textContent()).toMatch(/changed \d+ s before it broke/);
  });

  it('the incident page shows the change on its charts and as the suspected change, with a roll back that asks first', async () => {
    await page.goto(`${vigil.baseUrl}/incidents/${encodeURIComponent(incidentId)}`);
    const panel = page.getByTestId('suspected-change');
    await panel.waitFor();
    expect(await page.getByTestId('change-images').textContent()).toMatch(new RegExp(`^${REPO}:v1 → ${REPO}:v2, \\d+ s before it broke \\(by e2e-deploy\\)$`));
    const charts = page.getByTestId('metric-chart');
    await charts.first().waitFor();
    const markers = JSON.parse(await charts.first().getAttribute('data-markers') ?? '[]') as Array<{ label: string; tone: string; at: string }>;
    expect(markers).toEqual(expect.arrayContaining([expect.objectContaining({ tone: 'change', label: `change → ${REPO}:v2` })]));
    expect(await charts.count()).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < await charts.count(); i++) expect(await charts.nth(i).getAttribute('data-markers')).toContain('"tone":"change"');
    const timeline = page.locator('[data-testid="timeline-entry"][data-kind="incident.suspected_change"]');
    await timeline.first().waitFor();
    expect(await timeline.first().textContent()).toContain(`suspected change: ${SERVICE} ${REPO}:v1 → ${REPO}:v2`);
    await screenshot(page, 'change-incident.png');

    await page.getByTestId('rollback-button').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('dialog-container').textContent()).toBe(NAME);
    expect(await dialog.getByTestId('dialog-host').textContent()).toBe(endpoint);
    expect(await dialog.getByTestId('dialog-image').textContent()).toBe(`${REPO}:v1`);
    await screenshot(page, 'change-rollback-dialog.png');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    const outcome = page.getByTestId('rollback-outcome');
    await outcome.waitFor();
    expect(await outcome.getAttribute('data-kind')).toBe('started');
    const rolled = page.locator('[data-testid="timeline-entry"][data-kind="action.rollback_result"]');
    await rolled.first().waitFor({ timeout: 30_000 });
    expect(await rolled.first().textContent()).toContain(`${SERVICE} rolled back to ${REPO}:v1`);
    expect(await docker(['inspect', '--format', '{{.Config.Image}} {{.State.Running}}', NAME])).toBe(`${REPO}:v1 true`);
    await screenshot(page, 'change-rolled-back.png');
  });

  it('a Compose service\'s roll back is refused with the command to run, and a copy button', async () => {
    const service = `e2e-web-${suffix}`;
    const id = await deploy(`${NAME}-web`, service, { 'com.docker.compose.project': 'vigile2e', 'com.docker.compose.service': service });
    await page.goto(`${vigil.baseUrl}/incidents/${encodeURIComponent(id)}`);
    await page.getByTestId('rollback-button').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    const outcome = page.getByTestId('rollback-outcome');
    await outcome.waitFor();
    expect(await outcome.getAttribute('data-kind')).toBe('refused');
    expect(await page.getByTestId('rollback-command').textContent()).toMatch(new RegExp(`^docker tag sha256:[0-9a-f]{64} ${REPO}:v2 && docker-compose -p vigile2e up -d --no-deps ${service}$`));
    expect(await page.getByTestId('copy-command').isVisible()).toBe(true);
    await screenshot(page, 'change-compose-refused.png');
  });
});
