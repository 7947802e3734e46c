// What paging needs to know, read from the store once and kept until an admin changes something:
// channels (secrets opened), policies, schedules, maintenance windows, people's contact methods.
import type { ChannelType, ContactMethods, EscalationPolicy, MaintenanceWindow, Schedule } from '../contract/index.ts';
import type { ConfigDoc, Store } from '../store/types.ts';
import type { SecretBox } from './secrets.ts';

/** A channel with its secrets opened: only the sender and the planner see this. */
export interface OpenChannel {
  id: string;
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface PagingSnapshot {
  channels: Map<string, OpenChannel>;
  policies: EscalationPolicy[];
  schedules: Schedule[];
  maintenance: MaintenanceWindow[];
  contacts: Record<string, ContactMethods>;
  users: Record<string, { id: string; username: string }>;
  /** Channels whose secrets do not open with the keys this Vigil has (a lost or changed key): they cannot send. */
  unreadable: Array<{ channelId: string; channelName: string; error: string }>;
}

/** The stored body of a channel: the wire record less the masking, secrets sealed. */
export interface StoredChannel {
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  createdAt: string;
}

/** A stored document as the API shows it: its body with its id and when it was last saved. */
export const docAs = <T>(doc: ConfigDoc): T => ({ ...doc.body, id: doc.id, updatedAt: doc.updatedAt }) as T;

export class PagingDirectory {
  private readonly store: Store;
  private readonly box: SecretBox;
  private cached: Promise<PagingSnapshot> | undefined;
  private cachedAtMs = 0;
  private readonly maxAgeMs: number;

  /**
   * `maxAgeMs`: how long a snapshot is used before the store is read again. With several replicas
   * an admin's edit on another replica reaches the leader's pages within it (this replica's own
   * edits call `invalidate`).
   */
  constructor(store: Store, box: SecretBox, options: { maxAgeMs?: number } = {}) {
    this.store = store;
    this.box = box;
    this.maxAgeMs = options.maxAgeMs ?? 5_000;
  }

  /** The current configuration; read from the store on first use, after each `invalidate` and once older than `maxAgeMs`. */
  snapshot(): Promise<PagingSnapshot> {
    if (this.cached !== undefined && Date.now() - this.cachedAtMs > this.maxAgeMs) this.cached = undefined;
    if (this.cached === undefined) this.cachedAtMs = Date.now();
    const current = this.cached ?? this.load();
    this.cached = current;
    // A failed read is not kept: the next call tries again.
    current.catch(() => { if (this.cached === current) this.cached = undefined; });
    return current;
  }

  /** An admin changed a channel, policy, schedule, window, contact or user. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async load(): Promise<PagingSnapshot> {
    const [channelDocs, policyDocs, scheduleDocs, windowDocs, contactDocs, users] = await Promise.all([
      this.store.configs.list('channel'), this.store.configs.list('policy'), this.store.configs.list('schedule'),
      this.store.configs.list('maintenance'), this.store.configs.list('contact'), this.store.users.list(),
    ]);
    const channels = new Map<string, OpenChannel>();
    const unreadable: PagingSnapshot['unreadable'] = [];
    for (const doc of channelDocs) {
      const body = doc.body as unknown as StoredChannel;
      try {
        channels.set(doc.id, {
          id: doc.id, name: body.name, type: body.type, config: this.box.open(body.config, body.type),
          createdAt: body.createdAt, updatedAt: doc.updatedAt,
        });
      } catch (err) {
        unreadable.push({ channelId: doc.id, channelName: body.name, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const contacts: Record<string, ContactMethods> = {};
    for (const doc of contactDocs) contacts[doc.id] = doc.body as ContactMethods;
    const people: PagingSnapshot['users'] = {};
    for (const u of users) if (u.disabled !== true) people[u.id] = { id: u.id, username: u.username };
    return {
      channels,
      policies: policyDocs.map((d) => docAs<EscalationPolicy>(d)),
      schedules: scheduleDocs.map((d) => docAs<Schedule>(d)),
      maintenance: windowDocs.map((d) => docAs<MaintenanceWindow>(d)),
      contacts,
      users: people,
      unreadable,
    };
  }
}
