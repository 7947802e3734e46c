// The built client under Vigil's strict Content-Security-Policy, in a real Chromium against a real
// Vigil started by `npm start`: the header of the served index.html is strict (no 'unsafe-inline',
// no 'unsafe-eval', no wildcards), and signing in and walking every page — board, an incident, its
// post-mortem, containers, status, admin (each tab) — raises not one CSP violation or console error.
import { afterAll, beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describeWith } from '../server/test/harness/components.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { openBrowser, signIn } from './harness/session.ts';

const chromium = await chromiumAvailability();
const WEBHOOK_TOKEN = 'e2e-csp-webhook-token-0123';
const recorded = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../server/test/fixtures/alertmanager/am-webhook-firing.json'), 'utf8')) as { alerts: Array<{ startsAt: string }> };
/**
 * The recorded webhook, its alert started a minute ago: the incident page charts from the opening
 * on, and a chart range past 7 days is refused (400), which the recording's date would reach by now.
 */
const firing = { ...recorded, alerts: recorded.alerts.map((a) => ({ ...a, startsAt: new Date(Date.now() - 60_000).toISOString() })) };

function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name = '', ...values] = d.split(/\s+/);
    return [name, values];
  }));
}

describeWith(chromium, 'the built client under a strict CSP', (executablePath) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    vigil = await startVigil({ name: 'security-csp', env: { WEBHOOK_TOKEN } });
    browser = await openBrowser(executablePath);
    page = browser.page;
    // Every violation the page reports, before any script of the app runs.
    await browser.context.exposeFunction('__reportCspViolation', (text: string) => { violations.push(text); });
    await browser.context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const report = (window as unknown as { __reportCspViolation: (t: string) => void }).__reportCspViolation;
        report(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
      });
    });
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(`console: ${msg.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('serves index.html with a strict policy', async () => {
    const res = await fetch(`${vigil.baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="app">');
    const csp = res.headers.get('content-security-policy') ?? '';
    const d = directives(csp);
    expect(d['default-src']).toEqual(["'self'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['script-src-attr']).toEqual(["'none'"]);
    expect(d['style-src']).toEqual(["'self'"]);
    expect(d['connect-src']).toEqual(["'self'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|\*|https?:|data:.*script/);
    // No inline script in the page itself (it would be blocked).
    const html = await (await fetch(`${vigil.baseUrl}/login`, { headers: { accept: 'text/html' } })).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('signs in and walks every page with zero CSP violations', async () => {
    const fired = await fetch(`${vigil.baseUrl}/api/webhooks/alertmanager`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: JSON.stringify(firing),
    });
    expect(fired.status).toBe(200);

    // Live means the socket.io WebSocket was allowed by connect-src 'self'.
    await signIn(page, vigil.baseUrl, 'admin', vigil.adminPassword);

    const list = await page.evaluate(async () => (await fetch('/api/incidents')).json() as Promise<{ items: Array<{ id: string }> }>);
    const id = list.items[0]?.id;
    expect(id).toBeDefined();
    for (const route of [`/incidents/${id}`, `/incidents/${id}/postmortem`, '/containers', '/alerts', '/status', '/admin', '/admin?tab=tokens', '/admin?tab=audit', '/']) {
      await page.goto(`${vigil.baseUrl}${route}`);
      await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
      await page.waitForLoadState('networkidle').catch(() => undefined);
    }
    // Both themes (styles switch by attribute, not inline style elements).
    await page.getByTestId('theme-toggle').click();
    await page.getByTestId('theme-toggle').click();
    await new Promise((r) => setTimeout(r, 300));
    expect(violations).toEqual([]);
    expect(browser.problems).toEqual([]);
  });

  it('really enforces it: an injected inline script does not run and is reported', async () => {
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => violations.some((v) => v.startsWith('script-src'))).toBe(true);
  });
});
