// What admins and responders set up for paging: channels (secrets sealed, never shown), escalation
// policies, schedules, maintenance windows, and each person's contact methods. Every change is
// audited and makes the paging directory read the store again.
import { randomUUID } from 'node:crypto';
import { ApiFailure, MASKED, notFound } from '../contract/index.ts';
import type {
  ChannelType, ContactMethods, EscalationPolicy, MaintenanceWindow, NotificationChannel, OnCallAnswer, Schedule,
} from '../contract/index.ts';
import type { AuditContext, AuditLog } from '../audit.ts';
import type { ConfigKind, Store } from '../store/types.ts';
import { maskChannelConfig, SECRET_FIELDS } from '../paging/channel-config.ts';
import { docAs, type PagingDirectory, type StoredChannel } from '../paging/directory.ts';
import type { SecretBox } from '../paging/secrets.ts';
import { onCallAt, shifts } from '../paging/schedule.ts';

/** At most this many of each kind: configuration, not data. */
export const MAX_PER_KIND = 200;

export interface ChannelInput { name: string; type: ChannelType; config: Record<string, unknown> }
export type PolicyInput = Omit<EscalationPolicy, 'id' | 'createdAt' | 'updatedAt'>;
export type ScheduleInput = Omit<Schedule, 'id' | 'createdAt' | 'updatedAt'>;
export type WindowInput = Omit<MaintenanceWindow, 'id' | 'createdAt' | 'createdBy'>;

const KIND_WORDS: Record<ConfigKind, string> = {
  channel: 'Notification channel', policy: 'Escalation policy', schedule: 'Schedule', maintenance: 'Maintenance window', contact: 'Contact methods',
};

export class PagingAdmin {
  private readonly store: Store;
  private readonly box: SecretBox;
  private readonly directory: PagingDirectory;
  private readonly audit: AuditLog;
  private readonly now: () => Date;

  constructor(deps: { store: Store; box: SecretBox; directory: PagingDirectory; audit: AuditLog; now?: () => Date }) {
    this.store = deps.store;
    this.box = deps.box;
    this.directory = deps.directory;
    this.audit = deps.audit;
    this.now = deps.now ?? (() => new Date());
  }

  // ---- channels

  async listChannels(): Promise<NotificationChannel[]> {
    const docs = await this.store.configs.list('channel');
    return docs.map((d) => this.channelView(d.id, d.body as unknown as StoredChannel, d.updatedAt));
  }

  /** The stored (sealed) config of a channel, opened: what a PATCH keeps of secrets sent back masked. */
  async openChannelConfig(id: string): Promise<{ type: ChannelType; config: Record<string, unknown>; name: string; version: number; createdAt: string }> {
    const doc = await this.store.configs.get('channel', id);
    if (!doc) throw notFound(`Notification channel ${id}`);
    const body = doc.body as unknown as StoredChannel;
    return { type: body.type, name: body.name, config: this.box.open(body.config, body.type), version: doc.version, createdAt: body.createdAt };
  }

  async createChannel(input: ChannelInput, by: AuditContext): Promise<NotificationChannel> {
    await this.roomFor('channel');
    const at = this.now().toISOString();
    const id = `ch_${randomUUID()}`;
    const body: StoredChannel = { name: input.name, type: input.type, config: this.box.seal(input.config, input.type), createdAt: at };
    await this.store.configs.put({ kind: 'channel', id, body: body as unknown as Record<string, unknown>, updatedAt: at }, 0);
    await this.changed(by, 'paging.channel.create', id, { name: input.name, type: input.type });
    return this.channelView(id, body, at);
  }

  async updateChannel(id: string, input: { name: string; config: Record<string, unknown> }, expectedVersion: number, by: AuditContext): Promise<NotificationChannel> {
    const current = await this.openChannelConfig(id);
    const at = this.now().toISOString();
    const body: StoredChannel = { name: input.name, type: current.type, config: this.box.seal(input.config, current.type), createdAt: current.createdAt };
    const saved = await this.store.configs.put({ kind: 'channel', id, body: body as unknown as Record<string, unknown>, updatedAt: at }, expectedVersion);
    if (!saved.ok) throw new ApiFailure(409, 'conflict', `Notification channel ${id} was changed meanwhile; reload it and try again.`);
    await this.changed(by, 'paging.channel.update', id, { name: input.name });
    return this.channelView(id, body, at);
  }

  deleteChannel(id: string, by: AuditContext): Promise<void> {
    return this.remove('channel', id, by, 'paging.channel.delete');
  }

  /**
   * After a key rotation (NOTIFY_SECRET_KEY_PREVIOUS or a `.previous` key file): seals again with the
   * current key every channel secret sealed with another, so the old key can be dropped. The count.
   */
  async resealChannels(): Promise<number> {
    let resealed = 0;
    for (const doc of await this.store.configs.list('channel')) {
      const body = doc.body as unknown as StoredChannel;
      const stale = SECRET_FIELDS[body.type].some((field) => {
        const value = body.config[field];
        return typeof value === 'string' && value.startsWith('enc:') && !value.startsWith(`enc:v1:${this.box.keyId}:`);
      });
      if (!stale) continue;
      const config = this.box.seal(this.box.open(body.config, body.type), body.type);
      const saved = await this.store.configs.put({ kind: 'channel', id: doc.id, body: { ...body, config } as unknown as Record<string, unknown>, updatedAt: doc.updatedAt }, doc.version);
      if (saved.ok) resealed += 1;
    }
    if (resealed > 0) this.directory.invalidate();
    return resealed;
  }

  private channelView(id: string, body: StoredChannel, updatedAt: string): NotificationChannel {
    let config: Record<string, unknown>;
    try {
      config = maskChannelConfig(body.type, this.box.open(body.config, body.type));
    } catch {
      // Sealed with a key this Vigil does not have: shown masked, so an admin can enter the secrets again.
      config = Object.fromEntries(Object.entries(body.config).map(([k, v]) => [k, SECRET_FIELDS[body.type].includes(k) ? MASKED : v]));
    }
    return { id, name: body.name, type: body.type, config, createdAt: body.createdAt, updatedAt };
  }

  // ---- policies, schedules, maintenance windows: plain documents

  listPolicies(): Promise<EscalationPolicy[]> { return this.listDocs<EscalationPolicy>('policy'); }
  listSchedules(): Promise<Schedule[]> { return this.listDocs<Schedule>('schedule'); }
  listWindows(): Promise<MaintenanceWindow[]> { return this.listDocs<MaintenanceWindow>('maintenance'); }

  async savePolicy(id: string | null, input: PolicyInput, by: AuditContext): Promise<EscalationPolicy> {
    await this.targetsExist(input);
    return this.saveDoc<EscalationPolicy>('policy', 'pol', id, input as unknown as Record<string, unknown>, by);
  }

  async saveSchedule(id: string | null, input: ScheduleInput, by: AuditContext): Promise<Schedule> {
    const users = new Set((await this.store.users.list()).map((u) => u.id));
    input.rotations.forEach((r, i) => r.users.forEach((u, j) => {
      if (!users.has(u)) throw badField(['rotations', i, 'users', j], `no user has id ${u}`);
    }));
    input.overrides.forEach((o, i) => {
      if (!users.has(o.userId)) throw badField(['overrides', i, 'userId'], `no user has id ${o.userId}`);
    });
    return this.saveDoc<Schedule>('schedule', 'sch', id, input as unknown as Record<string, unknown>, by);
  }

  async createWindow(input: WindowInput, by: AuditContext): Promise<MaintenanceWindow> {
    return this.saveDoc<MaintenanceWindow>('maintenance', 'mw', null, { ...input, createdBy: by.actor } as unknown as Record<string, unknown>, by);
  }

  deletePolicy(id: string, by: AuditContext): Promise<void> { return this.remove('policy', id, by, 'paging.policy.delete'); }
  deleteWindow(id: string, by: AuditContext): Promise<void> { return this.remove('maintenance', id, by, 'paging.maintenance.delete'); }

  async deleteSchedule(id: string, by: AuditContext): Promise<void> {
    const users = (await this.listPolicies()).filter((p) => p.steps.some((s) => s.targets.some((t) => 'scheduleId' in t && t.scheduleId === id)));
    if (users.length > 0) {
      throw new ApiFailure(409, 'schedule_in_use', `Escalation polic${users.length === 1 ? 'y' : 'ies'} ${users.map((p) => `"${p.name}"`).join(', ')} page this schedule's on-call; take it out of them first.`);
    }
    return this.remove('schedule', id, by, 'paging.schedule.delete');
  }

  async onCall(id: string, at: Date, days: number): Promise<OnCallAnswer> {
    const doc = await this.store.configs.get('schedule', id);
    if (!doc) throw notFound(`Schedule ${id}`);
    const schedule = docAs<Schedule>(doc);
    return { at: at.toISOString(), userIds: onCallAt(schedule, at), shifts: shifts(schedule, at, days) };
  }

  // ---- a person's contact methods

  async contacts(userId: string): Promise<ContactMethods> {
    const doc = await this.store.configs.get('contact', userId);
    return (doc?.body ?? {}) as ContactMethods;
  }

  async saveContacts(userId: string, input: ContactMethods, by: AuditContext): Promise<ContactMethods> {
    const doc = await this.store.configs.get('contact', userId);
    const saved = await this.store.configs.put({ kind: 'contact', id: userId, body: { ...input }, updatedAt: this.now().toISOString() }, doc?.version ?? 0);
    if (!saved.ok) throw new ApiFailure(409, 'conflict', 'Your contact methods were changed meanwhile (another tab?); reload and try again.');
    await this.changed(by, 'paging.contacts.update', userId, { methods: Object.keys(input) });
    return input;
  }

  // ---- helpers

  private async listDocs<T>(kind: ConfigKind): Promise<T[]> {
    const docs = await this.store.configs.list(kind);
    return docs.map((d) => docAs<T>(d));
  }

  private async saveDoc<T>(kind: ConfigKind, prefix: string, id: string | null, input: Record<string, unknown>, by: AuditContext): Promise<T> {
    const at = this.now().toISOString();
    let docId: string;
    let body: Record<string, unknown>;
    let expected: number;
    if (id === null) {
      await this.roomFor(kind);
      docId = `${prefix}_${randomUUID()}`;
      body = { ...input, createdAt: at };
      expected = 0;
    } else {
      const current = await this.store.configs.get(kind, id);
      if (!current) throw notFound(`${KIND_WORDS[kind]} ${id}`);
      docId = id;
      body = { ...current.body, ...input, createdAt: current.body['createdAt'] ?? at };
      expected = current.version;
    }
    const saved = await this.store.configs.put({ kind, id: docId, body, updatedAt: at }, expected);
    if (!saved.ok) throw new ApiFailure(409, 'conflict', `${KIND_WORDS[kind]} ${docId} was changed meanwhile; reload it and try again.`);
    await this.changed(by, `paging.${kind}.${id === null ? 'create' : 'update'}`, docId, { name: input['name'] ?? null });
    return { ...body, id: docId, updatedAt: at } as T;
  }

  private async remove(kind: ConfigKind, id: string, by: AuditContext, action: string): Promise<void> {
    if (!(await this.store.configs.delete(kind, id))) throw notFound(`${KIND_WORDS[kind]} ${id}`);
    await this.changed(by, action, id, undefined);
  }

  private async roomFor(kind: ConfigKind): Promise<void> {
    if (await this.store.configs.count(kind) >= MAX_PER_KIND) {
      throw new ApiFailure(409, 'too_many', `${KIND_WORDS[kind]}s are limited to ${MAX_PER_KIND}; delete one you no longer use first.`);
    }
  }

  private async targetsExist(input: PolicyInput): Promise<void> {
    const [channels, schedules, users] = await Promise.all([
      this.store.configs.list('channel'), this.store.configs.list('schedule'), this.store.users.list(),
    ]);
    const has = { channelId: new Set(channels.map((c) => c.id)), scheduleId: new Set(schedules.map((s) => s.id)), userId: new Set(users.map((u) => u.id)) };
    input.steps.forEach((step, i) => step.targets.forEach((target, j) => {
      for (const [key, known] of Object.entries(has)) {
        const value = (target as Record<string, string | undefined>)[key];
        if (value !== undefined && !known.has(value)) throw badField(['steps', i, 'targets', j, key], `no ${key.replace(/Id$/, '')} has id ${value}`);
      }
    }));
  }

  private async changed(by: AuditContext, action: string, target: string, detail: unknown): Promise<void> {
    this.directory.invalidate();
    await this.audit.record({ ...by, action, target, outcome: 'ok', ...(detail === undefined ? {} : { detail }) });
  }
}

/** 400 naming one field, as parseBody words it. */
export function badField(path: PropertyKey[], message: string): ApiFailure {
  return new ApiFailure(400, 'invalid_request', `Invalid request body — ${path.map(String).join('.')}: ${message}`, [{ path, message }]);
}
