// Two real Alertmanager 0.25 behaviours Vigil must hold to, with real Alertmanager processes:
// - an HA pair (clustered over loopback gossip) both notifying the same group, each with its own
//   externalURL → one set of timeline entries on one incident;
// - `max_alerts: 2` with 5 alerts in a group → the webhook carries 2 and says truncatedAlerts 3;
//   Vigil reads the rest from that Alertmanager's API and ends with all 5 on the incident.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { alertmanagerBinary, startAlertmanager, type RunningAlertmanager } from '../harness/alertmanager.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { freePort } from '../harness/ports.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const TOKEN = 'test-webhook-token-ha-0123456789';
const alertmanager = await requireComponent('alertmanager', alertmanagerBinary);

function configYaml(webhookUrl: string, tokenFile: string, maxAlerts = 0): string {
  return `
route:
  receiver: vigil.webhook
  group_by: [service]
  group_wait: 1s
  group_interval: 30s
  repeat_interval: 1h
receivers:
  - name: vigil.webhook
    webhook_configs:
      - url: ${webhookUrl}
        send_resolved: true
        max_alerts: ${maxAlerts}
        http_config:
          authorization:
            credentials_file: ${tokenFile}
`;
}

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What Prometheus does: POST /api/v2/alerts. */
async function postAlerts(am: RunningAlertmanager, alerts: Array<Record<string, unknown>>): Promise<void> {
  const res = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  expect(res.status).toBe(200);
}

async function webhookCounts(vigil: RunningVigil): Promise<{ stored: number; duplicate: number }> {
  const text = await (await fetch(`${vigil.url}/metrics`)).text();
  const read = (outcome: string) => Number(new RegExp(`vigil_alertmanager_webhook_alerts_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return { stored: read('stored'), duplicate: read('duplicate') };
}

/**
 * Between the pair and Vigil: holds each delivery until `count` have come (or 30 s), then passes
 * them all on. A member writes its notification log only once its delivery is answered, so while
 * the first is held the other member finds nothing in the gossiped log and delivers too — what a
 * slow receiver makes an HA pair do, made certain instead of left to timing.
 */
async function holdingRelay(target: string, count: number) {
  const bodies: Array<Record<string, unknown>> = [];
  const held: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      bodies.push(JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
      held.push(() => {
        void fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' }, body: raw })
          .then(async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()))
          .catch(() => res.writeHead(502).end());
      });
      const release = () => held.splice(0).forEach((go) => go());
      if (held.length >= count) release();
      else setTimeout(release, 30_000).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    bodies,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describeWith(alertmanager, 'real Alertmanager 0.25: HA pair and max_alerts', () => {
  let vigil: RunningVigil;
  let admin: Client;
  let dir: string;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-am-ha-'));
    writeFileSync(path.join(dir, 'token'), TOKEN, { mode: 0o600 });
    // ALERTMANAGER_URL unset: a truncated group is read from the payload's externalURL.
    vigil = await startVigil({ WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD: 'ha-admin-password', PROMETHEUS_POLL_SECONDS: '0' });
    await vigil.app.ready();
    admin = new Client(vigil.url);
    expect((await admin.login('admin', 'ha-admin-password')).status).toBe(200);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await vigil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function incidentsOf(service: string) {
    const list = await admin.request('GET', `/api/incidents?service=${service}&status=all`);
    return Promise.all(list.body.items.map(async (i: { id: string }) => (await admin.request('GET', `/api/incidents/${i.id}`)).body));
  }

  test('an HA pair that both notify the same group: one incident, one entry per alert signal', async () => {
    const [gossipA, gossipB] = [await freePort(), await freePort()];
    const relay = await holdingRelay(`${vigil.url}/api/webhooks/alertmanager`, 2);
    stops.push(relay.stop);
    const yaml = configYaml(relay.url, path.join(dir, 'token'));
    // A short peer timeout: both members notify at once, before the gossip of the other's
    // notification log reaches them — the duplicate Vigil has to absorb.
    const a = await startAlertmanager({ configYaml: yaml, cluster: { listenPort: gossipA, peerPorts: [gossipB], peerTimeout: '10ms' } });
    stops.push(a.stop);
    const b = await startAlertmanager({ configYaml: yaml, cluster: { listenPort: gossipB, peerPorts: [gossipA], peerTimeout: '10ms' } });
    stops.push(b.stop);
    expect(a.url).not.toBe(b.url);
    const alert = { labels: { alertname: 'HaDown', service: 'ha-svc', instance: 'ha:1', severity: 'critical' }, annotations: { summary: 'ha down' }, startsAt: new Date(Date.now() - 1000).toISOString() };
    const before = await webhookCounts(vigil);
    await postAlerts(a, [alert]);
    await postAlerts(b, [alert]);

    // Both members delivered (one stored, one duplicate)…
    const counts = await eventually('both members notified', 60_000, async () => {
      const now = await webhookCounts(vigil);
      return now.stored - before.stored >= 1 && now.duplicate - before.duplicate >= 1 ? now : undefined;
    });
    expect(counts.stored - before.stored).toBe(1);
    // …and Vigil holds one incident with one firing entry.
    const [incident, ...others] = await incidentsOf('ha-svc');
    expect(others).toEqual([]);
    const firing = incident.timeline.filter((e: { kind: string }) => e.kind === 'alert.firing');
    expect(firing).toHaveLength(1);
    // Two deliveries of the same group, each naming its own Alertmanager.
    expect(relay.bodies.map((b) => b['externalURL']).sort()).toEqual([a.url, b.url].sort());
    expect(relay.bodies.map((b) => b['groupKey'])).toEqual([relay.bodies[0]?.['groupKey'], relay.bodies[0]?.['groupKey']]);
    // Alertmanager regex-escapes the receiver (Go's regexp.QuoteMeta); Vigil shows it as configured.
    expect(relay.bodies[0]?.['receiver']).toBe('vigil\\.webhook');
    expect(firing[0].data.signals[0].attributes.receiver).toBe('vigil.webhook');
    const history = await admin.request('GET', '/api/alerts?service=ha-svc');
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0]).toMatchObject({ firingNow: true, firings: 1 });
  }, 90_000);

  test('max_alerts: 2 with 5 alerts in one group: all 5 on the incident', async () => {
    const am = await startAlertmanager({ configYaml: configYaml(`${vigil.url}/api/webhooks/alertmanager`, path.join(dir, 'token'), 2) });
    stops.push(am.stop);
    const startsAt = new Date(Date.now() - 1000).toISOString();
    await postAlerts(am, Array.from({ length: 5 }, (_, i) => ({
      labels: { alertname: 'ManyDown', service: 'many-svc', instance: `many-${i}:1`, severity: 'critical' }, annotations: {}, startsAt,
    })));
    const incident = await eventually('5 alerts on the incident', 60_000, async () => {
      const [found] = await incidentsOf('many-svc');
      const alerts = found?.timeline.filter((e: { kind: string }) => e.kind === 'alert.firing') ?? [];
      return alerts.length >= 5 ? found : undefined;
    });
    const instances = incident.timeline.filter((e: { kind: string }) => e.kind === 'alert.firing')
      .map((e: { data: { signals: Array<{ attributes: { labels: { instance: string } } }> } }) => e.data.signals[0]?.attributes.labels.instance).sort();
    expect(instances).toEqual(['many-0:1', 'many-1:1', 'many-2:1', 'many-3:1', 'many-4:1']);
    // The webhook really was cut: it carried 2 and the API gave the 3 others, raw data says so.
    const fetched = incident.timeline.filter((e: { data: { signals: Array<{ raw: { alert: { fetchedFrom?: string }; notification: { truncatedAlerts: number } } }> } }) =>
      e.data.signals[0]?.raw.alert.fetchedFrom === 'api/v2/alerts/groups');
    expect(fetched).toHaveLength(3);
    expect(fetched[0].data.signals[0].raw.notification.truncatedAlerts).toBe(3);
    expect((await admin.request('GET', '/api/alerts?service=many-svc')).body.items).toHaveLength(5);
  }, 90_000);
});
