// A worker thread holding one replica's share of the fan-out benchmark's socket.io clients, so the
// clients of two replicas are read by two event loops (as browsers on many machines would be), not
// one after the other. Told a round's text, it answers with the wall-clock time (ms since the epoch,
// sub-millisecond) at which each of its clients had that `timeline:append`.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { io } from 'socket.io-client';
import type { VigilSocket } from './vigil.ts';

export interface ClientsWorkerData {
  url: string;
  /** One viewer token per SOCKETS_PER_TOKEN clients. */
  tokens: string[];
  perToken: number;
  count: number;
}
export type ToClients = { type: 'round'; text: string } | { type: 'close' };
export type FromClients = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'round'; text: string; times: number[] }
  /** A client lost its connection (it does not reconnect: the figures would mix in a reconnect). */
  | { type: 'lost'; reason: string };

const port = parentPort;
if (!port) throw new Error('fanout-clients.ts runs as a worker thread');
const data = workerData as ClientsWorkerData;
const sockets: VigilSocket[] = [];
let current: { text: string; times: number[]; got: number } | undefined;
let closing = false;
const now = () => performance.timeOrigin + performance.now();

function open(token: string | undefined): Promise<VigilSocket> {
  const socket: VigilSocket = io(data.url, { transports: ['websocket'], reconnection: false, auth: { token } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no server:hello within 30 s')), 30_000);
    socket.once('server:hello', () => { clearTimeout(timer); resolve(socket); });
    socket.once('connect_error', (err) => { clearTimeout(timer); reject(err); });
  });
}

try {
  // 50 handshakes at a time, as browsers reconnecting after a deploy would come in waves.
  for (let i = 0; i < data.count; i += 50) {
    sockets.push(...await Promise.all(Array.from({ length: Math.min(50, data.count - i) }, (_, k) => open(data.tokens[Math.floor((i + k) / data.perToken)]))));
  }
  sockets.forEach((socket, index) => {
    socket.on('disconnect', (reason) => {
      if (!closing) port.postMessage({ type: 'lost', reason: `client ${index} of ${data.url}: ${reason}` } satisfies FromClients);
    });
    socket.on('timeline:append', (entry) => {
      const round = current;
      if (!round || round.times[index] !== undefined || !entry.message.includes(round.text)) return;
      round.times[index] = now();
      round.got += 1;
      if (round.got === sockets.length) {
        current = undefined;
        port.postMessage({ type: 'round', text: round.text, times: round.times } satisfies FromClients);
      }
    });
  });
  port.postMessage({ type: 'ready' } satisfies FromClients);
} catch (err) {
  port.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) } satisfies FromClients);
}

port.on('message', (message: ToClients) => {
  if (message.type === 'round') {
    current = { text: message.text, times: new Array<number>(sockets.length), got: 0 };
    return;
  }
  closing = true;
  for (const socket of sockets) socket.close();
  port.close();
});
