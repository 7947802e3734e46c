// Cross-site WebSocket hijacking from a sibling port (issue 18): a page on another loopback port is
// the same site as Vigil, so Chromium sends the visitor's SameSite=Lax session cookie with its
// WebSocket to Vigil, and CORS does not apply to WebSockets. Vigil must refuse that handshake by its
// Origin, while its own UI, on its own origin, stays live.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWith } from '../server/test/harness/components.ts';
import { freePort } from '../server/test/harness/ports.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { signIn, openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();

interface ProbeResult {
  outcome: string;
  frames: string[];
}

/**
 * Runs in the page: speaks socket.io's wire protocol over a bare WebSocket to `target` (as an
 * attacker's page would, with no library), and says whether it was greeted and answered a sync.
 */
function probe(target: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const frames: string[] = [];
    const ws = new WebSocket(`${target.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const finish = (outcome: string): void => {
      clearTimeout(timer);
      ws.onclose = null;
      ws.close();
      resolve({ outcome, frames });
    };
    const timer = setTimeout(() => finish('no answer'), 10_000);
    ws.onmessage = (e: MessageEvent) => {
      const m = String(e.data);
      frames.push(m.slice(0, 60));
      if (m.startsWith('0{')) ws.send('40');
      else if (m === '2') ws.send('3');
      else if (m.startsWith('42["server:hello"')) ws.send('420["sync",{"since":"1970-01-01T00:00:00.000Z"}]');
      else if (m.startsWith('430[{"incidents"')) finish('greeted and synced');
      else if (m.startsWith('44')) finish(`refused by socket.io: ${m}`);
    };
    ws.onclose = (e: CloseEvent) => finish(`closed before a greeting (code ${e.code})`);
  });
}

describeWith(chromium, 'a page on a sibling port against the victim\'s socket.io', (executablePath) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let page: Page;
  let attacker: http.Server;
  let attackerUrl: string;

  beforeAll(async () => {
    vigil = await startVigil({ name: 'security-origin' });
    const port = await freePort();
    attacker = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>a sibling page</title><p>nothing to see here</p>');
    });
    await new Promise<void>((resolve) => attacker.listen(port, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${port}`;
    // The attacker's page logs its refused WebSocket; that is the point of the test.
    browser = await openBrowser(executablePath, { ignoreConsole: (msg) => msg.page()?.url().startsWith(attackerUrl) === true });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
    await vigil?.stop();
  });

  it('the signed-in UI is live on its own origin, and the probe itself works there', async () => {
    await signIn(page, vigil.baseUrl, 'admin', vigil.adminPassword);
    // The same probe from Vigil's own origin, with the same cookie: greeted and answered.
    const own = await page.evaluate(probe, vigil.baseUrl);
    expect(own.outcome, own.frames.join(' | ')).toBe('greeted and synced');
  });

  it('from the sibling port, with the victim\'s cookie in the browser, it gets no server:hello and no sync', async () => {
    const sibling = await browser.context.newPage();
    await sibling.goto(`${attackerUrl}/`);
    // Same site: the session cookie is one the browser would send to 127.0.0.1 on any port.
    const cookies = await browser.context.cookies(vigil.baseUrl);
    expect(cookies.map((c) => c.name)).toContain('vigil_session');
    const result = await sibling.evaluate(probe, vigil.baseUrl);
    expect(result.outcome).toMatch(/^closed before a greeting/);
    expect(result.frames.join(' ')).not.toContain('server:hello');
    await sibling.close();
  });

  it('the real UI still connects after the attempt', async () => {
    await page.reload();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    expect(browser.problems).toEqual([]);
  });
});
