// Every container of every Docker host, as `docker inspect` last told it: listed at connect, moved
// at once by each event, then confirmed by a (coalesced) inspect. Changes go out as container:update.
import type Docker from 'dockerode';
import type { Container } from '../../contract/index.ts';
import { KIND } from '../../domain/index.ts';
import type { Signal } from '../../domain/index.ts';
import type { Logger } from '../../logger.ts';
import { applyEvent, factsFromInspect, type ContainerFacts } from './containers.ts';

const INSPECT_DELAY_MS = 50;
const INSPECT_TIMEOUT_MS = 10_000;
const LOAD_CONCURRENCY = 8;

export type ContainerLookup =
  | { ok: true; facts: ContainerFacts }
  | { ok: false; reason: 'unknown' | 'ambiguous'; matches: ContainerFacts[] };

function statusCode(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? Reflect.get(err, 'statusCode') : undefined;
  return typeof code === 'number' ? code : undefined;
}

export class Inventory {
  private readonly hosts = new Map<string, Map<string, ContainerFacts>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly log: Logger;
  private readonly onChange: (container: Container) => void;
  /** Adds what others own (the supervisor's maintenance mode) to each DTO. */
  private readonly decorate: (c: Container) => Container;
  /** Every inspect made, as Docker answered it (the change tracker compares configurations). */
  private readonly onInspect: ((host: string, info: Docker.ContainerInspectInfo, docker: Docker) => void) | undefined;
  private closed = false;

  constructor(deps: {
    logger: Logger;
    onChange: (container: Container) => void;
    decorate?: (c: Container) => Container;
    onInspect?: (host: string, info: Docker.ContainerInspectInfo, docker: Docker) => void;
  }) {
    this.log = deps.logger.child({ module: 'docker-inventory' });
    this.onChange = deps.onChange;
    this.decorate = deps.decorate ?? ((c) => c);
    this.onInspect = deps.onInspect;
  }

  /** Re-sends every container of a service (e.g. after its maintenance mode changed). */
  touch(filter: (facts: ContainerFacts) => boolean): void {
    for (const facts of this.all()) if (filter(facts)) this.onChange(this.decorate(facts.container));
  }

  list(): Container[] {
    return this.all()
      .map((f) => this.decorate(f.container))
      .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  all(): ContainerFacts[] {
    return [...this.hosts.values()].flatMap((m) => [...m.values()]);
  }

  get(host: string, id: string): ContainerFacts | undefined {
    return this.hosts.get(host)?.get(id);
  }

  dto(facts: ContainerFacts): Container {
    return this.decorate(facts.container);
  }

  /** By full id, unique id prefix, or name; `host` narrows the search. */
  find(query: string, host?: string): ContainerLookup {
    const pool = this.all().filter((f) => host === undefined || f.container.host === host);
    for (const match of [
      (f: ContainerFacts) => f.container.id === query,
      (f: ContainerFacts) => query.length >= 3 && f.container.id.startsWith(query),
      (f: ContainerFacts) => f.container.name === query,
    ]) {
      const matches = pool.filter(match);
      if (matches.length === 1 && matches[0]) return { ok: true, facts: matches[0] };
      if (matches.length > 1) return { ok: false, reason: 'ambiguous', matches };
    }
    return { ok: false, reason: 'unknown', matches: [] };
  }

  /** Lists and inspects every container of a host; what is gone since is dropped. */
  async load(host: string, docker: Docker): Promise<ContainerFacts[]> {
    const summaries = await docker.listContainers({ all: true, abortSignal: AbortSignal.timeout(INSPECT_TIMEOUT_MS) });
    const found = new Map<string, ContainerFacts>();
    const queue = summaries.map((s) => s.Id);
    await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const facts = await this.inspect(host, docker, id);
        if (facts) found.set(id, facts);
      }
    }));
    const previous = this.hosts.get(host) ?? new Map<string, ContainerFacts>();
    this.hosts.set(host, found);
    for (const [id, facts] of previous) if (!found.has(id)) this.onChange(this.decorate({ ...facts.container, state: 'removed' }));
    for (const facts of found.values()) this.changed(previous.get(facts.container.id), facts);
    this.log.info({ host, containers: found.size }, 'inventory loaded');
    return [...found.values()];
  }

  /** An event of a host: applied at once, then confirmed by an inspect shortly after. */
  apply(host: string, signal: Signal, docker: Docker): void {
    const id = signal.container;
    if (id === undefined) return;
    const map = this.hosts.get(host);
    if (signal.kind === KIND.destroy) {
      const facts = map?.get(id);
      map?.delete(id);
      clearTimeout(this.timers.get(`${host}/${id}`));
      if (facts) this.onChange(this.decorate({ ...facts.container, state: 'removed' }));
      return;
    }
    const facts = map?.get(id);
    const moved = facts ? applyEvent(facts, signal) : null;
    if (facts && moved && map) {
      map.set(id, moved);
      this.changed(facts, moved);
    }
    this.refreshSoon(host, id, docker);
  }

  refreshSoon(host: string, id: string, docker: Docker): void {
    if (this.closed) return;
    const key = `${host}/${id}`;
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      void this.refresh(host, id, docker);
    }, INSPECT_DELAY_MS);
    timer.unref();
    this.timers.set(key, timer);
  }

  async refresh(host: string, id: string, docker: Docker): Promise<ContainerFacts | undefined> {
    const facts = await this.inspect(host, docker, id, true);
    const map = this.hosts.get(host) ?? new Map<string, ContainerFacts>();
    this.hosts.set(host, map);
    const before = map.get(id);
    if (facts === undefined) return before;
    map.set(id, facts);
    this.changed(before, facts);
    return facts;
  }

  private async inspect(host: string, docker: Docker, id: string, dropWhenGone = false): Promise<ContainerFacts | undefined> {
    try {
      const info = await docker.getContainer(id).inspect({ abortSignal: AbortSignal.timeout(INSPECT_TIMEOUT_MS) });
      this.onInspect?.(host, info, docker);
      return factsFromInspect(host, info);
    } catch (err) {
      if (statusCode(err) === 404) {
        const gone = dropWhenGone ? this.hosts.get(host)?.get(id) : undefined;
        if (gone) {
          this.hosts.get(host)?.delete(id);
          this.onChange(this.decorate({ ...gone.container, state: 'removed' }));
        }
      } else {
        this.log.warn({ host, container: id, err }, 'inspect failed; the inventory keeps what it knew');
      }
      return undefined;
    }
  }

  private changed(before: ContainerFacts | undefined, after: ContainerFacts): void {
    if (before && JSON.stringify(before.container) === JSON.stringify(after.container)) return;
    this.onChange(this.decorate(after.container));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
