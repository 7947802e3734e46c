// Silences in a real browser, against Vigil started by `npm start` with ALERTMANAGER_URL pointing at a
// real Alertmanager (the sample route file, delivering to Vigil): an alert opens an incident; the
// incident page's Acknowledge button → the Silences panel shows Vigil's silence active until its end,
// and Alertmanager has it; an admin sets the longest silence in the Silences tab.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { alertmanagerBinary } from '../server/test/harness/alertmanager.ts';
import { describeWith, requireComponent, type Availability } from '../server/test/harness/components.ts';
import { freePort } from '../server/test/harness/ports.ts';
import { startSampleAlertmanager } from '../server/test/harness/sample-stack.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { screenshot } from './harness/flow.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const am = await requireComponent('alertmanager', alertmanagerBinary);
const ready: Availability<string> = chromium.ok && am.ok ? { ok: true, value: chromium.value } : { ok: false, reason: chromium.ok ? (am.ok ? '' : am.reason) : chromium.reason };

const suffix = randomUUID().slice(0, 8);
const SERVICE = `e2e-silenced-${suffix}`;
const TOKEN = `e2e-silences-token-${suffix}`;

describeWith(ready, 'silences in a browser', (executablePath) => {
  let vigil: VigilProcess;
  let alertmanager: Awaited<ReturnType<typeof startSampleAlertmanager>>;
  let browser: BrowserSession;
  let page: Page;
  let admin: Client;

  beforeAll(async () => {
    const amPort = await freePort();
    const port = await freePort();
    vigil = await startVigil({
      name: 'silences', port,
      env: { ALERTMANAGER_URL: `http://127.0.0.1:${amPort}`, WEBHOOK_TOKEN: TOKEN, PUBLIC_URL: `http://127.0.0.1:${port}`, PROMETHEUS_POLL_SECONDS: '0', QUIET_PERIOD_SECONDS: '600' },
    });
    alertmanager = await startSampleAlertmanager(`${vigil.baseUrl}/api/webhooks/alertmanager`, TOKEN, { port: amPort });
    browser = await openBrowser(executablePath, { signIn: { vigil } });
    page = browser.page;
    admin = new Client(vigil.baseUrl);
    expect((await admin.login('admin', vigil.adminPassword)).status).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await alertmanager?.stop();
    await vigil?.stop();
  });

  it('Acknowledge on the incident page silences its alert; the panel shows it active, by Vigil, until its end', async () => {
    const posted = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'BackendDown', service: SERVICE, severity: 'critical' }, annotations: { summary: `${SERVICE} is down` }, startsAt: new Date(Date.now() - 1000).toISOString() }]),
    });
    expect(posted.status).toBe(200);
    let id = '';
    await expect.poll(async () => {
      id = (await admin.request('GET', `/api/incidents?service=${SERVICE}`)).body.items[0]?.id ?? '';
      return id;
    }, { timeout: 30_000 }).not.toBe('');

    await page.goto(`${vigil.baseUrl}/incidents/${id}`);
    const panel = page.getByTestId('incident-silences');
    await expect.poll(() => panel.textContent(), { timeout: 15_000 }).toContain('Acknowledging silences its firing alerts in Alertmanager');
    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();

    const row = panel.getByTestId('silence');
    await expect.poll(() => row.first().getAttribute('data-state'), { timeout: 30_000 }).toBe('active');
    const text = await row.first().textContent();
    expect(text).toContain('BackendDown');
    expect(text).toContain('by Vigil');
    expect(text).toMatch(/until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC/);
    const silences = await (await fetch(`${alertmanager.url}/api/v2/silences`)).json() as Array<{ createdBy: string; comment: string; status: { state: string } }>;
    expect(silences.filter((s) => s.createdBy === 'vigil' && s.comment.includes(id)).map((s) => s.status.state)).toEqual(['active']);
    // The timeline says it too.
    await expect.poll(() => page.locator('[data-kind="silence.created"]').count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, 'silences-incident.png');
  });

  it('an admin sets the longest silence in the Silences tab', async () => {
    await page.goto(`${vigil.baseUrl}/admin?tab=silences`);
    const tab = page.getByTestId('admin-silences');
    const minutes = tab.getByLabel('Minutes');
    await expect.poll(() => minutes.inputValue(), { timeout: 15_000 }).toBe('240');
    await minutes.fill('90');
    await tab.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => tab.getByTestId('silences-done').textContent(), { timeout: 15_000 }).toBe('Saved: silences made from now on last at most 1 h 30 min.');
    expect((await admin.request('GET', '/api/silence-settings')).body).toEqual({ maxDurationSeconds: 5_400 });
  });
});
