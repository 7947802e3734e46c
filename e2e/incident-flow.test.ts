// The on-call loop in a real browser, against Vigil started by `npm start` (embedded store), the
// real dockerd and a real Prometheus: a container is killed → its incident is on the open board
// within 1 s, without a reload → Restart (asked once, naming container and host) → the container
// runs and the incident is mitigated → a viewer sees Restart refused, with why. HTML in a service
// label, a container label and an alert annotation stays text. Screenshots in both themes.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWith, requireComponent, type Availability } from '../server/test/harness/components.ts';
import { ensureBaseImage } from '../server/test/harness/base-image.ts';
import { docker, ensureDockerDaemon, removeContainer } from '../server/test/harness/docker.ts';
import { freePort } from '../server/test/harness/ports.ts';
import { prometheusBinary, startPrometheus, type RunningPrometheus } from '../server/test/harness/prometheus.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { artifactsDir, startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { alertmanagerWebhook, containerState, METRICS_SERVICE_JS, postWebhook, runTestContainer, screenshot, screenshotThemes, watchFor, type TestContainer } from './harness/flow.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const parts = await requireComponent('dockerd, the base image and Prometheus', async () => ({
  daemon: await ensureDockerDaemon(),
  base: await ensureBaseImage(),
  prometheus: prometheusBinary(),
}));
const ready: Availability<{ executablePath: string; endpoint: string; image: string }> = chromium.ok && parts.ok
  ? { ok: true, value: { executablePath: chromium.value, endpoint: parts.value.daemon.endpoint, image: parts.value.base.tag } }
  : { ok: false, reason: chromium.ok ? (parts.ok ? '' : parts.reason) : chromium.reason };

const suffix = randomUUID().slice(0, 8);
const SERVICE = `e2e-web-${suffix}`;
const PAYLOAD_SERVICE = `<img src=x onerror="window.__xss=1">e2e-${suffix}`;
const LABEL_PAYLOAD = '<script>window.__xss=2</script>';
/** The alert's own service, so its incident is not the one the payload container's death opens. */
const ALERT_SERVICE = `${PAYLOAD_SERVICE}-alert`;
const ANNOTATION = '<img src=x onerror="window.__xss=3"><b>not bold</b>';
const WEBHOOK_TOKEN = `e2e-${randomUUID()}`;
const VIEWER = { username: 'vera', password: `viewer-${randomUUID()}` };
const KILL_TO_BOARD_BUDGET_MS = 1_000;

/** What an injection would leave behind: a global set by a handler, elements made from the payloads. */
function injectedMarkup(page: Page) {
  return page.evaluate(() => ({
    xss: (window as unknown as { __xss?: unknown }).__xss ?? null,
    images: document.querySelectorAll('img').length,
    inlineScripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
    bold: [...document.querySelectorAll('b')].filter((b) => b.textContent === 'not bold').length,
  }));
}

const openRow = (page: Page, text: string) => page.getByTestId('incidents-open').locator('tbody tr').filter({ hasText: text });

describeWith(ready, 'the incident flow in a browser', ({ executablePath, endpoint, image }) => {
  let vigil: VigilProcess;
  let prometheus: RunningPrometheus;
  let browser: BrowserSession;
  let page: Page;
  let target: TestContainer;
  let payload: TestContainer;
  let db: TestContainer;
  let scrapingSince = 0;
  let incidentPath: string | null = null;
  let killedAtMs = 0;
  /** Why the flow cannot work on this server yet (a route that has not landed), for the failure messages. */

  beforeAll(async () => {
    const metricsPort = await freePort();
    target = await runTestContainer({
      image, name: `vigil-e2e-web-${suffix}`, labels: { 'com.docker.compose.service': SERVICE },
      env: { PORT: String(metricsPort) }, script: METRICS_SERVICE_JS,
    });
    payload = await runTestContainer({
      image, name: `vigil-e2e-payload-${suffix}`,
      labels: { 'com.docker.compose.service': PAYLOAD_SERVICE, 'e2e.note': LABEL_PAYLOAD },
      script: 'setInterval(() => {}, 1 << 30)',
    });
    // Supervised, healthy, and not to be restarted by Vigil: how the containers page shows all that.
    db = await runTestContainer({
      image, name: `vigil-e2e-db-${suffix}`,
      labels: { 'com.docker.compose.service': `e2e-db-${suffix}`, 'vigil.supervise': 'true', 'vigil.restartable': 'false' },
      health: ['--health-cmd', 'node -e 0', '--health-interval', '1s'],
      script: 'setInterval(() => {}, 1 << 30)',
    });
    prometheus = await startPrometheus({
      configYaml: `scrape_configs:\n  - job_name: ${JSON.stringify(SERVICE)}\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n`,
      scrapeInterval: '1s',
    });
    scrapingSince = Date.now();
    // A long quiet period: the incident stays mitigated (not resolved) while the test looks at it.
    vigil = await startVigil({
      name: 'incident-flow',
      env: { DOCKER_HOSTS: endpoint, PROMETHEUS_URL: prometheus.url, WEBHOOK_TOKEN, QUIET_PERIOD_SECONDS: '600' },
    });
    const admin = new Client(vigil.baseUrl);
    await admin.login('admin', vigil.adminPassword);
    const created = await admin.request('POST', '/api/users', { ...VIEWER, role: 'viewer' }, { 'x-csrf-token': String(admin.csrf) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await admin.request('GET', '/api/containers')).status).toBe(200);

    browser = await openBrowser(executablePath, { signIn: { vigil } });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    await prometheus?.stop();
    if (target) await removeContainer(target.id);
    if (payload) await removeContainer(payload.id);
    if (db) await removeContainer(db.id);
  });

  it('shows a killed container\'s incident on the open board within 1 s, without a reload', async () => {
    await page.getByTestId('open-incidents').waitFor();
    // Half a minute of metrics before the outage, so the chart has a "before" to show.
    await page.waitForTimeout(Math.max(0, scrapingSince + 30_000 - Date.now()));
    await page.evaluate(() => { (window as unknown as { __sameDocument: boolean }).__sameDocument = true; });
    const watch = await watchFor(page, 'incident', '[data-testid="incidents-open"] tbody tr', SERVICE);

    const killedAt = Date.now();
    await docker(['kill', target.id]);
    const seenAt = await watch.seenAt(10_000);
    expect(seenAt, `no incident for ${SERVICE} on the open board within 10 s of the kill`).not.toBeNull();
    const latencyMs = (seenAt ?? 0) - killedAt;
    fs.writeFileSync(path.join(artifactsDir, 'kill-to-board.json'), `${JSON.stringify({ service: SERVICE, latencyMs }, null, 2)}\n`);
    process.stdout.write(`kill → open board: ${latencyMs} ms\n`);
    expect(latencyMs, `kill → open board took ${latencyMs} ms`).toBeLessThan(KILL_TO_BOARD_BUDGET_MS);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    const row = openRow(page, SERVICE);
    expect(await row.getAttribute('data-status')).toBe('open');
    expect(await row.textContent()).toMatch(/Critical|Warning/);
    expect(await row.textContent()).toMatch(/down \d+ s/);
    incidentPath = `/incidents/${await row.getAttribute('data-incident-id')}`;
    killedAtMs = killedAt;

    await page.waitForTimeout(2_500); // the age has ticked, the statistics caught up
    await screenshotThemes(page, 'board');
  });

  it('opens the incident, restarts the container after one confirmation, and sees it running and mitigated', async () => {
    expect(incidentPath, `no incident to open`).not.toBeNull();
    await openRow(page, SERVICE).getByRole('link').click();
    await page.waitForURL((url) => /^\/incidents\/[^/]+$/.test(url.pathname));
    const opened = new URL(page.url()).pathname;
    if (opened !== incidentPath) {
      // A signal that happened earlier arrived later (Prometheus's failed scrape can predate
      // Docker's die) and the incident was re-derived under another id: the old link leads here.
      await page.goto(`${vigil.baseUrl}${incidentPath}`);
      await page.waitForURL((url) => url.pathname === opened, { timeout: 10_000 });
      expect(new URL(page.url()).searchParams.get('mergedFrom')).toBe(incidentPath?.split('/').pop());
      incidentPath = opened;
    }
    await page.getByTestId('timeline').getByText(/container died/).first().waitFor();
    await expect.poll(() => page.getByTestId('chart-panel').getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');

    // `r` asks the same question; Esc backs out and gives focus back.
    await page.locator('h1').click();
    await page.keyboard.press('r');
    const asked = page.getByRole('dialog', { name: `Restart ${target.name}?` });
    await asked.waitFor();
    await page.keyboard.press('Escape');
    await asked.waitFor({ state: 'hidden' });
    expect(await containerState(target.id)).toBe('exited');

    // Someone reads the page before acting: the outage lasts long enough to show on the chart.
    await page.waitForTimeout(Math.max(0, killedAtMs + 8_000 - Date.now()));
    const control = page.getByTestId(`restart-${target.name}`);
    await control.getByRole('button', { name: 'Restart' }).click({ timeout: 10_000 }).catch((err: unknown) => {
      throw new Error(`no Restart for ${target.name} on the incident page`, { cause: err });
    });
    const dialog = page.getByRole('dialog', { name: `Restart ${target.name}?` });
    await dialog.waitFor();
    expect(await dialog.getByTestId('dialog-container').textContent()).toBe(target.name);
    expect((await dialog.getByTestId('dialog-host').textContent())?.trim()).not.toBe('');
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    await dialog.getByRole('button', { name: 'Restart' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const outcome = control.getByTestId('restart-outcome');
    await expect.poll(() => outcome.textContent(), { timeout: 20_000 }).toMatch(/running again|restarted/);
    await expect.poll(() => page.getByTestId('incident-containers').getByTestId('container-state').first().textContent(), { timeout: 20_000 }).toContain('running');
    await expect.poll(() => page.getByTestId('incident-status').getAttribute('data-status'), { timeout: 20_000 }).toBe('mitigated');
    expect(await containerState(target.id)).toBe('running');
    await page.getByTestId('timeline').getByText(/restart requested by admin/).waitFor();

    // Let Prometheus scrape the restarted target for a while, and the chart take in the mitigated moment.
    await page.waitForTimeout(8_000);
    await page.reload();
    await expect.poll(() => page.getByTestId('chart-panel').getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');
    await page.waitForTimeout(500);
    await screenshotThemes(page, 'incident', 300);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'incident-phone.png');
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('lists the containers per host, live, in both themes', async () => {
    await page.getByRole('link', { name: 'Containers' }).click();
    await page.waitForURL((url) => url.pathname === '/containers');
    const row = page.locator(`tr[data-container="${target.name}"]`);
    await row.waitFor({ timeout: 10_000 }).catch((err: unknown) => { throw new Error(`${target.name} is not listed`, { cause: err }); });
    expect(await row.getByTestId('container-state').textContent()).toContain('running');
    expect(await row.textContent()).toContain(SERVICE);

    const dbRow = page.locator(`tr[data-container="${db.name}"]`);
    await expect.poll(() => dbRow.textContent(), { timeout: 20_000 }).toMatch(/healthy.*not healed: vigil\.restartable=false/s);
    expect(await dbRow.getByRole('button', { name: 'Restart' }).isDisabled()).toBe(true);
    expect(await dbRow.getByTestId('restart-refusal').textContent()).toBe('not restartable (label)');
    await dbRow.getByRole('button', { name: `Pause supervision of ${db.name}` }).click();
    await expect.poll(() => dbRow.textContent()).toContain('paused');
    await dbRow.getByRole('button', { name: `Resume supervision of ${db.name}` }).waitFor();
    await screenshotThemes(page, 'containers');
  });

  it('shows a viewer Restart disabled, with the reason', async () => {
    expect(incidentPath, `no incident to open`).not.toBeNull();
    const viewer = await openBrowser(executablePath, { signIn: { vigil, as: VIEWER } });
    try {
      await viewer.page.goto(`${vigil.baseUrl}${incidentPath}`);
      const control = viewer.page.getByTestId(`restart-${target.name}`);
      const button = control.getByRole('button', { name: 'Restart' });
      await button.waitFor();
      expect(await button.isDisabled()).toBe(true);
      const reason = 'Only responders and admins can restart containers; you are signed in as viewer.';
      expect(await control.getByTestId('restart-refusal').textContent()).toBe(reason);
      expect(await control.getByTestId('restart-refusal').isVisible()).toBe(true);
      expect(await viewer.page.getByTestId('actions-refusal').textContent()).toContain('you are signed in as viewer');
      await screenshot(viewer.page, 'incident-viewer.png');

      await viewer.page.goto(`${vigil.baseUrl}/containers`);
      const row = viewer.page.locator(`tr[data-container="${target.name}"]`);
      expect(await row.getByRole('button', { name: 'Restart' }).isDisabled()).toBe(true);
      expect(await viewer.page.getByTestId('viewer-note').textContent()).toContain('Restart and supervision need a responder or an admin');
      expect(viewer.problems).toEqual([]);
    } finally {
      await viewer.close();
    }
  });

  it('renders HTML in an alert annotation as inert text', async () => {
    await page.goto(`${vigil.baseUrl}/`);
    await page.getByTestId('open-incidents').waitFor();
    const watch = await watchFor(page, 'alert', '[data-testid="incidents-open"] tbody tr', `e2e-${suffix}`);
    const hook = await postWebhook(vigil.baseUrl, WEBHOOK_TOKEN, alertmanagerWebhook([
      { name: 'E2EPayload', service: ALERT_SERVICE, severity: 'warning', summary: ANNOTATION, status: 'firing' },
    ], suffix));
    expect(hook.status, hook.text).toBe(200);
    expect(await watch.seenAt(10_000), 'no incident for the alert on the open board').not.toBeNull();
    const row = openRow(page, `e2e-${suffix}`);
    expect(await row.textContent()).toContain(ALERT_SERVICE);
    expect(await row.textContent()).toContain(ANNOTATION);

    await row.getByRole('link').click();
    await page.waitForURL((url) => url.pathname.startsWith('/incidents/'));
    const alertEntry = page.getByTestId('timeline-entry').filter({ hasText: 'E2EPayload' }).first();
    await alertEntry.waitFor({ timeout: 10_000 });
    expect(await alertEntry.textContent()).toContain(ANNOTATION);
    expect(await page.getByTestId('incident-title').textContent()).toContain(ANNOTATION);
    expect(await injectedMarkup(page)).toEqual({ xss: null, images: 0, inlineScripts: 0, bold: 0 });
    await screenshot(page, 'incident-alert-payload.png');
  });

  it('renders HTML in a service label and a container label as inert text, and the death live', async () => {
    // The containers page follows Docker live: the kill shows without a reload.
    await page.getByRole('link', { name: 'Containers' }).click();
    const listed = page.locator(`tr[data-container="${payload.name}"]`);
    await listed.waitFor();
    expect(await listed.textContent()).toContain(PAYLOAD_SERVICE);
    const stateWatch = await watchFor(page, 'payload-state', `tr[data-container="${payload.name}"] [data-testid="container-state"]`, 'exited');
    await docker(['kill', payload.id]);
    expect(await stateWatch.seenAt(10_000), `the containers page did not show ${payload.name} exited`).not.toBeNull();

    await page.getByRole('link', { name: 'Board', exact: true }).click();
    const died = `${PAYLOAD_SERVICE} container died`;
    const row = openRow(page, died);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain(PAYLOAD_SERVICE);

    await row.getByRole('link').click();
    await page.waitForURL((url) => url.pathname.startsWith('/incidents/'));
    const entry = page.getByTestId('timeline-entry').filter({ hasText: 'container died' }).first();
    await entry.waitFor();
    expect(await entry.textContent()).toContain(PAYLOAD_SERVICE);
    await entry.locator('details.raw > summary').click();
    expect(await entry.locator('details.raw pre').textContent()).toContain(LABEL_PAYLOAD);
    expect(await injectedMarkup(page)).toEqual({ xss: null, images: 0, inlineScripts: 0, bold: 0 });
    expect(browser.problems).toEqual([]);
  });
});
