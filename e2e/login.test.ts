// Signing in, in a real browser against a real Vigil started by `npm start`: the redirect to
// /login, the server's words for a wrong password, the live indicator, a reload that keeps the
// session, both themes, signing out, and a clean console throughout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleMessage, Page } from 'playwright-core';
import { describeWith } from '../server/test/harness/components.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { screenshot } from './harness/flow.ts';
import { openBrowser, submitSignIn } from './harness/session.ts';

const chromium = await chromiumAvailability();

/** Chromium logs every 4xx as a console error; this is the wrong password this test sends on purpose. */
function expected401(msg: ConsoleMessage): boolean {
  return msg.text().includes('status of 401') && /\/api\/auth\/login(\?|$)/.test(msg.location().url);
}

describeWith(chromium, 'sign-in in a browser', (executablePath) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let page: Page;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'vigil-e2e-login-'));
    vigil = await startVigil({ name: 'login', dataDir });
    browser = await openBrowser(executablePath, { ignoreConsole: expected401 });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (dataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
  });

  it('sends a signed-out visitor to /login and shows the server\'s words for a wrong password', async () => {
    // What the server says, asked directly, so the test checks the UI shows it verbatim.
    const res = await fetch(`${vigil.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'not-the-password' }),
    });
    expect(res.status).toBe(401);
    const body = await res.json() as { error?: { code?: unknown; message?: unknown } };
    expect(body.error?.code).toBe('invalid_credentials');
    const serverMessage = String(body.error?.message);

    await page.goto(`${vigil.baseUrl}/`);
    await page.waitForURL((url) => url.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/');

    const username = page.getByLabel('Username');
    await expect.poll(() => username.evaluate((el) => el === document.activeElement)).toBe(true);
    await submitSignIn(page, 'admin', 'not-the-password');

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).toBe(serverMessage);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await screenshot(page, 'login-error.png');
  });

  it('signs in as admin and the connection indicator goes live', async () => {
    await submitSignIn(page, 'admin', vigil.adminPassword);

    await page.waitForURL((url) => url.pathname === '/');
    const indicator = page.getByTestId('connection');
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    expect((await indicator.textContent())?.trim()).toBe('Live');
    expect(await page.getByTestId('current-user').textContent()).toMatch(/admin\s*admin/);
    // Home is the incident board.
    await page.getByTestId('open-incidents').waitFor();
    await page.getByRole('link', { name: 'Status' }).click();
    await page.waitForURL((url) => url.pathname === '/status');
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('admin');
  });

  it('reports the unreachable Prometheus in the banner, with since when', async () => {
    const banner = page.getByTestId('status-banner');
    await expect.poll(() => banner.textContent(), { timeout: 20_000 }).toMatch(/Prometheus \(http:\/\/127\.0\.0\.1:\d+\) unreachable\s*since \d{2}:\d{2}:\d{2} UTC/);
    expect(await banner.getAttribute('role')).toBe('status');
  });

  it('keeps the session across a reload', async () => {
    await page.reload();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live');
    expect(new URL(page.url()).pathname).toBe('/status');
    expect(await page.getByTestId('current-user').textContent()).toContain('admin');
  });

  it('renders in the light and the dark theme', async () => {
    // Let the first reachability round land so the screenshots show the real source states.
    await expect.poll(() => page.getByTestId('sources').locator('tbody tr[data-state="connecting"]').count(), { timeout: 20_000 }).toBe(0);
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('light');
    const light = await screenshot(page, 'login-live.png');

    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    const dark = await screenshot(page, 'login-live-dark.png');

    // The choice survives a reload.
    await page.reload();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live');
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');

    // Readable on a phone: nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    const phone = await screenshot(page, 'login-live-phone-dark.png');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByTestId('theme-toggle').click();

    for (const file of [light, dark, phone]) expect(fs.statSync(file).size).toBeGreaterThan(5_000);
  });

  it('signs out back to /login, and a reload stays signed out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Username').waitFor();
  });

  it('logged no console errors along the way', () => {
    expect(browser.problems).toEqual([]);
  });

  it('says "Offline since …" and shows the banner when the server goes away', async () => {
    await submitSignIn(page, 'admin', vigil.adminPassword);
    const indicator = page.getByTestId('connection');
    await expect.poll(() => indicator.getAttribute('data-state')).toBe('live');
    await page.getByRole('link', { name: 'Status' }).click();
    await page.waitForURL((url) => url.pathname === '/status');

    await vigil.stop();
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 20_000 }).toBe('offline');
    expect((await indicator.textContent())?.trim()).toMatch(/^Offline since \d{2}:\d{2}:\d{2} UTC$/);
    expect(await page.getByTestId('status-banner').textContent()).toMatch(/Live updates lost.*since \d{2}:\d{2}:\d{2} UTC/);
    await screenshot(page, 'offline.png');
  });

  it('goes live again by itself when the server comes back, still signed in', async () => {
    vigil = await startVigil({ name: 'login-restart', port: vigil.port, dataDir, adminPassword: vigil.adminPassword });
    const indicator = page.getByTestId('connection');
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    expect(new URL(page.url()).pathname).toBe('/status');
    const banner = page.getByTestId('status-banner');
    await expect.poll(() => banner.textContent()).not.toContain('Live updates lost');
    // The restarted server's sources replace the old picture: one Prometheus, not two.
    await expect.poll(() => page.getByTestId('sources').locator('tbody tr').filter({ hasText: 'Prometheus' }).count()).toBe(1);
  });
});
