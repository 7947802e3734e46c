// Paging (issue 13) against a real Vigil process, a real dockerd and a real loopback receiver:
// `docker kill` → the page's first delivery attempt at the receiver; many containers killed at once
// → messages per channel in the first minute and the incidents they list; a receiver down while
// incidents open → every page delivered once it is back, none twice. Each part has its own Vigil
// (fresh store, one webhook channel, one policy for every service) so no part's incidents page another's.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DIGEST_WINDOW_MS } from '../../server/src/paging/planner.ts';
import { startReceiver, type Receiver, type RecordedRequest } from '../../server/test/harness/receiver.ts';
import { daemon, dockerodeFor, EventClock, runIdle, type Daemon } from './docker.ts';
import { failed, row, sleep, summarize, until, type Row } from './stats.ts';
import { dockerSourceUp, Session, startVigil, WEBHOOK_TOKEN, type VigilProcess, type VigilSocket } from './vigil.ts';

const FIRST_PAGE_GOALS = { p50: 300, p99: 1_000 };
const STORM_MESSAGES_GOAL = 3;
const STORM_WINDOW_MS = 60_000;
/** Trials this far apart each get a page of their own: the previous opened page is out of the digest window. */
const TRIAL_SPACING_MS = DIGEST_WINDOW_MS + 300;
/** The dispatcher's back-off is capped at 5 min: after the receiver is back, every page is due within that. */
const REDELIVERY_TIMEOUT_MS = 6 * 60_000;

export interface PagingBenchOptions {
  /** docker kill → first page, one container per trial. */
  trials: number;
  /** Containers killed at once. */
  storm: number;
  /** How long the receiver is down, and how many incidents open meanwhile. */
  outageMs: number;
  outageIncidents: number;
  logDir: string;
}

/** A request as a page: its event, delivery id, when it arrived, and the incidents it names. */
interface Page {
  event: string;
  deliveryId: string;
  at: number;
  incidents: Array<{ id: string; service: string }>;
}

function pageOf(r: RecordedRequest): Page {
  const body = JSON.parse(r.text) as { incident?: { id: string; service: string }; incidents?: Array<{ id: string; service: string }> };
  const event = String(r.headers['x-vigil-event'] ?? '');
  // A digest lists every incident it stands for in `incidents` (the first included); other pages name one.
  const incidents = event === 'digest' ? body.incidents ?? [] : body.incident ? [body.incident] : [];
  return { event, deliveryId: String(r.headers['x-vigil-delivery'] ?? ''), at: r.receivedAt, incidents: incidents.map((i) => ({ id: i.id, service: i.service })) };
}

const pagesOf = (receiver: Receiver): Page[] => receiver.requests.map(pageOf);

/** What a socket.io client signed in as admin sees: when each service's incident first arrived, and the containers Vigil knows. */
class Board {
  readonly upserts = new Map<string, number>();
  readonly inventory = new Set<string>();

  constructor(socket: VigilSocket) {
    socket.on('incident:upsert', (incident) => {
      if (!this.upserts.has(incident.service)) this.upserts.set(incident.service, Date.now());
    });
    socket.on('container:update', (c) => this.inventory.add(c.id));
  }
}

/** A Vigil that may page a loopback receiver, with one webhook channel to it and one policy paging every service at once. */
async function pagingVigil(name: string, d: Daemon, receiver: Receiver, logDir: string) {
  const vigil = await startVigil({
    name, logDir,
    env: { DOCKER_HOSTS: d.endpoint, NOTIFY_ALLOW_PRIVATE: 'true', QUIET_PERIOD_SECONDS: '600' },
  });
  try {
    await dockerSourceUp(vigil.url);
    const session = await Session.signIn(vigil.url);
    const socket = await session.socket();
    const board = new Board(socket);
    const channel = await session.post('/api/notification-channels', { name: 'bench hook', type: 'webhook', config: { url: `${receiver.url}/vigil` } }) as { id: string };
    await session.post('/api/escalation-policies', {
      name: 'bench: everything', services: ['*'], repeat: 0, steps: [{ afterSeconds: 0, targets: [{ channelId: channel.id }] }],
    });
    return { vigil, session, socket, board, channelId: channel.id };
  } catch (err) {
    await vigil.stop();
    throw err;
  }
}

async function runServices(d: Daemon, services: string[], parallel: number): Promise<string[]> {
  const ids: string[] = [];
  // A few at a time: `docker run` is the slow part and this machine is shared.
  for (let i = 0; i < services.length; i += parallel) {
    ids.push(...await Promise.all(services.slice(i, i + parallel).map((s) => runIdle(d, `vigil-bench-${s}`, { 'com.docker.compose.service': s }))));
  }
  return ids;
}

function progress(text: string): void {
  process.stderr.write(`bench: paging: ${text}\n`);
}

async function firstPage(d: Daemon, o: PagingBenchOptions): Promise<Row[]> {
  const receiver = await startReceiver();
  let vigil: VigilProcess | undefined;
  let socket: VigilSocket | undefined;
  const ids: string[] = [];
  try {
    const v = await pagingVigil('paging-first', d, receiver, o.logDir);
    ({ vigil, socket } = v);
    const tag = randomUUID().slice(0, 6);
    const services = Array.from({ length: o.trials }, (_, i) => `page-${tag}-${i}`);
    ids.push(...await runServices(d, services, 4));
    await until('the test containers in Vigil\'s inventory', 20_000 + 200 * ids.length, () => (ids.every((id) => v.board.inventory.has(id)) ? true : undefined), 20);
    await sleep(500);
    const api = dockerodeFor(d.endpoint);
    const page: number[] = [];
    const detect: number[] = [];
    let digested = 0;
    let lastPageAt = 0;
    progress(`docker kill → first page, ${services.length} trials ${TRIAL_SPACING_MS} ms apart`);
    for (const [i, id] of ids.entries()) {
      const service = services[i] as string;
      await sleep(Math.max(0, lastPageAt + TRIAL_SPACING_MS - Date.now()));
      const t0 = Date.now();
      await api.getContainer(id).kill();
      const paged = await until(`the page for ${service}`, 15_000, () => pagesOf(receiver).find((p) => p.incidents.some((x) => x.service === service)), 2);
      const upsert = await until(`incident:upsert for ${service}`, 10_000, () => v.board.upserts.get(service), 2);
      lastPageAt = paged.at;
      // Another incident paged this channel within the digest window (only possible on a shared daemon): not this figure.
      if (paged.event !== 'incident.opened') {
        digested += 1;
        continue;
      }
      page.push(paged.at - t0);
      detect.push(upsert - t0);
    }
    const p = summarize(page);
    const det = summarize(detect);
    const share = summarize(page.map((x, i) => x - (detect[i] as number)));
    const note = `${p.n} trials, ${d.kind}, one webhook channel, policy services ["*"] step 0 at 0 s; trials ${TRIAL_SPACING_MS} ms apart so none joins a digest`
      + `${digested > 0 ? ` (${digested} joined another incident's digest and are not counted)` : ''}; kill → incident:upsert p50 ${det.p50} / p99 ${det.p99} ms, upsert → page p50 ${share.p50} / p99 ${share.p99} ms (it waits for the death evidence entry, at most 500 ms)`;
    return [
      row('paging', 'docker kill → first page attempt at the receiver p50', p.p50, 'ms', { kind: 'max', value: FIRST_PAGE_GOALS.p50 }, note),
      row('paging', 'docker kill → first page attempt at the receiver p99', p.p99, 'ms', { kind: 'max', value: FIRST_PAGE_GOALS.p99 }, note, { page, detect }),
    ];
  } finally {
    socket?.close();
    await vigil?.stop();
    await receiver.close();
    if (ids.length > 0) await d.cli(['rm', '-f', '-v', ...ids]).catch(() => undefined);
  }
}

async function storm(d: Daemon, o: PagingBenchOptions): Promise<Row[]> {
  const receiver = await startReceiver();
  let vigil: VigilProcess | undefined;
  let socket: VigilSocket | undefined;
  const ids: string[] = [];
  const clock = new EventClock();
  try {
    const v = await pagingVigil('paging-storm', d, receiver, o.logDir);
    ({ vigil, socket } = v);
    const tag = randomUUID().slice(0, 6);
    const services = Array.from({ length: o.storm }, (_, i) => `storm-${tag}-${i}`);
    progress(`starting ${services.length} containers`);
    ids.push(...await runServices(d, services, 8));
    await until('the storm\'s containers in Vigil\'s inventory', 20_000 + 200 * ids.length, () => (ids.every((id) => v.board.inventory.has(id)) ? true : undefined), 50);
    await sleep(1_000);
    const api = dockerodeFor(d.endpoint);
    // Docker's own die events, on a stream of ours: how long the daemon takes to report the deaths bounds the digest count.
    await clock.open(api);
    progress(`killing ${ids.length} containers at once, then counting pages for a minute`);
    const t0 = Date.now();
    const t0perf = performance.now();
    await Promise.all(ids.map((id) => api.getContainer(id).kill()));
    const killedMs = Date.now() - t0;
    await sleep(Math.max(0, t0 + STORM_WINDOW_MS - Date.now()));
    const ours = new Set(services);
    const inMinute = pagesOf(receiver).filter((p) => p.at - t0 <= STORM_WINDOW_MS);
    const listed = new Set<string>();
    const listedServices = new Set<string>();
    for (const p of inMinute) {
      if (p.event !== 'incident.opened' && p.event !== 'digest') continue;
      for (const i of p.incidents) {
        if (!ours.has(i.service)) continue;
        listed.add(i.id);
        listedServices.add(i.service);
      }
    }
    const dies = ids.map((id) => clock.dies.get(id)).filter((t) => t !== undefined).map((t) => Math.round(t - t0perf));
    const dieSpan = dies.length === 0 ? 'no die events seen' : `Docker's die events at +${Math.min(...dies)}…+${Math.max(...dies)} ms (${dies.length})`;
    const held = v.board.upserts.size;
    const shape = inMinute.map((p) => `${p.event} (${p.incidents.length}) at +${p.at - t0} ms`).join(', ');
    const note = `${ids.length} containers killed at once (the ${ids.length} kill calls took ${killedMs} ms; ${dieSpan}), ${d.kind}, one webhook channel; `
      + `messages in the first minute: ${shape || 'none'}; ${listedServices.size} of ${ids.length} services listed, ${held} services with an incident on the board`;
    return [
      row('paging', `${ids.length} containers killed at once → messages to the channel in the first minute`, inMinute.length, 'messages', { kind: 'max', value: STORM_MESSAGES_GOAL }, note),
      row('paging', `${ids.length} containers killed at once → incidents listed in those messages`, listed.size, 'incidents', { kind: 'min', value: ids.length }, note),
    ];
  } finally {
    clock.close();
    socket?.close();
    await vigil?.stop();
    await receiver.close();
    if (ids.length > 0) await d.cli(['rm', '-f', '-v', ...ids]).catch(() => undefined);
  }
}

/** One firing Alertmanager alert for `service`, starting now. */
function alert(service: string, fingerprint: string): string {
  return JSON.stringify({
    version: '4', status: 'firing', receiver: 'vigil', groupKey: `{}:{service="${service}"}`, truncatedAlerts: 0,
    groupLabels: { service }, commonLabels: { service }, commonAnnotations: {}, externalURL: 'http://alertmanager.bench:9093',
    alerts: [{
      status: 'firing', labels: { alertname: 'BenchDown', service, severity: 'critical' }, annotations: { summary: `${service} is down` },
      startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.bench:9090/graph', fingerprint,
    }],
  });
}

async function outage(d: Daemon, o: PagingBenchOptions): Promise<Row[]> {
  const receiver = await startReceiver();
  let vigil: VigilProcess | undefined;
  let socket: VigilSocket | undefined;
  try {
    const v = await pagingVigil('paging-outage', d, receiver, o.logDir);
    ({ vigil, socket } = v);
    const url = v.vigil.url;
    const tag = randomUUID().slice(0, 6);
    const services = Array.from({ length: o.outageIncidents }, (_, i) => `outage-${tag}-${i}`);
    progress(`receiver down for ${o.outageMs / 1000} s while ${services.length} incidents open`);
    receiver.down();
    const downAt = Date.now();
    // Spread over the first three quarters of the outage: opened pages and digests, each with its own back-off.
    const spacing = (o.outageMs * 0.75) / services.length;
    for (const [i, service] of services.entries()) {
      await sleep(Math.max(0, downAt + i * spacing - Date.now()));
      const res = await fetch(`${url}/api/webhooks/alertmanager`, {
        method: 'POST', body: alert(service, `${tag}${i.toString(16).padStart(10, '0')}`),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      });
      if (res.status !== 200) throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
    }
    const expected = new Map<string, string>();
    for (const service of services) {
      const list = await v.session.get(`/api/incidents?service=${encodeURIComponent(service)}&status=all`) as { items: Array<{ id: string }> };
      const id = list.items[0]?.id;
      if (id === undefined) throw new Error(`no incident for ${service}`);
      expected.set(id, service);
    }
    await sleep(Math.max(0, downAt + o.outageMs - Date.now()));
    const attemptsWhileDown = await attemptsSoFar(v.session, [...expected.keys()]);
    receiver.up();
    const upAt = Date.now();
    progress('receiver up; waiting for every page');
    // Every incident named by a page that arrived, then nothing pending in the outbox for any of them.
    await until('every incident paged after the receiver came back', REDELIVERY_TIMEOUT_MS, () => {
      const named = new Set(pagesOf(receiver).flatMap((p) => p.incidents.map((i) => i.id)));
      return [...expected.keys()].every((id) => named.has(id)) ? true : undefined;
    }, 100);
    await until('no page pending', 60_000, async () => ((await pendingFor(v.session, [...expected.keys()])) === 0 ? true : undefined), 500);
    await sleep(2_000);

    // The receiver answers 200 to every request it records (no other answer planned; refused connections are not recorded).
    const pages = pagesOf(receiver);
    const firstArrival = new Map<string, number>();
    const answered = new Map<string, number>();
    for (const p of pages) {
      answered.set(p.deliveryId, (answered.get(p.deliveryId) ?? 0) + 1);
      if (!firstArrival.has(p.deliveryId)) firstArrival.set(p.deliveryId, p.at);
    }
    const duplicates = [...answered.values()].reduce((n, count) => n + Math.max(0, count - 1), 0);
    const ourPages = pages.filter((p) => p.incidents.some((i) => expected.has(i.id)));
    const delivered = new Set(ourPages.flatMap((p) => p.incidents.map((i) => i.id)).filter((id) => expected.has(id)));
    const lastMs = Math.max(...ourPages.map((p) => (firstArrival.get(p.deliveryId) as number) - upAt));
    const pagedTwice = [...expected.keys()].filter((id) => ourPages.filter((p) => p.event !== 'incident.resolved' && p.event !== 'incident.acknowledged' && p.incidents.some((i) => i.id === id)).length > 1).length;
    const events = [...new Set(ourPages.map((p) => p.deliveryId))].length;
    const note = `receiver down ${o.outageMs / 1000} s (new connections closed at once), ${services.length} Alertmanager incidents opened ${Math.round(spacing)} ms apart meanwhile, `
      + `${attemptsWhileDown} attempts refused while down; after it was back: ${pages.length} requests answered 200, ${answered.size} delivery ids (${events} naming these incidents), `
      + `${pagedTwice} incidents named by more than one page`;
    return [
      row('paging', `receiver down ${o.outageMs / 1000} s → incidents whose page was delivered after it was back`, delivered.size, 'incidents', { kind: 'min', value: expected.size }, note),
      row('paging', `receiver down ${o.outageMs / 1000} s → delivery ids answered 2xx more than once`, duplicates, 'duplicates', { kind: 'max', value: 0 }, note),
      row('paging', `receiver down ${o.outageMs / 1000} s → receiver up to the last page delivered`, Math.round(lastMs), 'ms', undefined, note,
        { afterUp: [...new Set(ourPages.map((p) => p.deliveryId))].map((id) => (firstArrival.get(id) as number) - upAt) }),
    ];
  } finally {
    socket?.close();
    await vigil?.stop();
    await receiver.close();
  }
}

interface Deliveries {
  deliveries: Array<{ id: string; state: string; attempts: number }>;
}

/** Each delivery once (a digest is listed under every incident it names). */
async function deliveriesOf(session: Session, incidentIds: string[]): Promise<Map<string, { state: string; attempts: number }>> {
  const all = new Map<string, { state: string; attempts: number }>();
  for (const id of incidentIds) {
    const paging = await session.get(`/api/incidents/${id}/paging`) as Deliveries;
    for (const d of paging.deliveries) all.set(d.id, { state: d.state, attempts: d.attempts });
  }
  return all;
}

async function attemptsSoFar(session: Session, incidentIds: string[]): Promise<number> {
  return [...(await deliveriesOf(session, incidentIds)).values()].reduce((n, d) => n + d.attempts, 0);
}

async function pendingFor(session: Session, incidentIds: string[]): Promise<number> {
  return [...(await deliveriesOf(session, incidentIds)).values()].filter((d) => d.state === 'pending').length;
}

export async function pagingBench(o: PagingBenchOptions): Promise<Row[]> {
  const d = await daemon();
  const rows: Row[] = [];
  try {
    // One part that cannot run does not take the others' figures with it.
    for (const [name, part] of [['first page', firstPage], ['storm', storm], ['receiver down', outage]] as const) {
      try {
        rows.push(...await part(d, o));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        progress(`${name} failed: ${reason}`);
        rows.push(failed(`paging: ${name}`, reason.split('\n')[0] ?? reason));
      }
    }
    return rows;
  } finally {
    await d.stop();
  }
}
