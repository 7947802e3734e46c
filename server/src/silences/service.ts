// Silencing in Alertmanager, on the leader: an acknowledged incident's firing alerts are silenced in
// every configured Alertmanager, a resolved incident's silences expired, and what happens to
// silences (Vigil's and others' that match the incident's alerts) goes on the incident's timeline.
//
// Reconciled, not remembered: what should exist is read from the store (the incident's status and
// its alert entries), what does exist from Alertmanager (Vigil's silences name their incident in
// their comment). So an Alertmanager that was down, or a Vigil that restarted meanwhile, converges
// on the next pass; a POST whose answer was lost is found on the next list instead of repeated.
import type { Incident, IncidentSilences } from '../contract/index.ts';
import type { Decision } from '../domain/decision.ts';
import { KIND } from '../domain/index.ts';
import type { Signal } from '../domain/signal.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/types.ts';
import { AlertmanagerUnreachable, type AlertmanagerClient } from './client.ts';
import { firingAlerts, incidentOfSilence, type AmSilence } from './matchers.ts';
import { alertnameOf, expiredEarly, incidentSilenceView, liveSilenceOf, wantsSilence } from './rules.ts';
import { OthersSilences } from './others.ts';
import { reconcileOwn } from './own.ts';
import { SilenceRecorder } from './recorder.ts';
import { SilenceDuration } from './setting.ts';

const DEFAULT_POLL_MS = 5_000;
/** Active incidents followed at most (newest first). */
const TRACK_LIMIT = 5_000;
/** Timelines read at once. */
const TIMELINE_BATCH = 200;
/** Between two passes at least this long, however many incident changes ask for one (an alert storm). */
const MIN_PASS_GAP_MS = 1_000;
/** Vigil silences of incidents not followed, remembered at most. */
const STRANGERS_LIMIT = 10_000;

interface Tracked {
  incident: Incident;
  /** Firing alerts by fingerprint (labels); null until read from the timeline. */
  firing: Map<string, Record<string, string>> | null;
}

interface AmState {
  reachable: boolean | null;
  error?: string;
  silences: AmSilence[];
  alerts: Array<Record<string, string>>;
}

export interface SilenceServiceDeps {
  store: Store;
  clients: readonly AlertmanagerClient[];
  /** Stores signals (IngestPipeline.ingest): the timeline entries. */
  record: (signals: Signal[]) => Promise<unknown>;
  /** Several replicas: resolves while this replica leads (a silence is made by the leader only). */
  fence?: (() => Promise<void>) | undefined;
  publicUrl: string;
  logger: Logger;
  pollMs?: number;
  now?: () => Date;
}

export class SilenceService {
  private readonly deps: SilenceServiceDeps;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly tracked = new Map<string, Tracked>();
  private readonly state = new Map<string, AmState>();
  private readonly others: OthersSilences;
  private readonly recorder: SilenceRecorder;
  private readonly duration: SilenceDuration;
  /** Vigil silences of incidents not followed, already looked up: id → resolved (expire it) or not. */
  private readonly strangers = new Map<string, Incident | null>();
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(deps: SilenceServiceDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ module: 'silences' });
    this.now = deps.now ?? (() => new Date());
    for (const c of deps.clients) this.state.set(c.name, { reachable: null, silences: [], alerts: [] });
    this.recorder = new SilenceRecorder({ record: deps.record, log: this.log, now: this.now });
    this.others = new OthersSilences({ recorder: this.recorder, publicUrl: deps.publicUrl });
    this.duration = new SilenceDuration(deps.store.settings);
  }

  get enabled(): boolean {
    return this.deps.clients.length > 0;
  }

  /** After the engine is restored: follows every active incident, then reconciles every few seconds. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    this.stopped = false;
    const page = await this.deps.store.incidents.list({ status: 'active', limit: TRACK_LIMIT });
    for (const incident of page.items) this.tracked.set(incident.id, { incident, firing: null });
    this.kick();
    this.timer = setInterval(() => this.kick(), this.deps.pollMs ?? DEFAULT_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.chain;
  }

  /** The pipeline committed these decisions: the incidents they touch are read again. */
  onDecisions(decisions: readonly Decision[]): void {
    if (!this.enabled || this.stopped) return;
    let any = false;
    for (const d of decisions) {
      if (d.type === 'incident:upsert') {
        const known = this.tracked.get(d.incident.id);
        this.tracked.set(d.incident.id, { incident: d.incident, firing: null });
        any ||= known === undefined || known.incident.status !== d.incident.status || known.incident.acknowledgedAt !== d.incident.acknowledgedAt;
      } else if (d.type === 'timeline:append' && d.entry.kind.startsWith('alert.')) {
        const known = this.tracked.get(d.entry.incidentId);
        if (known) known.firing = null;
        // A new alert on an acknowledged incident is silenced now; others' silences wait for the next poll.
        any ||= known !== undefined && wantsSilence(known.incident);
      } else if (d.type === 'incident:remove') {
        this.tracked.delete(d.incidentId);
      }
    }
    if (any) this.kick();
  }

  /** The longest silence Vigil makes (an admin's setting). */
  maxDurationSeconds(): Promise<number> {
    return this.duration.seconds();
  }

  /** As stored now (for the API). */
  storedMaxDurationSeconds(): Promise<number> {
    return this.duration.fresh();
  }

  saveMaxDurationSeconds(seconds: number): Promise<void> {
    return this.duration.save(seconds);
  }

  // ---- what the API shows

  async incidentSilences(incidentId: string): Promise<IncidentSilences> {
    const tracked = this.tracked.get(incidentId);
    const incident = tracked?.incident ?? await this.deps.store.incidents.get(incidentId);
    if (incident === null) return { enabled: this.enabled, silences: [] };
    const firing = tracked?.firing ?? firingAlerts(await this.deps.store.timeline.forIncident(incidentId));
    return {
      enabled: this.enabled,
      silences: incidentSilenceView({
        incident, firing, publicUrl: this.deps.publicUrl,
        alertmanagers: this.deps.clients.map((c) => ({ name: c.name, ...(this.state.get(c.name) as AmState) })),
      }),
    };
  }

  // ---- the reconciling pass

  /** Runs a pass soon; one at a time, and one more when asked meanwhile. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.chain = this.chain.then(async () => {
      try {
        for (;;) {
          this.again = false;
          await this.pass();
          if (!this.again || this.stopped) break;
          await new Promise((resolve) => setTimeout(resolve, MIN_PASS_GAP_MS).unref());
        }
      } catch (err) {
        this.log.error({ err }, 'reconciling silences failed; trying again with the next pass');
      } finally {
        this.running = false;
      }
    });
  }

  private async pass(): Promise<void> {
    await this.maxDurationSeconds();
    // The incidents are as the last decision (or the start) gave them; their alerts come from their timelines.
    const stale = [...this.tracked.entries()].filter(([, t]) => t.firing === null);
    for (let i = 0; i < stale.length; i += TIMELINE_BATCH) {
      const batch = stale.slice(i, i + TIMELINE_BATCH);
      const entries = await this.deps.store.timeline.forIncidents(batch.map(([id]) => id));
      for (const [id, t] of batch) t.firing = firingAlerts(entries.filter((e) => e.incidentId === id));
    }
    await Promise.all(this.deps.clients.map((c) => this.reconcile(c)));
    // A resolved incident is followed until none of Vigil's silences of it is left unexpired.
    for (const [id, t] of this.tracked) {
      if (t.incident.status !== 'resolved') continue;
      const left = [...this.state.values()].some((am) => am.reachable !== true
        || am.silences.some((s) => s.state !== 'expired' && incidentOfSilence(s, this.deps.publicUrl) === id));
      if (!left) this.tracked.delete(id);
    }
  }

  private async reconcile(client: AlertmanagerClient): Promise<void> {
    const am = this.state.get(client.name) as AmState;
    try {
      am.silences = await client.silences();
      am.alerts = await client.alerts();
      if (am.reachable === false) this.log.info({ alertmanager: client.name }, 'Alertmanager answers again');
      am.reachable = true;
      delete am.error;
    } catch (err) {
      if (!(err instanceof AlertmanagerUnreachable)) throw err;
      this.unreachable(client, am, err);
      await this.notePending(client, am);
      return;
    }
    const signals: Signal[] = [];
    let failed = false;
    try {
      for (const t of this.tracked.values()) {
        if (t.firing === null) continue;
        await reconcileOwn({
          client, silences: am.silences, incident: t.incident, firing: t.firing, signals, recorder: this.recorder, log: this.log,
          publicUrl: this.deps.publicUrl, now: this.now, fence: this.deps.fence, maxDurationSeconds: () => this.maxDurationSeconds(),
        });
        this.others.notice(client, am.silences, t.incident, t.firing, signals);
      }
      await this.expireStrangers(client, am, signals);
      this.noticeExpiries(client, am, signals);
    } catch (err) {
      // What was done before the failure is still recorded; anything but Alertmanager failing (this
      // replica no longer leads, the store) ends the pass.
      await this.recorder.store(signals);
      if (!(err instanceof AlertmanagerUnreachable)) throw err;
      this.unreachable(client, am, err);
      failed = true;
    }
    if (failed) {
      await this.notePending(client, am);
      return;
    }
    await this.recorder.store(signals);
  }

  private unreachable(client: AlertmanagerClient, am: AmState, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (am.reachable !== false) this.log.warn({ alertmanager: client.name, err: message }, 'Alertmanager unreachable; silences are retried');
    am.reachable = false;
    am.error = message;
  }

  /** Expiries: of others' silences Vigil watched, and of Vigil's own (its end reached, or expired by someone). */
  private noticeExpiries(client: AlertmanagerClient, am: AmState, signals: Signal[]): void {
    this.others.expiries(client, am.silences, signals);
    for (const s of am.silences) {
      if (s.state !== 'expired') continue;
      const id = incidentOfSilence(s, this.deps.publicUrl);
      const t = id === undefined ? undefined : this.tracked.get(id);
      if (t === undefined || Date.parse(s.endsAt) < Date.parse(t.incident.acknowledgedAt ?? t.incident.openedAt)) continue;
      this.recorder.push(signals, KIND.silenceExpired, client, t.incident, `expired:${s.id}`, {
        silenceId: s.id, createdBy: s.createdBy, ...alertnameOf(s),
        reason: t.incident.status === 'resolved' ? 'incident resolved' : expiredEarly(s) ? 'expired in Alertmanager' : 'its end was reached',
      });
    }
  }

  /** Vigil's silences of incidents not followed (resolved before a restart): expired once their incident is resolved. */
  private async expireStrangers(client: AlertmanagerClient, am: AmState, signals: Signal[]): Promise<void> {
    for (const s of am.silences) {
      const id = incidentOfSilence(s, this.deps.publicUrl);
      if (id === undefined || s.state === 'expired' || this.tracked.has(id)) continue;
      let resolved = this.strangers.get(s.id);
      if (resolved === undefined) {
        const incident = await this.deps.store.incidents.get(id);
        resolved = incident?.status === 'resolved' ? incident : null;
        // Still active but not followed (past the limit at start): followed from now on.
        if (incident && incident.status !== 'resolved') this.tracked.set(id, { incident, firing: null });
        if (this.strangers.size > STRANGERS_LIMIT) this.strangers.clear();
        this.strangers.set(s.id, resolved);
      }
      if (resolved === null) continue;
      await this.deps.fence?.();
      await client.expireSilence(s.id);
      s.state = 'expired';
      this.recorder.push(signals, KIND.silenceExpired, client, resolved, `expired:${s.id}`, {
        silenceId: s.id, createdBy: s.createdBy, ...alertnameOf(s), reason: 'incident resolved',
      });
    }
  }

  /** Alertmanager unreachable: each acknowledged incident's alert without a silence there says so, once. */
  private async notePending(client: AlertmanagerClient, am: AmState): Promise<void> {
    const signals: Signal[] = [];
    for (const t of this.tracked.values()) {
      if (!wantsSilence(t.incident) || t.firing === null) continue;
      const own = am.silences.filter((s) => incidentOfSilence(s, this.deps.publicUrl) === t.incident.id);
      for (const [fingerprint, labels] of t.firing) {
        if (liveSilenceOf(own, labels) !== undefined) continue;
        this.recorder.push(signals, KIND.silencePending, client, t.incident, `pending:${fingerprint}`, {
          ...(labels['alertname'] === undefined ? {} : { alertname: labels['alertname'] }), ...(am.error === undefined ? {} : { error: am.error.slice(0, 300) }),
        });
      }
    }
    await this.recorder.store(signals);
  }
}
