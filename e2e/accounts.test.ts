// A user's life in real browsers against Vigil started by `npm start`: an admin disables a user
// who has the board open in another browser, and that page lands on the sign-in page at once
// (their live connection closed, their session ended), where signing in says the account is
// disabled; enabled again, they sign in. The admin resets a password and deletes a user (each
// confirmed); a user changes their own password on the account page. Screenshots of each step.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleMessage, Page } from 'playwright-core';
import { describeWith } from '../server/test/harness/components.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { screenshot } from './harness/flow.ts';
import { openBrowser, signIn, submitSignIn } from './harness/session.ts';

const chromium = await chromiumAvailability();
const run = randomUUID().slice(0, 6);
const USERNAME = `oncall-${run}`;
const PASSWORD = `pw-${randomUUID()}`;

/** What the tests provoke: the refused sign-in of a disabled user, a wrong current password, and the 401s once a session ended. */
function expected(msg: ConsoleMessage): boolean {
  const url = msg.location().url;
  return (msg.text().includes('status of 403') && /\/api\/auth\/(login|password)$/.test(url)) || msg.text().includes('status of 401');
}

describeWith(chromium, 'a user\'s life in the browser', (executablePath) => {
  let vigil: VigilProcess;
  let adminBrowser: BrowserSession;
  let userBrowser: BrowserSession;
  let adminPage: Page;
  let userPage: Page;
  let api: Client;
  let userId: string;

  const userRow = (username: string) => adminPage.getByTestId('users-table').locator(`tbody tr[data-username="${username}"]`);

  async function confirmOnRow(username: string, button: string, title: string): Promise<void> {
    await userRow(username).getByRole('button', { name: `${button} ${username}` }).click();
    const dialog = adminPage.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(title);
    await dialog.getByTestId('confirm-button').click();
    await dialog.waitFor({ state: 'hidden' });
  }

  beforeAll(async () => {
    vigil = await startVigil({ name: 'accounts' });
    api = new Client(vigil.baseUrl);
    for (let i = 0; i < 100 && !vigil.logTail(200).includes('created the first admin user'); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await api.login('admin', vigil.adminPassword)).status).toBe(200);
    const created = await api.send('POST', '/api/users', { username: USERNAME, password: PASSWORD, role: 'responder' });
    expect(created.status).toBe(201);
    userId = created.body.id;
    adminBrowser = await openBrowser(executablePath, { ignoreConsole: expected, signIn: { vigil } });
    userBrowser = await openBrowser(executablePath, { ignoreConsole: expected, signIn: { vigil, as: { username: USERNAME, password: PASSWORD } } });
    adminPage = adminBrowser.page;
    userPage = userBrowser.page;
  });

  afterAll(async () => {
    await adminBrowser?.close();
    await userBrowser?.close();
    await vigil?.stop();
  });

  it('an admin disables a user who has the board open: their page lands on the sign-in page', async () => {
    await adminPage.goto(`${vigil.baseUrl}/admin`);
    await expect.poll(() => userRow(USERNAME).count()).toBe(1);
    expect(userPage.url()).toBe(`${vigil.baseUrl}/`);

    await confirmOnRow(USERNAME, 'Disable', `Disable ${USERNAME}?`);
    expect(await adminPage.getByTestId('users-done').textContent()).toContain(`Disabled ${USERNAME}`);
    await expect.poll(() => userRow(USERNAME).getAttribute('data-disabled')).toBe('true');
    await screenshot(adminPage, 'accounts-admin-disabled.png');

    // Nobody reloads the user's page: the server closed its connection, and the page signs itself out.
    await userPage.waitForURL((url) => url.pathname === '/login', { timeout: 30_000 });
    await screenshot(userPage, 'accounts-user-signed-out.png');

    await submitSignIn(userPage, USERNAME, PASSWORD);
    const error = userPage.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('This account is disabled');
    await screenshot(userPage, 'accounts-user-disabled-sign-in.png');
  });

  it('enabled again, the user signs in', async () => {
    await confirmOnRow(USERNAME, 'Enable', `Enable ${USERNAME}?`);
    await expect.poll(() => userRow(USERNAME).getAttribute('data-disabled')).toBe('false');
    await signIn(userPage, vigil.baseUrl, USERNAME, PASSWORD);
  });

  it('a user changes their own password on the account page', async () => {
    await userPage.goto(`${vigil.baseUrl}/account`);
    const panel = userPage.getByTestId('change-password');
    await panel.getByLabel('Current password').fill('not-the-password');
    await panel.getByLabel('New password', { exact: true }).fill('a-new-password-1');
    await panel.getByLabel('New password again').fill('a-new-password-1');
    await panel.getByRole('button', { name: 'Change password' }).click();
    await panel.getByTestId('password-error').waitFor();
    expect(await panel.getByTestId('password-error').textContent()).toContain('The current password is not right');

    await panel.getByLabel('Current password').fill(PASSWORD);
    await panel.getByRole('button', { name: 'Change password' }).click();
    await panel.getByTestId('password-done').waitFor();
    expect(await panel.getByTestId('password-done').textContent()).toContain('Password changed');
    await screenshot(userPage, 'accounts-password-changed.png');
    expect((await new Client(vigil.baseUrl).login(USERNAME, 'a-new-password-1')).status).toBe(200);
  });

  it('an admin resets a password and deletes the user, each confirmed; the user\'s page signs out', async () => {
    await userRow(USERNAME).getByRole('button', { name: `Reset the password of ${USERNAME}` }).click();
    const dialog = adminPage.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel('New password').fill('reset-by-admin-1');
    await dialog.getByTestId('confirm-button').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await adminPage.getByTestId('users-done').textContent()).toMatch(/Set a new password for .*Tell them/);
    await userPage.waitForURL((url) => url.pathname === '/login', { timeout: 30_000 });
    expect((await new Client(vigil.baseUrl).login(USERNAME, 'reset-by-admin-1')).status).toBe(200);

    await confirmOnRow(USERNAME, 'Delete', `Delete ${USERNAME}?`);
    await expect.poll(() => userRow(USERNAME).count()).toBe(0);
    expect(await adminPage.getByTestId('users-done').textContent()).toContain('Their name stays');
    await screenshot(adminPage, 'accounts-admin-deleted.png');
    expect((await api.request('GET', '/api/users')).body.items.some((u: { id: string }) => u.id === userId)).toBe(false);
    expect(adminBrowser.problems).toEqual([]);
    expect(userBrowser.problems).toEqual([]);
  });
});
