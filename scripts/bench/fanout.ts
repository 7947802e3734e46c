// One timeline entry (a note posted through the API) fanned out by socket.io to many signed-in
// clients: the time from the POST until each client has the `timeline:append` in hand.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { row, sleep, summarize, until, type Row } from './stats.ts';
import { Session, startVigil, WEBHOOK_TOKEN, type VigilProcess, type VigilSocket } from './vigil.ts';

const FANOUT_GOAL_MS = 250;
/** Nothing listens here: this Vigil must not watch (or heal) the containers of anyone else on the machine. */
export const NO_DOCKER = 'unix:///nonexistent/vigil-bench/docker.sock';
const SOCKETS_PER_TOKEN = 20;

/** Opens an incident through the Alertmanager webhook and returns its id. */
export async function openIncidentByAlert(session: Session, service: string): Promise<string> {
  const startsAt = new Date().toISOString();
  const res = await fetch(`${session.url}/api/webhooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      receiver: 'vigil', status: 'firing', version: '4', groupKey: `{}:{service="${service}"}`, truncatedAlerts: 0,
      externalURL: 'http://alertmanager.bench:9093', groupLabels: { service }, commonLabels: { service }, commonAnnotations: {},
      alerts: [{
        status: 'firing', labels: { alertname: 'BenchDown', service, severity: 'critical' }, annotations: { summary: `${service} is down` },
        startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.bench:9090/graph', fingerprint: randomUUID().slice(0, 16),
      }],
    }),
  });
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
  return until(`an incident for ${service}`, 10_000, async () => {
    const page = await session.get(`/api/incidents?status=all&service=${encodeURIComponent(service)}&limit=1`) as { items: Array<{ id: string }> };
    return page.items[0]?.id;
  }, 50);
}

export async function fanoutBench(options: { clients: number; rounds: number; logDir: string }): Promise<Row[]> {
  let vigil: VigilProcess | undefined;
  const sockets: VigilSocket[] = [];
  try {
    vigil = await startVigil({ name: 'fanout', logDir: options.logDir, env: { DOCKER_HOSTS: NO_DOCKER } });
    const session = await Session.signIn(vigil.url);
    const incidentId = await openIncidentByAlert(session, 'bench-fanout');
    let current: { text: string; times: number[] } | undefined;
    // A thousand browsers are many people: one viewer token per 20 clients (Vigil's limit per user or token).
    const tokens: string[] = [];
    for (let t = 0; t * SOCKETS_PER_TOKEN < options.clients; t += 1) {
      const created = await session.post('/api/tokens', { name: `bench-fanout-${t}`, role: 'viewer' }) as { token: string };
      tokens.push(created.token);
    }
    // 50 handshakes at a time, as browsers reconnecting after a deploy would come in waves.
    for (let i = 0; i < options.clients; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, options.clients - i) }, (_, k) =>
        session.socket(tokens[Math.floor((i + k) / SOCKETS_PER_TOKEN)])));
      for (const socket of batch) {
        const index = sockets.length;
        sockets.push(socket);
        socket.on('timeline:append', (entry) => {
          if (current && current.times[index] === undefined && entry.message.includes(current.text)) current.times[index] = performance.now();
        });
      }
    }
    const rssConnected = vigil.memory().rss;
    await sleep(500);
    const latencies: number[] = [];
    const roundMax: number[] = [];
    const roundFirst: number[] = [];
    for (let r = 0; r < options.rounds + 1; r += 1) {
      const round = { text: `fan-out round ${r} ${randomUUID()}`, times: new Array<number>(sockets.length) };
      current = round;
      const t0 = performance.now();
      await session.post(`/api/incidents/${incidentId}/notes`, { text: round.text });
      await until(`round ${r} at every client`, 20_000, () => (round.times.filter((t) => t !== undefined).length === sockets.length ? true : undefined), 5);
      const ms = round.times.map((t) => t - t0);
      // The first round warms up the code paths (JIT, the serializer); it is not counted.
      if (r > 0) {
        latencies.push(...ms);
        roundMax.push(Math.max(...ms));
        roundFirst.push(Math.min(...ms));
      }
      await sleep(300);
    }
    const s = summarize(latencies);
    const note = `${sockets.length} clients × ${options.rounds} notes (POST /api/incidents/:id/notes → timeline:append at each client; includes storing it); first client per round p50 ${summarize(roundFirst).p50} ms, slowest p50 ${summarize(roundMax).p50} ms (the spread is the server writing to every socket and this process reading them, on the same cores); server RSS with the clients connected ${Math.round(rssConnected / 2 ** 20)} MB`;
    return [
      row('fanout', `fan-out to ${sockets.length} clients p50`, s.p50, 'ms', undefined, note),
      row('fanout', `fan-out to ${sockets.length} clients p99`, s.p99, 'ms', { kind: 'max', value: FANOUT_GOAL_MS }, note, { latencyMs: latencies.map((x) => Math.round(x * 100) / 100) }),
    ];
  } finally {
    for (const s of sockets) s.close();
    await vigil?.stop();
  }
}
