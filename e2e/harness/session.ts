// A Chromium tab for a browser suite, the one way every suite gets it: launched with the harness's
// flags and a 15 s default timeout, the console's expected 401 ignored, and (when asked) signed in
// through the login page until the connection indicator says live.
import type { ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, type BrowserSession, type LaunchOptions } from './browser.ts';

export interface Account {
  username: string;
  password: string;
}

export interface OpenOptions extends LaunchOptions {
  /** Sign in at this Vigil before handing the tab over: as `as`, or as its admin. */
  signIn?: { vigil: { baseUrl: string; adminPassword: string }; as?: Account };
}

/**
 * Chromium logs every failed request as a console error. "Am I signed in?" answered 401 before
 * signing in is one the UI expects and handles; `also` names a suite's own.
 */
function expectedConsole(also?: (msg: ConsoleMessage) => boolean) {
  return (msg: ConsoleMessage): boolean => (msg.text().includes('status of 401') && /\/api\/auth\/me(\?|$)/.test(msg.location().url))
    || also?.(msg) === true;
}

export async function openBrowser(executablePath: string, opts: OpenOptions = {}): Promise<BrowserSession> {
  const browser = await launchChromium({ ...opts, executablePath, ignoreConsole: expectedConsole(opts.ignoreConsole) });
  browser.page.setDefaultTimeout(15_000);
  if (opts.signIn) {
    const { vigil, as = { username: 'admin', password: vigil.adminPassword } } = opts.signIn;
    try {
      await signIn(browser.page, vigil.baseUrl, as.username, as.password);
    } catch (err) {
      await browser.close();
      throw err;
    }
  }
  return browser;
}

/** Fills the login form the page shows and presses Sign in. */
export async function submitSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until the connection indicator says live; throws with its last state if it does not. */
export async function waitLive(page: Page, timeoutMs = 15_000): Promise<void> {
  const indicator = page.getByTestId('connection');
  const deadline = Date.now() + timeoutMs;
  let state: string | null = null;
  while (Date.now() < deadline) {
    state = await indicator.getAttribute('data-state', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => null);
    if (state === 'live') return;
    await page.waitForTimeout(100);
  }
  throw new Error(`the connection indicator did not say live within ${timeoutMs} ms (last: ${state ?? 'no indicator'})`);
}

/** Signs in through /login and waits for the board and a live connection. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await submitSignIn(page, username, password);
  await page.waitForURL((url) => url.pathname === '/');
  await waitLive(page);
}
