// A browser away during a storm of more than 5,000 changes (issue 11, item 6): the UI is signed in
// and live, Vigil stops, 6,000 incidents and 6,000 timeline entries are written to its store, Vigil
// starts again on the same port. The browser reconnects by itself and pages through `sync` until
// the server says nothing more follows: every change arrives, and the board shows the open ones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page, WebSocket } from 'playwright-core';
import type { Incident, TimelineEntry } from '../server/src/contract/index.ts';
import { createStore } from '../server/src/store/index.ts';
import { describeWith } from '../server/test/harness/components.ts';
import { freePort } from '../server/test/harness/ports.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { openBrowser, signIn } from './harness/session.ts';

const chromium = await chromiumAvailability();
const STORM = 6_000;
const OPEN = 12;
const ADMIN_PASSWORD = 'e2e-catch-up-admin-password';

/** The storm, written through the store API while Vigil is down: the last OPEN incidents still open. */
async function storm(dataDir: string): Promise<{ incidents: Set<string>; entries: Set<string> }> {
  const store = await createStore({ dataDir });
  await store.init();
  const incidents = new Set<string>();
  const entries = new Set<string>();
  try {
    const start = Date.now() - STORM * 1_000;
    for (let i = 0; i < STORM; i++) {
      const at = new Date(start + i * 1_000).toISOString();
      const open = i >= STORM - OPEN;
      const service = open ? `storm-open-${i - (STORM - OPEN)}` : `storm-${i % 300}`;
      const incident: Incident = {
        id: `inc_storm_${i}`, title: `${service} is down`, service, host: 'unix:///var/run/docker.sock',
        status: open ? 'open' : 'resolved', severity: 'warning', openedAt: at, lastEventAt: at,
        ...(open ? {} : { resolvedAt: at }), sources: ['alertmanager'],
      };
      const entry: TimelineEntry = {
        id: `tl_storm_${i}`, incidentId: incident.id, at, source: 'alertmanager', kind: 'alert.firing',
        message: `ServiceDown firing for ${service}: ${service} has not answered its health check for 30 s`,
        data: { signals: [{ id: `sig_storm_${i}`, kind: 'alert.firing', attributes: { alertname: 'ServiceDown', service, severity: 'warning', instance: `${service}:8080` } }] },
      };
      await store.incidents.upsert(incident);
      await store.timeline.append(entry);
      incidents.add(incident.id);
      entries.add(entry.id);
    }
  } finally {
    await store.close();
  }
  return { incidents, entries };
}

/**
 * What the page's socket.io sent as `sync` and received as answers, read off the wire: WebSocket
 * frames, and long-polling bodies (socket.io starts on polling, so a catch-up may run there).
 */
function watchSync(page: Page): { requests: Array<{ since: string; cursor?: string }>; refusals: string[]; incidents: Set<string>; entries: Set<string>; lastHadNext: () => boolean | null } {
  const requests: Array<{ since: string; cursor?: string }> = [];
  const incidents = new Set<string>();
  const entries = new Set<string>();
  let lastHadNext: boolean | null = null;
  const refusals: string[] = [];
  // Engine.io message "4", then socket.io EVENT "2" or ACK "3" with the ack id; polling joins packets with \x1e.
  const sent = (payload: string): void => {
    for (const packet of payload.split('\x1e')) {
      const m = /^42\d+(\[.*)$/s.exec(packet);
      const [event, request] = m?.[1] ? JSON.parse(m[1]) as [string, { since: string; cursor?: string }] : [];
      if (event === 'sync' && request) requests.push(request);
    }
  };
  const received = (payload: string): void => {
    for (const packet of payload.split('\x1e')) {
      const m = /^43\d+(\[.*)$/s.exec(packet);
      if (!m?.[1]) continue;
      const [answer] = JSON.parse(m[1]) as [{ incidents?: Array<{ id: string }>; entries?: Array<{ id: string }>; next?: string; error?: string; code?: string }];
      if (answer.error !== undefined) refusals.push(`${answer.code ?? ''}: ${answer.error}`);
      if (!answer.incidents || !answer.entries) continue;
      for (const i of answer.incidents) incidents.add(i.id);
      for (const e of answer.entries) entries.add(e.id);
      lastHadNext = answer.next !== undefined;
    }
  };
  page.on('websocket', (ws: WebSocket) => {
    ws.on('framesent', ({ payload }) => sent(String(payload)));
    ws.on('framereceived', ({ payload }) => received(String(payload)));
  });
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().includes('/socket.io/')) sent(req.postData() ?? '');
  });
  page.on('response', (res) => {
    if (res.request().method() === 'GET' && res.url().includes('/socket.io/') && res.ok()) {
      res.text().then(received, () => undefined);
    }
  });
  return { requests, refusals, incidents, entries, lastHadNext: () => lastHadNext };
}

describeWith(chromium, 'a browser away during a storm', (executablePath) => {
  let vigil: VigilProcess | undefined;
  let browser: BrowserSession;
  let page: Page;
  let dataDir: string;
  let port: number;

  beforeAll(async () => {
    dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'vigil-e2e-catch-up-'));
    port = await freePort();
    vigil = await startVigil({ name: 'sync-catch-up', dataDir, port, adminPassword: ADMIN_PASSWORD });
    browser = await openBrowser(executablePath, {
      // While Vigil is down the page's requests and its reconnect attempts fail; that is the scenario.
      ignoreConsole: (msg) => /ERR_CONNECTION_REFUSED|WebSocket connection to|Failed to load resource/.test(msg.text()),
    });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (dataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
  });

  it('ends up with every one of 6,000 incidents and 6,000 entries written while it was away', async () => {
    await signIn(page, vigil?.baseUrl ?? '', 'admin', ADMIN_PASSWORD);
    const indicator = page.getByTestId('connection');
    const seen = watchSync(page);

    await vigil?.stop();
    vigil = undefined;
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 30_000 }).not.toBe('live');
    const written = await storm(dataDir);
    vigil = await startVigil({ name: 'sync-catch-up-again', dataDir, port, adminPassword: ADMIN_PASSWORD });

    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 60_000 }).toBe('live');
    await expect.poll(() => seen.lastHadNext(), {
      timeout: 60_000,
      message: `the last sync answer says nothing more follows (${seen.requests.length} syncs, refusals: ${seen.refusals.join('; ')}; indicator: ${await indicator.getAttribute('title')})`,
    }).toBe(false);
    expect(seen.requests.length, 'the catch-up took more than one page').toBeGreaterThan(5);
    expect(seen.requests.slice(1).every((r) => typeof r.cursor === 'string' && r.since === seen.requests[0]?.since)).toBe(true);
    expect([...written.incidents].filter((id) => !seen.incidents.has(id))).toEqual([]);
    expect([...written.entries].filter((id) => !seen.entries.has(id))).toEqual([]);

    const rows = page.locator('[data-testid="incidents-open"] tbody tr');
    await expect.poll(async () => (await rows.allTextContents()).filter((t) => t.includes('storm-open-')).length, { timeout: 20_000 }).toBe(OPEN);
    expect(await indicator.getAttribute('title')).not.toContain('catching up after the reconnect failed');
  });
});
