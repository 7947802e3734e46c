// A receiver for the pages Vigil sends (webhook, Slack, Teams, Discord, Mattermost, Telegram,
// ntfy stand-in): a real HTTP server on loopback that records every request as it arrived, and
// can be told how to answer the next ones: a status, hanging without an answer, or being down.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Bodies kept per request: pages are small; a runaway sender must not fill the test's memory. */
const BODY_LIMIT = 1024 * 1024;

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Lower-case names, as node parses them. */
  headers: http.IncomingHttpHeaders;
  /** The raw body, byte for byte (signatures are computed over it). */
  body: Buffer;
  text: string;
  receivedAt: number;
}

export interface PlannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Receiver {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Every request answered or hung, oldest first. Connections refused while down are not here. */
  readonly requests: RecordedRequest[];
  /** The next `times` requests get this answer (queued after earlier plans); then 200 again. */
  answer(answer: PlannedAnswer, times?: number): void;
  /** The next `times` requests are read and recorded but never answered (a sender's timeout). */
  hang(times?: number): void;
  /** Every new connection is closed at once until up(): the receiver is down. */
  down(): void;
  up(): void;
  /** The requests once at least `count` arrived; throws after `timeoutMs` saying how many did. */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Forgets recorded requests and planned answers. */
  reset(): void;
  close(): Promise<void>;
}

type Plan = PlannedAnswer | 'hang';

export async function startReceiver(): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const plans: Plan[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const hung = new Set<http.ServerResponse>();
  let isDown = false;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, text: body.toString('utf8'), receivedAt: Date.now() });
      for (const wake of waiters) wake();
      const plan = plans.shift() ?? { status: 200, body: 'ok' };
      if (plan === 'hang') {
        hung.add(res);
        return;
      }
      res.writeHead(plan.status, { 'content-type': 'text/plain; charset=utf-8', ...plan.headers });
      res.end(plan.body ?? '');
    });
  });
  server.on('connection', (socket: Socket) => {
    if (isDown) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    answer(answer, times = 1) {
      for (let i = 0; i < times; i += 1) plans.push(answer);
    },
    hang(times = 1) {
      for (let i = 0; i < times; i += 1) plans.push('hang');
    },
    down() {
      isDown = true;
      // Kept-alive connections go too: a receiver that is down answers nothing.
      for (const socket of sockets) socket.destroy();
    },
    up() {
      isDown = false;
    },
    async waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return requests;
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`the receiver got ${requests.length} request(s) within ${timeoutMs} ms, expected ${count}`));
        }, timeoutMs);
        waiters.add(wake);
      });
      return requests;
    },
    reset() {
      requests.splice(0);
      plans.splice(0);
    },
    async close() {
      for (const res of hung) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
