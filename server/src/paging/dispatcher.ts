// Drains the outbox: every due delivery is sent through its channel, at most as fast as the
// channel's service allows, and retried with back-off (the same delivery id each time) until a 2xx
// or the last attempt. Outcomes go on the incidents' timelines through the pipeline and feed the
// "paging is failing" banner. At least once: a crash between a send and its record sends again,
// with the same X-Vigil-Delivery, which receivers use to drop the repeat.
import type { ChannelType, ContactMethods, PageEvent, PagingHealth } from '../contract/index.ts';
import { KIND, notificationSignal, type NotificationKind } from '../domain/index.ts';
import type { Signal } from '../domain/signal.ts';
import type { Logger } from '../logger.ts';
import type { OutboxRecord, Store } from '../store/types.ts';
import type { SendOutcome } from './channels/index.ts';
import type { OpenChannel, PagingDirectory } from './directory.ts';
import { openAckLink } from './ack.ts';
import type { PageMessage } from './message.ts';
import type { SecretBox } from './secrets.ts';
import { addressFor } from './targets.ts';

export const MAX_ATTEMPTS = 10;
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 5 * 60_000;
/** Due records read per pass, and deliveries in flight at once. */
const BATCH = 100;
const MAX_IN_FLIGHT = 200;
/** Pending pages of a channel brought forward when it answers again (the newest; older ones keep their slot). */
const BRING_FORWARD_LIMIT = 500;

/** The least time between two messages to one channel: what each service documents or tolerates. */
export const MIN_INTERVAL_MS: Record<ChannelType, number> = {
  slack: 1_000, // "1 message per second" per incoming webhook
  telegram: 34, // 30 messages per second per bot
  discord: 500, // 5 requests per 2 s per webhook
  teams: 250,
  mattermost: 100,
  ntfy: 100,
  webhook: 0,
  email: 200,
};

/** 2 s, 4 s, 8 s … capped at 5 min: a receiver down for minutes still gets every page once it is back. */
export function retryDelayMs(attempts: number, retryAfterMs?: number): number {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.min(MAX_RETRY_MS, Math.max(backoff, retryAfterMs ?? 0));
}

export type Send = (channel: OpenChannel, message: PageMessage, delivery: { id: string; attempt: number; sentAt: string; to?: string }) => Promise<SendOutcome>;

export interface DispatcherDeps {
  store: Store;
  directory: PagingDirectory;
  /** Opens the sealed ack links of queued pages. */
  box: SecretBox;
  send: Send;
  /** Stores signals (IngestPipeline.ingest): the timeline entries of outcomes. */
  record: (signals: Signal[]) => Promise<unknown>;
  logger: Logger;
  now?: () => Date;
}

interface Failing {
  channelName: string;
  channelType?: ChannelType;
  error: string;
  since: string;
}

/** Who a delivery was for, as people read it on the timeline. */
function recipient(record: OutboxRecord, channel: OpenChannel, users: Record<string, { username: string }>): string {
  const person = record.userId === undefined ? undefined : users[record.userId]?.username ?? record.userId;
  return person === undefined ? `${channel.name} (${channel.type})` : `${person} via ${channel.name} (${channel.type})`;
}

function eventWords(event: PageEvent): string {
  switch (event) {
    case 'incident.opened': return 'paged';
    case 'incident.escalated': return 'escalation paged';
    case 'incident.acknowledged': return 'told of the acknowledgement';
    case 'incident.resolved': return 'told of the resolution';
    case 'digest': return 'paged (digest)';
    case 'test': return 'test sent to';
  }
}

export class Dispatcher {
  private readonly deps: DispatcherDeps;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly inFlight = new Set<string>();
  /** Per channel: when its next message may leave, and the chain its messages wait in. */
  private readonly slots = new Map<string, { nextAt: number; chain: Promise<void> }>();
  private readonly failing = new Map<string, Failing>();
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private started = false;
  private readonly startedAt = new Date().toISOString();

  constructor(deps: DispatcherDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ module: 'paging' });
    this.now = deps.now ?? (() => new Date());
  }

  /** Starts draining; what a previous run left pending goes out now. The banner remembers failures from before a restart. */
  async start(): Promise<void> {
    const snapshot = await this.deps.directory.snapshot();
    for (const channel of snapshot.channels.values()) {
      const [last] = await this.deps.store.outbox.recentForChannel(channel.id, 1);
      if (last && (last.state === 'failed' || (last.state === 'pending' && last.lastError !== undefined))) {
        this.failing.set(channel.id, { channelName: channel.name, channelType: channel.type, error: last.lastError ?? 'not delivered', since: last.createdAt });
      }
    }
    this.started = true;
    this.kick();
  }

  /** Something was enqueued: drain now (coalesced with a pass under way). */
  kick(): void {
    if (this.stopped || !this.started) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.draining = this.drain()
      .catch((err: unknown) => this.log.error({ err }, 'draining the paging outbox failed; trying again shortly'))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          void this.scheduleNext();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
    await Promise.all([...this.slots.values()].map((s) => s.chain));
  }

  /** Channels whose last delivery failed, and those whose secrets do not open: the banner. */
  async health(): Promise<PagingHealth> {
    const failing: PagingHealth['failing'] = [...this.failing.entries()].map(([channelId, f]) => ({ channelId, ...f }));
    const snapshot = await this.deps.directory.snapshot();
    for (const u of snapshot.unreadable) {
      if (!this.failing.has(u.channelId)) failing.push({ channelId: u.channelId, channelName: u.channelName, error: u.error, since: this.startedAt });
    }
    return { failing };
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped) return;
    let next: string | null;
    try {
      next = await this.deps.store.outbox.nextDue();
    } catch (err) {
      this.log.warn({ err }, 'cannot read the paging outbox; trying again in 5 s');
      next = new Date(this.now().getTime() + 5_000).toISOString();
    }
    if (next === null || this.stopped) return;
    const delay = Math.min(Math.max(Date.parse(next) - this.now().getTime(), 0), MAX_RETRY_MS);
    clearTimeout(this.timer);
    // A record in flight is due too: wait for it rather than spinning on it.
    this.timer = setTimeout(() => this.kick(), Math.max(delay, this.inFlight.size > 0 ? 250 : 0));
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    const due = await this.deps.store.outbox.due(this.now().toISOString(), BATCH);
    const fresh = due.filter((r) => !this.inFlight.has(r.id)).slice(0, Math.max(0, MAX_IN_FLIGHT - this.inFlight.size));
    if (fresh.length === 0) return;
    const snapshot = await this.deps.directory.snapshot();
    for (const record of fresh) {
      const channel = snapshot.channels.get(record.channelId);
      if (channel === undefined) {
        await this.finish(record, undefined, { delivered: false, error: 'the channel was deleted', retryable: false, ms: 0 }, snapshot.users);
        continue;
      }
      this.inFlight.add(record.id);
      this.enqueueOnChannel(channel, record, snapshot.users, snapshot.contacts);
    }
  }

  private enqueueOnChannel(channel: OpenChannel, record: OutboxRecord, users: Record<string, { username: string }>, contacts: Record<string, ContactMethods>): void {
    const slot = this.slots.get(channel.id) ?? { nextAt: 0, chain: Promise.resolve() };
    this.slots.set(channel.id, slot);
    slot.chain = slot.chain.then(async () => {
      const wait = slot.nextAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      slot.nextAt = Date.now() + MIN_INTERVAL_MS[channel.type];
      const to = addressFor(channel.type, record.userId === undefined ? undefined : contacts[record.userId]);
      let outcome: SendOutcome;
      try {
        outcome = await this.deps.send(channel, openAckLink(record.message, this.deps.box), {
          id: record.id, attempt: record.attempts + 1, sentAt: this.now().toISOString(), ...(to === undefined ? {} : { to }),
        });
      } catch (err) {
        outcome = { delivered: false, error: err instanceof Error ? err.message : String(err), retryable: true, ms: 0 };
      }
      await this.finish(record, channel, outcome, users);
    }).catch((err: unknown) => {
      this.log.error({ err, delivery: record.id }, 'recording a delivery outcome failed; it stays pending and is tried again');
    }).finally(() => {
      this.inFlight.delete(record.id);
    });
  }

  private async finish(record: OutboxRecord, channel: OpenChannel | undefined, outcome: SendOutcome, users: Record<string, { username: string }>): Promise<void> {
    const attempts = record.attempts + 1;
    const at = this.now();
    const status = outcome.status === undefined ? {} : { lastStatus: outcome.status };
    if (outcome.delivered) {
      await this.deps.store.outbox.update(record.id, { state: 'delivered', attempts, deliveredAt: at.toISOString(), ...status });
      const recovered = record.attempts > 0 || this.failing.has(record.channelId);
      this.failing.delete(record.channelId);
      if (channel) await this.recordOutcome(record, KIND.notificationSent, `${eventWords(record.event)} ${recipient(record, channel, users)}: delivered`, at, { attempts });
      if (recovered) await this.bringForward(record.channelId, at);
      return;
    }
    const error = outcome.error;
    const last = !outcome.retryable || attempts >= MAX_ATTEMPTS;
    if (channel) {
      const previous = this.failing.get(record.channelId);
      this.failing.set(record.channelId, { channelName: channel.name, channelType: channel.type, error, since: previous?.since ?? at.toISOString() });
    }
    if (!last) {
      const nextAttemptAt = new Date(at.getTime() + retryDelayMs(attempts, outcome.delivered ? undefined : outcome.retryAfterMs)).toISOString();
      await this.deps.store.outbox.update(record.id, { state: 'pending', attempts, nextAttemptAt, lastError: error, ...status });
      this.log.warn({ delivery: record.id, channel: record.channelId, attempts, error }, 'page not delivered; retrying');
      return;
    }
    await this.deps.store.outbox.update(record.id, { state: 'failed', attempts, lastError: error, ...status });
    this.log.error({ delivery: record.id, channel: record.channelId, attempts, error }, 'page not delivered; giving up');
    const who = channel ? recipient(record, channel, users) : `channel ${record.channelId}`;
    const tries = attempts === 1 ? '' : ` after ${attempts} attempts`;
    await this.recordOutcome(record, KIND.notificationFailed, `page to ${who} failed${tries}: ${error}`, at, { attempts, error });
  }

  /**
   * The channel answers again: its other pages waiting out a back-off go now (in their order, at the
   * channel's rate) rather than each at its own next slot, up to 5 minutes away.
   */
  private async bringForward(channelId: string, at: Date): Promise<void> {
    const now = at.toISOString();
    const waiting = (await this.deps.store.outbox.recentForChannel(channelId, BRING_FORWARD_LIMIT))
      .filter((r) => r.state === 'pending' && r.nextAttemptAt > now && !this.inFlight.has(r.id));
    for (const r of waiting) {
      await this.deps.store.outbox.update(r.id, {
        state: 'pending', attempts: r.attempts, nextAttemptAt: now,
        ...(r.lastError === undefined ? {} : { lastError: r.lastError }), ...(r.lastStatus === undefined ? {} : { lastStatus: r.lastStatus }),
      });
    }
    if (waiting.length > 0) this.kick();
  }

  private async recordOutcome(record: OutboxRecord, kind: NotificationKind, message: string, at: Date, facts: Record<string, unknown>): Promise<void> {
    if (record.event === 'test') return;
    const signals: Signal[] = [];
    for (const incidentId of record.incidentIds) {
      const incident = await this.deps.store.incidents.get(incidentId);
      if (incident === null) continue;
      signals.push(notificationSignal({
        kind, incident: { id: incident.id, service: incident.service, host: incident.host }, at: at.toISOString(),
        key: `${record.id}:${kind}`, message,
        facts: { deliveryId: record.id, channelId: record.channelId, event: record.event, ...(record.userId ? { userId: record.userId } : {}), ...facts },
      }));
    }
    if (signals.length > 0) await this.deps.record(signals);
  }
}
