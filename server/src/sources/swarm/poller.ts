// One Docker endpoint as a Swarm manager: task states are not on the events stream, so while the
// endpoint is connected and `GET /info` says it is an active manager, `/services` and `/tasks` are
// read every couple of seconds and what changed becomes signals (tasks.ts), stored with a cursor (the
// newest task time seen) so a restart of Vigil neither loses nor repeats a task's failure.
import type Docker from 'dockerode';
import type { Signal } from '../../domain/index.ts';
import type { SignalSink } from '../../ingest/pipeline.ts';
import type { Logger } from '../../logger.ts';
import type { CursorRepository } from '../../store/types.ts';
import { describeError } from '../docker/api.ts';
import { cursorToNanos, nanosToCursor } from '../docker/stream.ts';
import { listServices, listTasks, swarmManager } from './api.ts';
import { parseList, serviceSchema, taskSchema, type SwarmService, type SwarmTask } from './schemas.ts';
import { servicesByNode, taskSignals } from './tasks.ts';

export const SWARM_SOURCE = 'swarm';
const POLL_MS = 2_000;
/** An endpoint that is no manager is asked again this often (a swarm may be initialized later). */
const NOT_MANAGER_POLL_MS = 15_000;
const CALL_TIMEOUT_MS = 5_000;
/** Task times come from the manager's clock and commits may land slightly out of order: look back this far. */
const OVERLAP_NS = 10_000_000_000n;
const SEEN_KEEP = 4_000;

export class SwarmPoller {
  readonly host: string;
  readonly docker: Docker;
  /** `GET /info` said so at the last poll. */
  manager = false;
  /** `GET /info` answered, and not as a manager. */
  private notManager = false;
  private services: SwarmService[] = [];
  private nodes = new Map<string, string[]>();
  private cursor: bigint | undefined;
  private readonly seen = new Set<string>();
  private readonly deps: { sink: SignalSink; cursors: CursorRepository; logger: Logger; connected: () => boolean; intervalMs?: number };
  private readonly log: Logger;
  private readonly closing = new AbortController();
  private running: Promise<void> | undefined;
  private problem: string | undefined;

  constructor(host: string, docker: Docker, deps: SwarmPoller['deps']) {
    this.host = host;
    this.docker = docker;
    this.deps = deps;
    this.log = deps.logger.child({ module: 'swarm', endpoint: host });
  }

  start(): void {
    this.running ??= this.loop();
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.running;
  }

  /** The Swarm services as last read (empty unless this endpoint is a manager). */
  listServices(): SwarmService[] {
    return this.manager ? this.services : [];
  }

  /** The services with a task meant to run on the node, as last read. */
  servicesOnNode(nodeId: string): string[] {
    return this.nodes.get(nodeId) ?? [];
  }

  private async loop(): Promise<void> {
    while (!this.closing.signal.aborted) {
      if (this.deps.connected()) {
        try {
          await this.poll();
          if (this.problem !== undefined) this.log.info('reading Swarm services and tasks works again');
          this.problem = undefined;
        } catch (err) {
          if (this.closing.signal.aborted) break;
          const problem = describeError(err);
          // Once per distinct reason (e.g. a socket proxy refusing /tasks), not every 2 s.
          if (problem !== this.problem) this.log.warn({ err: problem }, 'reading Swarm services and tasks failed; trying again');
          this.problem = problem;
        }
      }
      await new Promise<void>((resolve) => {
        // Slow only once the endpoint answered that it is no manager (not while it is unreachable).
        const timer = setTimeout(resolve, this.notManager ? NOT_MANAGER_POLL_MS : this.deps.intervalMs ?? POLL_MS);
        this.closing.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
    }
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.closing.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]);
  }

  /** One round: is it a manager, then services and tasks → signals, stored with the new cursor. */
  async poll(): Promise<Signal[]> {
    const d = this.docker;
    const manager = await swarmManager(d, this.signal());
    if (manager !== this.manager) this.log.info({ manager }, manager ? 'endpoint is a Swarm manager: watching services and tasks' : 'endpoint is not a Swarm manager');
    this.manager = manager;
    this.notManager = !manager;
    if (!manager) return [];
    const services = parseList(serviceSchema, await listServices(d, this.signal()));
    const tasks: SwarmTask[] = parseList(taskSchema, await listTasks(d, this.signal()));
    this.services = services;
    this.nodes = servicesByNode(tasks, services);
    if (this.cursor === undefined) {
      const stored = await this.deps.cursors.get(SWARM_SOURCE, this.host);
      // First start: from now on (what failed before is history Vigil did not see happen).
      this.cursor = (stored === null ? undefined : cursorToNanos(stored)) ?? BigInt(Date.now()) * 1_000_000n;
    }
    const { signals, latest } = taskSignals(this.host, tasks, services, this.cursor - OVERLAP_NS);
    const fresh = signals.filter((s) => !this.seen.has(s.id));
    const next = latest > this.cursor ? latest : this.cursor;
    if (fresh.length === 0 && next === this.cursor) return [];
    await this.deps.sink.ingest(fresh, { cursor: { source: SWARM_SOURCE, host: this.host, value: nanosToCursor(next) } });
    this.cursor = next;
    for (const s of fresh) this.seen.add(s.id);
    if (this.seen.size > SEEN_KEEP) for (const id of [...this.seen].slice(0, SEEN_KEEP / 2)) this.seen.delete(id);
    return fresh;
  }
}
