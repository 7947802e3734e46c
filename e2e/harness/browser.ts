// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core,
// with a fresh profile per launch. Missing Chromium fails the suite in CI and skips it elsewhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { requireComponent, type Availability } from '../../server/test/harness/components.ts';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags measured to work on these machines (FACTS.md); never --virtual-time-budget (hangs socket.io). */
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export function chromiumAvailability(): Promise<Availability<string>> {
  return requireComponent('Chromium', () => {
    try {
      fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    } catch {
      throw new Error(`no executable at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
    }
    return CHROMIUM_PATH;
  });
}

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors seen so far, as "kind: text (url)". */
  readonly problems: string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  executablePath?: string;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Console errors that are expected (e.g. the browser's own note about a 401 the test provoked). */
  ignoreConsole?: (msg: ConsoleMessage) => boolean;
}

export async function launchChromium(opts: LaunchOptions = {}): Promise<BrowserSession> {
  const profile = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'vigil-e2e-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: opts.executablePath ?? CHROMIUM_PATH,
      headless: true,
      args: ARGS,
      viewport: opts.viewport ?? { width: 1280, height: 720 },
      colorScheme: opts.colorScheme ?? 'light',
      timezoneId: 'Europe/Berlin',
      locale: 'en-GB',
    });
  } catch (err) {
    await fs.promises.rm(profile, { recursive: true, force: true });
    throw err;
  }
  const problems: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error' || opts.ignoreConsole?.(msg)) return;
      problems.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? await context.newPage();

  return {
    context, page, problems,
    close: async () => {
      await context.close().catch(() => undefined);
      await fs.promises.rm(profile, { recursive: true, force: true });
    },
  };
}
