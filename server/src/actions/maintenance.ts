// Maintenance mode: supervision paused per container, or per service on a host (which also covers
// containers Compose recreates under a new id). Kept in the store so a restart of Vigil keeps it.
import { z } from 'zod';
import type { Container } from '../contract/index.ts';
import type { Store } from '../store/types.ts';

// The store has no general key-value table that can be updated; the cursor table is one.
const RECORD = { source: 'supervision', key: 'paused' } as const;
const stored = z.array(z.string());

export type MaintenanceScope = 'container' | 'service';

export class Maintenance {
  private readonly store: Store;
  private paused = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(store: Store) {
    this.store = store;
  }

  async load(): Promise<void> {
    const text = await this.store.cursors.get(RECORD.source, RECORD.key);
    if (text === null) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    const keys = stored.safeParse(parsed);
    if (keys.success) this.paused = new Set(keys.data);
  }

  isPaused(c: Pick<Container, 'host' | 'id' | 'service'>): boolean {
    return this.paused.has(containerKey(c)) || (c.service !== undefined && this.paused.has(serviceKey(c.host, c.service)));
  }

  /** The DTO with what maintenance mode adds to a supervised container. */
  decorate(c: Container): Container {
    return c.supervised ? { ...c, supervisionPaused: this.isPaused(c) } : c;
  }

  /**
   * Pausing a service pauses every container of it on that host, present and future; resuming it
   * also resumes each of `members` (its containers now) paused on its own.
   */
  set(c: Pick<Container, 'host' | 'id' | 'service' | 'name'>, scope: MaintenanceScope, paused: boolean, members: ReadonlyArray<Pick<Container, 'host' | 'id'>> = []): Promise<void> {
    const next = new Set(this.paused);
    const service = serviceKey(c.host, c.service ?? c.name);
    if (paused) next.add(scope === 'service' ? service : containerKey(c));
    else {
      next.delete(containerKey(c));
      if (scope === 'service') {
        next.delete(service);
        for (const m of members) next.delete(containerKey(m));
      }
    }
    this.paused = next;
    const write = () => this.store.cursors.set(RECORD.source, RECORD.key, JSON.stringify([...next].sort()));
    const run = this.chain.then(write, write);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function containerKey(c: Pick<Container, 'host' | 'id'>): string {
  return `c:${c.host}/${c.id}`;
}

function serviceKey(host: string, service: string): string {
  return `s:${host}/${service}`;
}
