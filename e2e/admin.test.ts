// The admin page in a real browser against Vigil started by `npm start`: users (the server's words
// for a refused one, create, sign out everywhere, lift a sign-in lock), API tokens (shown once,
// copied, revoked), the audit log (the new user's row, cursor paging, the filter), the keyboard,
// both themes, and a responder who opens /admin and is told calmly that it is for admins.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleMessage, Page } from 'playwright-core';
import { describeWith } from '../server/test/harness/components.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { screenshotThemes } from './harness/flow.ts';
import { openBrowser, signIn } from './harness/session.ts';

const chromium = await chromiumAvailability();
const run = randomUUID().slice(0, 6);
const USERNAME = `ops-${run}`;
const PASSWORD = `pw-${randomUUID()}`;
const TOKEN_NAME = `ci deploy ${run}`;
/** More audit records than one page (the page reads 100 at a time). */
const SEEDED = 105;

/** Chromium logs each 4xx as a console error: this is the 400 the test provokes. */
function expected(msg: ConsoleMessage): boolean {
  return msg.text().includes('status of 400') && /\/api\/users$/.test(msg.location().url);
}

describeWith(chromium, 'the admin page in a browser', (executablePath) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let page: Page;
  let admin: Client;

  async function openTab(name: string): Promise<void> {
    await page.getByRole('tab', { name }).click();
    await expect.poll(() => page.getByRole('tab', { name }).getAttribute('aria-selected')).toBe('true');
  }

  const userRow = (username: string) => page.getByTestId('users-table').locator(`tbody tr[data-username="${username}"]`);

  beforeAll(async () => {
    vigil = await startVigil({ name: 'admin' });
    admin = new Client(vigil.baseUrl);
    // The first admin is created just after /healthz answers; a sign-in before that would count as
    // a failure towards the lockout, so wait for the server to say it is there.
    for (let i = 0; i < 100 && !vigil.logTail(200).includes('created the first admin user'); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await admin.login('admin', vigil.adminPassword)).status).toBe(200);
    browser = await openBrowser(executablePath, { ignoreConsole: expected, signIn: { vigil } });
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: vigil.baseUrl });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('shows an admin the Admin link, which opens the users', async () => {
    await page.getByTestId('nav-admin').click();
    await page.waitForURL((url) => url.pathname === '/admin');
    expect(await page.title()).toBe('Admin · Vigil');
    await expect.poll(() => userRow('admin').count()).toBe(1);
    expect(await userRow('admin').textContent()).toMatch(/admin \(you\)\s*admin\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  });

  it('shows the server\'s words for a user it refuses, then creates one', async () => {
    const res = await admin.send('POST', '/api/users', { username: 'no spaces', password: 'short', role: 'viewer' });
    expect(res.status).toBe(400);
    await page.getByLabel('Username', { exact: true }).fill('no spaces');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create user' }).click();
    const error = page.getByTestId('create-user-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(`Not created: ${res.body.error.message}`);
    expect(await page.getByLabel('Username', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#new-user-name-msg').textContent()).toContain('letters, digits');
    expect(await page.locator('#new-user-password-msg').textContent()).toContain('at least 10 characters');

    await page.getByLabel('Username', { exact: true }).fill(USERNAME);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Role', { exact: true }).selectOption('responder');
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => page.getByTestId('users-done').textContent()).toBe(`Created ${USERNAME} (responder).`);
    expect(await error.count()).toBe(0);
    expect(await userRow(USERNAME).textContent()).toContain('responder');
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
  });

  it('signs a user out everywhere, after a confirm that names them', async () => {
    const them = new Client(vigil.baseUrl);
    expect((await them.login(USERNAME, PASSWORD)).status).toBe(200);
    expect((await them.request('GET', '/api/auth/me')).status).toBe(200);

    // Cancel first: nothing happens, focus returns to the button.
    const button = userRow(USERNAME).getByRole('button', { name: `Sign ${USERNAME} out everywhere` });
    await button.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`Sign ${USERNAME} out everywhere?`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await button.evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await them.request('GET', '/api/auth/me')).status).toBe(200);

    await button.click();
    await dialog.getByTestId('confirm-button').click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByTestId('users-done').textContent()).toBe(`Signed ${USERNAME} out everywhere: 1 session ended.`);
    expect((await them.request('GET', '/api/auth/me')).status).toBe(401);
  });

  it('lifts a sign-in lock, after a confirm', async () => {
    const them = new Client(vigil.baseUrl);
    for (let i = 0; i < 5; i++) await them.login(USERNAME, 'wrong-password');
    expect((await them.login(USERNAME, PASSWORD)).status).toBe(429);

    await userRow(USERNAME).getByRole('button', { name: `Unlock sign-in for ${USERNAME}` }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(`Unlock sign-in for ${USERNAME}?`);
    await dialog.getByTestId('confirm-button').click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByTestId('users-done').textContent()).toContain(`${USERNAME} can sign in again`);
    expect((await them.login(USERNAME, PASSWORD)).status).toBe(200);
    await screenshotThemes(page, 'admin-users');
  });

  it('lists the new user in the audit log, newest first, times in UTC with ms', async () => {
    await openTab('Audit log');
    expect(new URL(page.url()).searchParams.get('tab')).toBe('audit');
    const rows = page.getByTestId('audit-table').locator('tbody tr');
    const created = rows.filter({ has: page.locator('td', { hasText: /^user\.create$/ }) });
    await expect.poll(() => created.count()).toBe(1);
    const cells = await created.locator('td').allTextContents();
    expect(cells[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(cells.slice(1, 6)).toEqual(['admin', 'user.create', USERNAME, '✓ok', expect.stringMatching(/127\.0\.0\.1/)]);
    expect(cells[6]).toBe('{"role":"responder"}');
    // Newest first: the lockout, its unlock and the login after it come before the creation.
    const actions = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
    expect(actions.indexOf('user.unlock')).toBeLessThan(actions.indexOf('user.create'));
    expect(await rows.filter({ hasText: 'auth.lockout' }).first().textContent()).toContain('⊘denied');
    await screenshotThemes(page, 'admin-audit');
  });

  it('creates an API token and shows it once, with a copy button; revoking it ends it', async () => {
    await openTab('API tokens');
    await page.getByLabel('Name', { exact: true }).fill(TOKEN_NAME);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await shown.waitFor();
    expect(await shown.textContent()).toContain('it will not be shown again');
    const value = page.getByTestId('new-token-value');
    const token = await value.inputValue();
    expect(token).toMatch(/^vgl_/);
    // Focus moves once the list is read again after the create: poll, do not race that read.
    await expect.poll(() => value.evaluate((el) => el === document.activeElement)).toBe(true);

    await shown.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => shown.getByRole('status').textContent()).toContain('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

    const bearer = new Client(vigil.baseUrl);
    bearer.bearer = token;
    const me = await bearer.request('GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('viewer');
    await screenshotThemes(page, 'admin-token');

    // Once: gone after Done, and not in the page after a reload either.
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    await page.reload();
    const row = page.getByTestId('tokens-table').locator(`tbody tr[data-token-name="${TOKEN_NAME}"]`);
    await row.waitFor();
    expect(await page.content()).not.toContain(token);
    expect(await row.textContent()).toMatch(/viewer\s*admin.*Active/s);

    await row.getByRole('button', { name: `Revoke the token ${TOKEN_NAME}` }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(`Revoke the token “${TOKEN_NAME}”?`);
    await dialog.getByTestId('confirm-button').click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => row.getAttribute('data-revoked')).toBe('true');
    expect(await row.textContent()).toContain('Revoked');
    expect(await page.getByTestId('tokens-done').textContent()).toContain('401');
    expect((await bearer.request('GET', '/api/auth/me')).status).toBe(401);
  });

  it('pages the audit log by cursor, filters the loaded rows, and moves between tabs by keyboard', async () => {
    for (let i = 0; i < SEEDED; i++) {
      const res = await admin.send('POST', '/api/tokens', { name: `seed ${i}`, role: 'viewer' });
      expect(res.status).toBe(201);
    }
    // From the tab list by keyboard: the selected tab has focus, arrows move and select.
    await page.getByRole('tab', { name: 'API tokens' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByRole('tab', { name: 'Audit log' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Audit log');

    const rows = page.getByTestId('audit-table').locator('tbody tr');
    const created = page.getByTestId('audit-table').locator('tbody tr[data-action="user.create"]');
    await expect.poll(() => rows.count()).toBeGreaterThan(90);
    const firstPage = await rows.count();
    expect(firstPage).toBeLessThanOrEqual(100);
    expect(await created.count()).toBe(0);

    const older = page.getByRole('button', { name: 'Load older' });
    await older.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => created.count()).toBe(1);
    await expect.poll(() => page.getByTestId('admin-audit').textContent()).toContain('The oldest record is loaded.');
    // Every record once across the two pages: exactly one row per seeded token.
    expect(await rows.filter({ hasText: /seed \d+/ }).count()).toBe(SEEDED);

    await page.getByLabel('Filter loaded rows').fill(`user.create ${USERNAME}`);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await page.getByTestId('audit-count').textContent()).toMatch(/^1 of \d+ loaded records match$/);
    await page.getByLabel('Filter loaded rows').fill('no-such-thing-anywhere');
    await expect.poll(() => rows.first().textContent()).toContain('No loaded record matches');
    await page.getByLabel('Filter loaded rows').fill('');
    expect(browser.problems).toEqual([]);
  });

  it('tells a responder calmly that /admin is for admins, with no Admin link', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await signIn(page, vigil.baseUrl, USERNAME, PASSWORD);
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    await page.goto(`${vigil.baseUrl}/admin`);
    const notice = page.getByTestId('admin-only');
    await notice.waitFor();
    expect(await notice.getByRole('heading').textContent()).toBe('Admins only');
    expect(await notice.textContent()).toContain(`You are signed in as ${USERNAME} (responder)`);
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    expect(await page.getByTestId('users-table').count()).toBe(0);
    await screenshotThemes(page, 'admin-only');
    expect(browser.problems).toEqual([]);
  });
});
