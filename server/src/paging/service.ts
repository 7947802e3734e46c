// Paging's moving part: hears every incident change the pipeline commits, asks the planner what to
// page, stores it in the outbox and wakes the dispatcher; wakes itself for the next escalation step
// and at the end of each digest window. Everything it decides can be decided again from the store
// (paging/README.md), so a restart plans every active incident once more and sends only what is missing.
import type { Incident, IncidentPaging, MaintenanceWindow } from '../contract/index.ts';
import type { Decision } from '../domain/decision.ts';
import { KIND, notificationSignal } from '../domain/index.ts';
import type { Signal } from '../domain/signal.ts';
import type { Logger } from '../logger.ts';
import type { OutboxRecord, Store } from '../store/types.ts';
import { newAckToken, sealAckLink } from './ack.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { SecretBox } from './secrets.ts';
import { serviceMatches } from './policy-config.ts';
import type { PagingDirectory, PagingSnapshot } from './directory.ts';
import type { PageMessage } from './message.ts';
import { buildDigest, DIGEST_WINDOW_MS, plan, policyApplies, recipientKey } from './planner.ts';

/** At most this many active incidents planned again after a restart (newest first). */
const RESTORE_LIMIT = 5_000;
/** How long a container death's first page waits for its evidence (paging/README.md). */
export const EVIDENCE_WAIT_MS = 500;
/** Records read per incident (its pages, retries and all). */
const RECORDS_PER_INCIDENT = 500;

export interface PagingServiceDeps {
  store: Store;
  directory: PagingDirectory;
  /** Seals the ack links of queued pages. */
  box: SecretBox;
  dispatcher: Dispatcher;
  /** Stores signals (IngestPipeline.ingest): escalation entries. */
  record: (signals: Signal[]) => Promise<unknown>;
  /** Supervision paused for the service on that host (maintenance mode). */
  servicePaused: (service: string, host: string) => boolean;
  publicUrl: string;
  logger: Logger;
  now?: () => Date;
}

export class PagingService {
  private readonly deps: PagingServiceDeps;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** Incidents changed and not yet planned (latest version of each). */
  private readonly dirty = new Map<string, Incident | null>();
  private chain: Promise<void> = Promise.resolve();
  private planning = false;
  /** When each incident's next step is due. */
  private readonly wakeAt = new Map<string, number>();
  private wakeTimer: NodeJS.Timeout | undefined;
  /** Per recipient (recipientKey): when its last opened page (or digest) was enqueued, and the incidents waiting for its digest. */
  private readonly lastOpened = new Map<string, string>();
  private readonly digests = new Map<string, { channelId: string; userId?: string; incidentIds: Set<string>; timer: NodeJS.Timeout }>();
  private stopped = false;
  /** Suppression notes already recorded (the signal id makes a repeat harmless; this saves the commit). */
  private readonly suppressed = new Set<string>();

  constructor(deps: PagingServiceDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ module: 'paging' });
    this.now = deps.now ?? (() => new Date());
  }

  /** After the engine is restored: plans every active incident again, then starts sending. */
  async start(): Promise<void> {
    const page = await this.deps.store.incidents.list({ status: 'active', limit: RESTORE_LIMIT });
    for (const incident of page.items) this.dirty.set(incident.id, incident);
    await this.deps.dispatcher.start();
    this.flushSoon();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
    for (const d of this.digests.values()) clearTimeout(d.timer);
    await this.chain;
    await this.deps.dispatcher.stop();
  }

  /** The pipeline committed these decisions: incidents that changed are planned again. */
  onDecisions(decisions: readonly Decision[]): void {
    let any = false;
    for (const d of decisions) {
      if (d.type === 'incident:upsert') {
        this.dirty.set(d.incident.id, d.incident);
        any = true;
      }
    }
    if (any) this.flushSoon();
  }

  private flushSoon(): void {
    if (this.planning || this.stopped) return;
    this.planning = true;
    this.chain = this.chain.then(async () => {
      try {
        while (this.dirty.size > 0 && !this.stopped) {
          const batch = [...this.dirty.entries()];
          this.dirty.clear();
          const snapshot = await this.deps.directory.snapshot();
          for (const [id, known] of batch) await this.planOne(id, known, snapshot);
        }
      } catch (err) {
        this.log.error({ err }, 'planning pages failed; trying again in 5 s');
        setTimeout(() => this.flushSoon(), 5_000).unref();
      } finally {
        this.planning = false;
      }
      this.armWake();
    });
  }

  private async planOne(id: string, known: Incident | null, snapshot: PagingSnapshot): Promise<void> {
    const incident = known ?? await this.deps.store.incidents.get(id);
    this.wakeAt.delete(id);
    if (!incident) return;
    if (snapshot.policies.length === 0) return;
    const now = this.now();
    const existing = await this.deps.store.outbox.forIncident(incident.id, RECORDS_PER_INCIDENT);
    // No policy covers it and nothing was paged for it: nothing to plan, and its timeline need not be read.
    if (existing.length === 0 && !snapshot.policies.some((p) => policyApplies(p, incident))) return;
    const timeline = await this.deps.store.timeline.forIncident(incident.id);
    // A container's death pages with its evidence (exit, OOM, whether the restart policy fires, the
    // last log lines), which Docker's inspect gives a few tens of ms after the die: the first page
    // waits for it, at most EVIDENCE_WAIT_MS after the incident opened. Its arrival re-plans at once.
    const awaitingEvidence = existing.length === 0 && incident.status === 'open' && incident.sources.includes('docker')
      && !timeline.some((e) => e.kind === KIND.evidence);
    const evidenceDeadline = Date.parse(incident.openedAt) + EVIDENCE_WAIT_MS;
    if (awaitingEvidence && now.getTime() < evidenceDeadline) {
      this.wakeAt.set(incident.id, evidenceDeadline);
      return;
    }
    const paused = this.deps.servicePaused(incident.service, incident.host);
    // Instants may carry offsets: compared as times, not as text.
    const window = snapshot.maintenance.find((w) => Date.parse(w.start) <= now.getTime() && now.getTime() < Date.parse(w.end)
      && serviceMatches(w.services, incident.service));
    const inMaintenance = paused || window !== undefined;
    if (inMaintenance) await this.noteSuppressed(incident, existing.length, snapshot, window);
    const result = plan({
      now, incident, timeline, policies: snapshot.policies, schedules: snapshot.schedules, contacts: snapshot.contacts,
      users: snapshot.users, channels: [...snapshot.channels.values()].map((c) => ({ id: c.id, name: c.name, type: c.type })),
      inMaintenance, existing, recentOpenedByChannel: Object.fromEntries(this.lastOpened), publicUrl: this.deps.publicUrl,
      newAckToken,
    });
    if (result.cancel.length > 0) await this.deps.store.outbox.cancelPending(incident.id, result.cancel);
    if (result.enqueue.length > 0) {
      const fresh = await this.deps.store.outbox.enqueue(result.enqueue.map((r) => sealAckLink(r, this.deps.box)));
      for (const r of fresh) if (r.event === 'incident.opened') this.lastOpened.set(recipientKey(r), r.createdAt);
      await this.recordEscalations(incident, fresh, snapshot);
      if (fresh.length > 0) this.deps.dispatcher.kick();
    }
    for (const d of result.digest) this.joinDigest(d.channelId, d.userId, d.incidentId);
    if (result.unreachable.length > 0) this.log.warn({ incident: incident.id, people: result.unreachable }, 'a step names people no channel can reach (no contact method of a type a channel carries)');
    if (result.nextAt !== null) this.wakeAt.set(incident.id, Date.parse(result.nextAt));
    // Still open when the window ends: plan it again then (supervision resumed is an incident change already).
    if (window !== undefined && !paused && incident.status !== 'resolved') this.wakeAt.set(incident.id, Date.parse(window.end));
  }

  /**
   * An incident a policy would page, in maintenance: the timeline says why nobody was paged (once per
   * window, or once while supervision is paused).
   */
  private async noteSuppressed(incident: Incident, paged: number, snapshot: PagingSnapshot, window: MaintenanceWindow | undefined): Promise<void> {
    if (paged > 0 || incident.status === 'resolved') return;
    const policy = snapshot.policies.find((p) => policyApplies(p, incident));
    if (!policy) return;
    const key = `suppressed:${incident.id}:${window?.id ?? 'paused'}`;
    if (this.suppressed.has(key)) return;
    const why = window !== undefined
      ? `not paged: ${incident.service} is in a maintenance window until ${new Date(window.end).toISOString().slice(0, 16).replace('T', ' ')} UTC (${window.createdBy}${window.reason ? `: ${window.reason}` : ''})`
      : `not paged: ${incident.service} is in maintenance (supervision paused) on ${incident.host}`;
    await this.deps.record([notificationSignal({
      kind: KIND.notificationSuppressed, incident: { id: incident.id, service: incident.service, host: incident.host },
      at: this.now().toISOString(), key, message: why,
      facts: { policyId: policy.id, ...(window ? { windowId: window.id, until: window.end } : { paused: true }) },
    })]);
    this.suppressed.add(key);
    if (this.suppressed.size > 10_000) this.suppressed.clear();
  }

  /** One entry per escalation step that paged: who it pages, and that nobody answered before. */
  private async recordEscalations(incident: Incident, fresh: readonly OutboxRecord[], snapshot: PagingSnapshot): Promise<void> {
    const steps = new Map<string, OutboxRecord[]>();
    for (const r of fresh) {
      if (r.event !== 'incident.escalated') continue;
      const message = r.message as unknown as PageMessage;
      const key = `${message.escalation?.round ?? 0}:${r.step ?? 0}`;
      steps.set(key, [...(steps.get(key) ?? []), r]);
    }
    const signals: Signal[] = [];
    for (const [key, records] of steps) {
      const message = records[0]?.message as unknown as PageMessage | undefined;
      const who = [...new Set(records.map((r) => (r.userId ? snapshot.users[r.userId]?.username ?? r.userId : snapshot.channels.get(r.channelId)?.name ?? r.channelId)))];
      const notAnswering = message?.escalation?.notAnswering ?? [];
      const words = `escalated to step ${(records[0]?.step ?? 0) + 1}${notAnswering.length > 0 ? ` (no acknowledgement from ${notAnswering.join(', ')})` : ''}: paging ${who.join(', ')}`;
      signals.push(notificationSignal({
        kind: KIND.notificationEscalated, incident: { id: incident.id, service: incident.service, host: incident.host },
        at: this.now().toISOString(), key: `escalation:${key}:${records.map((r) => r.id).sort().join(',')}`, message: words,
        facts: { step: records[0]?.step ?? 0, deliveries: records.map((r) => r.id) },
      }));
    }
    if (signals.length > 0) await this.deps.record(signals);
  }

  private joinDigest(channelId: string, userId: string | undefined, incidentId: string): void {
    const key = recipientKey({ channelId, ...(userId === undefined ? {} : { userId }) });
    const open = this.digests.get(key);
    if (open) {
      open.incidentIds.add(incidentId);
      return;
    }
    const last = this.lastOpened.get(key);
    const flushAt = (last === undefined ? this.now().getTime() : Date.parse(last)) + DIGEST_WINDOW_MS;
    const timer = setTimeout(() => this.flushDigest(key), Math.max(0, flushAt - this.now().getTime()));
    timer.unref();
    this.digests.set(key, { channelId, ...(userId === undefined ? {} : { userId }), incidentIds: new Set([incidentId]), timer });
  }

  private flushDigest(key: string): void {
    const digest = this.digests.get(key);
    this.digests.delete(key);
    if (!digest || this.stopped) return;
    this.chain = this.chain.then(async () => {
      try {
        const snapshot = await this.deps.directory.snapshot();
        const incidents: Incident[] = [];
        for (const id of digest.incidentIds) {
          const incident = await this.deps.store.incidents.get(id);
          // Acknowledged or resolved while waiting: nobody needs paging for it any more.
          if (incident && incident.status === 'open') incidents.push(incident);
        }
        const channel = snapshot.channels.get(digest.channelId);
        if (incidents.length === 0 || !channel) return;
        const record = buildDigest({
          channelId: digest.channelId, ...(digest.userId === undefined ? {} : { userId: digest.userId }),
          incidents, now: this.now(), publicUrl: this.deps.publicUrl, newAckToken,
        });
        const fresh = await this.deps.store.outbox.enqueue([sealAckLink(record, this.deps.box)]);
        if (fresh.length > 0) {
          this.lastOpened.set(key, record.createdAt);
          this.deps.dispatcher.kick();
        }
      } catch (err) {
        this.log.error({ err, recipient: key }, 'enqueueing a digest failed; its incidents are planned again');
        for (const id of digest.incidentIds) this.dirty.set(id, null);
        setTimeout(() => this.flushSoon(), 5_000).unref();
      }
    });
  }

  private armWake(): void {
    clearTimeout(this.wakeTimer);
    if (this.stopped || this.wakeAt.size === 0) return;
    const next = Math.min(...this.wakeAt.values());
    this.wakeTimer = setTimeout(() => {
      const now = this.now().getTime();
      for (const [id, at] of this.wakeAt) if (at <= now) this.dirty.set(id, null);
      this.flushSoon();
      this.armWake();
    }, Math.min(Math.max(0, next - this.now().getTime()), 2 ** 31 - 1));
    this.wakeTimer.unref();
  }

  // ---- what the API shows

  async incidentPaging(incidentId: string): Promise<IncidentPaging> {
    const [records, snapshot] = await Promise.all([
      this.deps.store.outbox.forIncident(incidentId, RECORDS_PER_INCIDENT), this.deps.directory.snapshot(),
    ]);
    const wake = this.wakeAt.get(incidentId);
    const pendingSteps = records.filter((r) => r.event === 'incident.escalated').map((r) => r.step ?? 0);
    return {
      deliveries: records.map((r) => ({
        id: r.id, incidentIds: r.incidentIds, event: r.event, channelId: r.channelId,
        channelName: snapshot.channels.get(r.channelId)?.name ?? '(deleted channel)',
        ...(r.userId === undefined ? {} : { userId: r.userId, userName: snapshot.users[r.userId]?.username ?? r.userId }),
        ...(r.step === undefined ? {} : { step: r.step }),
        state: r.state, attempts: r.attempts, createdAt: r.createdAt,
        ...(r.deliveredAt === undefined ? {} : { deliveredAt: r.deliveredAt }),
        ...(r.state === 'pending' ? { nextAttemptAt: r.nextAttemptAt } : {}),
        ...(r.lastError === undefined ? {} : { lastError: r.lastError }),
      })),
      ...(wake === undefined ? {} : { nextStepAt: new Date(wake).toISOString(), nextStep: Math.max(0, ...pendingSteps) + 1 }),
    };
  }
}
