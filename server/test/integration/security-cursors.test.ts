// Incident-list cursors are signed (store/cursor.ts): a made-up, damaged, unsigned or borrowed
// cursor is 400 invalid_cursor on both stores, against a real Vigil fed through the real webhook.
// Before, any base64url JSON pair of strings was taken as a position (the query was parameterised,
// so harmless, but docs/api.md promised 400).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb, type FerretDb } from '../harness/ferretdb.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const ferret = await requireComponent('FerretDB', probeFerretDb);
const TOKEN = `cursor-webhook-${randomBytes(8).toString('hex')}`;
const SERVICES = ['c-alpha', 'c-bravo', 'c-charlie', 'c-delta', 'c-echo'];

function webhook(services: readonly string[]): unknown {
  const now = new Date().toISOString();
  return {
    version: '4', status: 'firing', receiver: 'vigil', groupKey: '{}:{group="cursors"}', truncatedAlerts: 0,
    groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager.invalid',
    alerts: services.map((service) => ({
      status: 'firing', labels: { alertname: 'Down', service, severity: 'critical' }, annotations: { summary: `${service} is down` },
      startsAt: now, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.invalid/graph', fingerprint: `cursors-${service}`,
    })),
  };
}

const position = (openedAt: string, id: string): string => Buffer.from(JSON.stringify([openedAt, id])).toString('base64url');

function cursorSuite(env: () => Record<string, string>): void {
  let vigil: RunningVigil;
  let admin: Client;
  const list = (query: string) => admin.request('GET', `/api/incidents?${query}`);
  const expectInvalid = async (query: string) => {
    const res = await list(query);
    expect(res.status, `${query} → ${JSON.stringify(res.body)}`).toBe(400);
    expect(res.body.error.code).toBe('invalid_cursor');
  };

  beforeAll(async () => {
    vigil = await startVigil({ ADMIN_PASSWORD: 'cursor-admin-password', WEBHOOK_TOKEN: TOKEN, KEEP_DATA: '1', ...env() });
    await vigil.app.ready();
    admin = new Client(vigil.url);
    expect((await admin.login('admin', 'cursor-admin-password')).status).toBe(200);
    const sent = await fetch(`${vigil.url}/api/webhooks/alertmanager`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(webhook(SERVICES)),
    });
    expect(sent.status).toBe(200);
    for (let i = 0; i < 200; i++) {
      if ((await list('status=all&limit=50')).body.items.length === SERVICES.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await list('status=all&limit=50')).body.items).toHaveLength(SERVICES.length);
  });
  afterAll(async () => {
    await vigil?.stop();
    if (vigil) fs.rmSync(vigil.dataDir, { recursive: true, force: true });
  });

  test('the cursors it hands out page through every incident exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(`status=all&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { service: string }) => i.service));
      cursor = res.body.nextCursor;
      if (cursor !== null) expect(cursor).toMatch(/^[\w-]+\.[\w-]{43}$/);
    } while (cursor !== null);
    expect(seen.sort()).toEqual([...SERVICES].sort());
  });

  test('a forged, unsigned, damaged or borrowed cursor is 400 invalid_cursor, and nothing is read for it', async () => {
    const first = await list('status=all&limit=2');
    const good: string = first.body.nextCursor;
    const [pos = '', mac = ''] = good.split('.');
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const forgedPosition = position('9999-12-31T23:59:59.999Z', 'zzzz');
    for (const bad of [
      forgedPosition, // the old, unsigned format: was accepted and read from "the end of time"
      position("' OR 1=1 --", '{"$gt":""}'),
      `${forgedPosition}.${mac}`, // someone else's signature on a made-up position
      `${pos}.${flip(mac, 5)}`, // damaged signature
      `${flip(pos, 3)}.${mac}`, // damaged position
      `${pos}.${mac}A`, `${pos}.${mac.slice(0, -1)}`, `${pos}.${mac}=`, `${pos}.`, `.${mac}`, `${pos}..${mac}`,
      'not-a-cursor', '....', '\u0000',
    ]) {
      await expectInvalid(`status=all&limit=2&cursor=${encodeURIComponent(bad)}`);
    }
    // A cursor belongs to its list: another status or service filter refuses it.
    await expectInvalid(`status=resolved&limit=2&cursor=${encodeURIComponent(good)}`);
    await expectInvalid(`status=all&service=c-alpha&limit=2&cursor=${encodeURIComponent(good)}`);
    // The genuine one still works, and open = active share one list.
    expect((await list(`status=all&limit=2&cursor=${encodeURIComponent(good)}`)).status).toBe(200);
    const open = await list('status=open&limit=2');
    expect((await list(`status=active&limit=2&cursor=${encodeURIComponent(open.body.nextCursor)}`)).status).toBe(200);
  });

  test('the signing key survives a restart of Vigil on the same store', async () => {
    const good: string = (await list('status=all&limit=2')).body.nextCursor;
    await vigil.stop();
    vigil = await startVigil({ ADMIN_PASSWORD: 'cursor-admin-password', WEBHOOK_TOKEN: TOKEN, ...env(), DATA_DIR: vigil.dataDir });
    await vigil.app.ready();
    admin = new Client(vigil.url);
    expect((await admin.login('admin', 'cursor-admin-password')).status).toBe(200);
    const res = await list(`status=all&limit=2&cursor=${encodeURIComponent(good)}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
  });
}

describe('signed incident cursors on the embedded store', () => {
  cursorSuite(() => ({}));
});

describeWith(ferret, 'signed incident cursors on MongoDB (FerretDB)', (binary) => {
  let db: FerretDb;
  const name = `vigil_cursors_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => { db = await startFerretDb(binary); });
  afterAll(async () => { await db?.stop(); });
  cursorSuite(() => ({ MONGODB_URL: `${db.url}${name}` }));
});
