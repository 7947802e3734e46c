// Alert history in a real browser against Vigil started by `npm start`: alerts delivered through
// the Alertmanager webhook, then the Alerts page finds one by a label typed as key=value — its row
// appears, another alert's row does not — with the search kept in the URL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWith } from '../server/test/harness/components.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { alertmanagerWebhook, postWebhook, screenshot } from './harness/flow.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const TOKEN = `alerts-${randomUUID()}`;
const run = randomUUID().slice(0, 6);

describeWith(chromium, 'the alert history in a browser', (executablePath) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    vigil = await startVigil({ name: 'alerts', env: { WEBHOOK_TOKEN: TOKEN } });
    const body = alertmanagerWebhook([
      { name: 'DiskFull', service: 'storage-db', severity: 'warning', summary: 'disk 95 %', status: 'firing' },
      { name: 'ApiDown', service: 'public-api', severity: 'critical', summary: 'api is down', status: 'firing' },
    ], run) as { alerts: Array<{ labels: Record<string, string> }> };
    body.alerts[0]!.labels['team'] = 'storage';
    body.alerts[1]!.labels['team'] = 'edge';
    const res = await postWebhook(vigil.baseUrl, TOKEN, body);
    expect(res.status, res.text).toBe(200);
    browser = await openBrowser(executablePath, { signIn: { vigil } });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('lists every alert, and a key=value label search keeps only the matching one', async () => {
    await page.getByTestId('nav-alerts').click();
    const rows = page.getByTestId('alert-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);

    await page.getByTestId('alert-search').fill('team=storage');
    await page.getByTestId('alert-search').press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('search')).toBe('team=storage');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
    const row = rows.first();
    expect(await row.textContent()).toContain('DiskFull');
    expect(await row.textContent()).toContain('storage-db');
    expect(await row.textContent()).toContain('firing');
    expect(await page.getByTestId('alerts-table').textContent()).not.toContain('ApiDown');
    // The alert's incident is one click away.
    expect(await row.locator('a').count()).toBeGreaterThan(0);
    await screenshot(page, 'alert-history-label-search.png');

    // The URL holds the search: a reload shows the same.
    await page.reload();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId('alert-search').inputValue()).toBe('team=storage');

    await page.getByTestId('alert-search').fill('team=nobody');
    await page.getByTestId('alert-search').press('Enter');
    await page.getByTestId('alerts-empty').waitFor();
  });
});
