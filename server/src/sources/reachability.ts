// Periodic reachability checks of each configured source, feeding the status board, so /readyz
// and the UI say honestly what Vigil can see. The sources themselves keep their own state too.
import type Docker from 'dockerode';
import type { Logger } from '../logger.ts';
import type { StatusBoard } from '../status.ts';

export interface ReachabilityCheck {
  source: string;
  host?: string;
  check(signal: AbortSignal): Promise<void>;
}

export function dockerCheck(host: string, docker: Docker): ReachabilityCheck {
  return { source: 'docker', host, check: (signal) => untilAborted(docker.ping(), signal) };
}

export function prometheusCheck(url: string): ReachabilityCheck {
  return {
    source: 'prometheus',
    host: url,
    check: async (signal) => {
      const res = await fetch(`${url}/-/ready`, { signal });
      if (!res.ok) throw new Error(`Prometheus answered ${res.status} on /-/ready`);
    },
  };
}

/** Rejects when the signal aborts first (dockerode's typings offer no abort for ping). */
async function untilAborted(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(() => resolve(), reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: string }).code;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${code ? `${code} ` : ''}${err.message}${cause}`;
  }
  return String(err);
}

export class ReachabilityMonitor {
  private readonly checks: ReachabilityCheck[];
  private readonly board: StatusBoard;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();

  constructor(checks: ReachabilityCheck[], board: StatusBoard, log: Logger, intervalMs = 10_000) {
    this.checks = checks;
    this.board = board;
    this.log = log.child({ module: 'reachability' });
    this.intervalMs = intervalMs;
    for (const c of checks) board.set(c.source, c.host, 'connecting');
  }

  async runOnce(): Promise<void> {
    await Promise.all(this.checks.map(async (c) => {
      const timeout = AbortSignal.any([this.abort.signal, AbortSignal.timeout(3_000)]);
      try {
        await c.check(timeout);
        if (this.board.set(c.source, c.host, 'up')) this.log.info({ source: c.source, host: c.host }, 'source reachable');
      } catch (err) {
        if (this.abort.signal.aborted) return;
        const detail = describe(err);
        if (this.board.set(c.source, c.host, 'down', detail)) {
          this.log.warn({ source: c.source, host: c.host, detail }, 'source unreachable');
        }
      }
    }));
  }

  start(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
  }
}
