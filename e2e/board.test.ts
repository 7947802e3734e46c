// The board in a real browser against Vigil started by `npm start`, fed through the real
// Alertmanager webhook: live rows without reload, biggest first, the keyboard (j/k, Enter, a, ?),
// history with search, filters and cursor paging, MTTA/MTTR per service, a phone's width.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWith } from '../server/test/harness/components.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { alertmanagerWebhook, postWebhook, screenshot, watchFor, type AlertSpec } from './harness/flow.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const TOKEN = `board-${randomUUID()}`;
const run = randomUUID().slice(0, 6);
/** More than one page of history (the board reads 50 at a time). */
const HISTORY_COUNT = 53;

describeWith(chromium, 'the board in a browser', (executablePath) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let page: Page;

  async function send(alerts: AlertSpec[]): Promise<void> {
    const res = await postWebhook(vigil.baseUrl, TOKEN, alertmanagerWebhook(alerts, run));
    expect(res.status, res.text).toBe(200);
  }

  beforeAll(async () => {
    vigil = await startVigil({ name: 'board', env: { WEBHOOK_TOKEN: TOKEN, QUIET_PERIOD_SECONDS: '1' } });
    // History: alerts that fired and resolved, for more than one page.
    const old = Array.from({ length: HISTORY_COUNT }, (_, i) => ({
      name: 'OldOutage', service: `hist-${String(i).padStart(2, '0')}`, severity: 'warning' as const, summary: `old outage ${i}`, status: 'firing' as const,
    }));
    await send(old);
    await send(old.map((a) => ({ ...a, status: 'resolved' as const })));
    // The incident page asks for the containers; a server without the Docker routes answers 404 (the page says so).
    const admin = new Client(vigil.baseUrl);
    await admin.login('admin', vigil.adminPassword);
    browser = await openBrowser(executablePath, { signIn: { vigil } });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('says calmly that nothing is open, and how to see an incident', async () => {
    const empty = page.getByTestId('board-empty');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('No open incidents');
    expect(await empty.textContent()).toContain('npm run gameday');
  });

  it('shows new incidents live, without a reload, biggest first', async () => {
    await page.evaluate(() => { (window as unknown as { __same: boolean }).__same = true; });
    const watch = await watchFor(page, 'db', '[data-testid="incidents-open"] tbody tr', 'db-primary');
    await send([{ name: 'SlowQueries', service: 'search', severity: 'warning', summary: 'search is slow', status: 'firing' }]);
    await send([{ name: 'DatabaseDown', service: 'db-primary', severity: 'critical', summary: 'db-primary is down', status: 'firing' }]);
    expect(await watch.seenAt(10_000)).not.toBeNull();
    const rows = page.getByTestId('incidents-open').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('db-primary');
    expect(await rows.nth(0).getAttribute('data-status')).toBe('open');
    expect(await rows.nth(0).textContent()).toMatch(/Critical.*Open.*nobody yet/s);
    expect(await rows.nth(1).textContent()).toContain('Warning');
    expect(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);
  });

  it('moves with j/k, acknowledges with a, opens with Enter', async () => {
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('j');
    const first = page.getByTestId('incidents-open').locator('tbody tr').nth(0);
    await expect.poll(() => first.getAttribute('aria-current')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('aria-current'))).toBe('true');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await expect.poll(() => first.getAttribute('aria-current')).toBe('true');

    await page.keyboard.press('a');
    await expect.poll(() => first.getAttribute('data-status')).toBe('acknowledged');
    expect(await first.textContent()).toContain('admin');
    await screenshot(page, 'board-keyboard.png');

    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname.startsWith('/incidents/'));
    await page.getByTestId('timeline').getByText('acknowledged by admin').waitFor();
    expect(await page.getByTestId('incident-title').textContent()).toContain('DatabaseDown');
  });

  it('lists the shortcuts on ?, in a dialog that gives focus back', async () => {
    await page.goBack();
    await page.getByTestId('incidents-open').waitFor();
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('?');
    const dialog = page.getByTestId('shortcuts');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/Next incident.*Acknowledge the selected incident.*Restart the container/s);
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('pages the history by cursor, and searches and filters it', async () => {
    const history = page.getByTestId('incidents-history').locator('tbody tr');
    await expect.poll(() => history.count(), { timeout: 20_000 }).toBe(50);
    await page.getByRole('button', { name: 'Load older incidents' }).click();
    await expect.poll(() => history.count()).toBe(HISTORY_COUNT);
    expect(await page.getByRole('button', { name: 'Load older incidents' }).count()).toBe(0);

    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('history-search');
    await page.keyboard.type('outage hist-42');
    await expect.poll(() => history.count()).toBe(1);
    expect(await history.first().textContent()).toContain('old outage 42');
    expect(new URL(page.url()).searchParams.get('q')).toBe('outage hist-42');
    await page.getByLabel('Search').fill('');

    const service = page.getByLabel('Service', { exact: true });
    await service.fill('hist-07');
    await service.press('Enter');
    await service.blur();
    await expect.poll(() => history.count()).toBe(1);
    await service.fill('');
    await service.press('Enter');
    await service.blur();
    await page.getByLabel('Status').selectOption('all');
    await expect.poll(() => history.count()).toBe(50);
  });

  it('shows MTTA and MTTR per service', async () => {
    const stats = page.getByTestId('service-stats');
    await expect.poll(() => stats.locator('tbody tr').count(), { timeout: 10_000 }).toBe(10);
    await stats.getByRole('button', { name: /Show all \d+ services/ }).click();
    expect(await stats.locator('tbody tr').count()).toBeGreaterThan(HISTORY_COUNT);
    expect(await stats.locator('tbody tr').filter({ hasText: 'db-primary' }).textContent()).toMatch(/db-primary\s*1\s*\d+ (ms|s)/);
    await screenshot(page, 'board-history.png');
  });

  it('fits a phone: nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'board-phone.png');
    await page.setViewportSize({ width: 1280, height: 720 });
    expect(browser.problems).toEqual([]);
  });
});
