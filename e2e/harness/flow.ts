// Helpers for the browser suites: test containers from the offline base image (labelled
// vigil.test=1), a tiny metrics endpoint for Prometheus to scrape, Alertmanager webhooks, and timing
// when a row first shows up in the page (measured in the page, not by polling from outside).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { docker } from '../../server/test/harness/docker.ts';
import { trackContainer } from '../../server/test/harness/resources.ts';
import { artifactsDir } from './server.ts';

/**
 * A stand-in service: serves `app_health`, `http_requests_total` (200s and some 500s) on PORT for
 * Prometheus, and logs a line a second so a death has last log lines.
 */
export const METRICS_SERVICE_JS = `
const http = require('node:http');
let ok = 0, failed = 0, tick = 0;
setInterval(() => { ok += 7 + (tick % 5); if (tick % 4 === 0) failed += 1; tick += 1; console.log('served ' + ok + ' requests, ' + failed + ' failed'); }, 1000);
http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain; version=0.0.4');
  res.end('# TYPE app_health gauge\\napp_health 1\\n# TYPE http_requests_total counter\\n'
    + 'http_requests_total{status="200"} ' + ok + '\\nhttp_requests_total{status="500"} ' + failed + '\\n');
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
`;

export interface TestContainer {
  id: string;
  name: string;
}

/** Runs a detached container on the host network with the given labels; tracked for cleanup. */
export async function runTestContainer(opts: {
  image: string;
  name: string;
  labels: Record<string, string>;
  env?: Record<string, string>;
  /** Extra `docker run` flags for a health check. */
  health?: string[];
  script: string;
}): Promise<TestContainer> {
  const args = ['run', '-d', '--name', opts.name, '--network', 'host', '--label', 'vigil.test=1', ...(opts.health ?? [])];
  for (const [k, v] of Object.entries(opts.labels)) args.push('--label', `${k}=${v}`);
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('--env', `${k}=${v}`);
  args.push(opts.image, 'node', '-e', opts.script);
  const id = await docker(args);
  trackContainer(id);
  return { id, name: opts.name };
}

export async function containerState(id: string): Promise<string> {
  return docker(['inspect', '--format', '{{.State.Status}}', id]);
}

/**
 * Starts watching the page for the first element matching `selector` whose text contains `text`;
 * `seenAt()` then resolves with the epoch ms (this machine's clock) it appeared.
 */
export async function watchFor(page: Page, key: string, selector: string, text: string): Promise<{ seenAt(timeoutMs: number): Promise<number | null> }> {
  await page.evaluate(({ key, selector, text }) => {
    const w = window as unknown as { __seen?: Record<string, number> };
    w.__seen ??= {};
    const seen = w.__seen;
    const check = (): boolean => {
      const hit = [...document.querySelectorAll(selector)].some((el) => (el.textContent ?? '').includes(text));
      if (hit && seen[key] === undefined) seen[key] = Date.now();
      return hit;
    };
    if (check()) return;
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  }, { key, selector, text });
  return {
    async seenAt(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const at = await page.evaluate((k) => (window as unknown as { __seen?: Record<string, number> }).__seen?.[k] ?? null, key);
        if (at !== null) return at;
        await page.waitForTimeout(50);
      }
      return null;
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const current = await page.evaluate(() => document.documentElement.dataset['theme']);
  if (current !== theme) await page.getByTestId('theme-toggle').click();
}

/** Screenshots `<stem>-light.png` and `<stem>-dark.png` (after `settleMs` in the dark), back in the light theme. */
export async function screenshotThemes(page: Page, stem: string, settleMs = 0): Promise<void> {
  await setTheme(page, 'light');
  await screenshot(page, `${stem}-light.png`);
  await setTheme(page, 'dark');
  if (settleMs > 0) await page.waitForTimeout(settleMs);
  await screenshot(page, `${stem}-dark.png`);
  await setTheme(page, 'light');
}

export interface AlertSpec {
  name: string;
  service: string;
  severity: 'critical' | 'warning';
  summary: string;
  status: 'firing' | 'resolved';
}

/** An Alertmanager webhook body (version 4, the 0.25 shape) carrying these alerts, as Alertmanager would post it. */
export function alertmanagerWebhook(alerts: readonly AlertSpec[], group: string): unknown {
  const now = new Date().toISOString();
  return {
    version: '4', status: alerts[0]?.status ?? 'firing', receiver: 'vigil', groupKey: `{}:{group="${group}"}`, truncatedAlerts: 0,
    groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager.invalid',
    alerts: alerts.map((a) => ({
      status: a.status, labels: { alertname: a.name, service: a.service, severity: a.severity },
      annotations: { summary: a.summary }, startsAt: now, endsAt: a.status === 'resolved' ? now : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.invalid/graph', fingerprint: `${group}-${a.service}-${a.name}`.replace(/[^a-z0-9-]/gi, ''),
    })),
  };
}

export async function postWebhook(baseUrl: string, token: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${baseUrl}/api/webhooks/alertmanager`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}
