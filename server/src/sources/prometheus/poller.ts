// The Prometheus source: every few seconds reads the alerts (the path that works without
// Alertmanager) and the targets' health, hands what changed to the ingest pipeline, and reports
// Prometheus's state on the status board. What it has reported is kept in the store (a cursor),
// so a restart of Vigil neither repeats nor loses a transition. Failures back off and retry.
import { z } from 'zod';
import type { AlertServiceMapping } from '../alertmanager/normalize.ts';
import type { SignalSink } from '../../ingest/pipeline.ts';
import type { Logger } from '../../logger.ts';
import type { StatusBoard } from '../../status.ts';
import type { CursorRepository } from '../../store/types.ts';
import type { Signal } from '../../domain/signal.ts';
import { alertEndedSignal, alertFiredSignal, endedAt, firedAt, firingSeriesSelector, planAlerts, type TrackedAlert } from './alerts.ts';
import type { PrometheusAlert, PrometheusApi, Series } from './client.ts';
import { healthTransitions, targetHealth } from './health.ts';

const SOURCE = 'prometheus';
const MAX_BACKOFF_MS = 60_000;
/** How far back the firing time of a newly seen alert is looked for. */
const MAX_FIRING_LOOKBACK_S = 24 * 3600;

const stringMap = z.record(z.string(), z.string());
const stateSchema = z.object({
  version: z.literal(1),
  alerts: z.record(z.string(), z.object({
    fingerprint: z.string(), labels: stringMap, annotations: stringMap, activeAt: z.string(), startsAt: z.string(),
  })),
  targets: z.record(z.string(), z.object({
    service: z.string(), instance: z.string(), job: z.string().optional(), down: z.boolean(),
  })),
});
type PollState = z.infer<typeof stateSchema>;
const EMPTY: PollState = { version: 1, alerts: {}, targets: {} };

export interface PrometheusSourceDeps {
  api: PrometheusApi;
  sink: SignalSink;
  cursors: CursorRepository;
  board: StatusBoard;
  logger: Logger;
  mapping: AlertServiceMapping;
  intervalMs: number;
  now?: () => number;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PrometheusSource {
  private readonly deps: PrometheusSourceDeps;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Names the Prometheus in signals: its host and port. */
  private readonly host: string;
  private state: PollState | undefined;
  private saved: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;

  constructor(deps: PrometheusSourceDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ module: 'prometheus' });
    this.now = deps.now ?? Date.now;
    this.host = new URL(deps.api.url).host;
  }

  start(): void {
    this.stopped = false;
    this.deps.board.set(SOURCE, this.deps.api.url, 'connecting');
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pollOnce().then(
        () => { this.failures = 0; },
        () => { this.failures += 1; },
      ).finally(() => {
        const backoff = Math.min(this.deps.intervalMs * 2 ** this.failures, MAX_BACKOFF_MS);
        this.schedule(this.failures === 0 ? this.deps.intervalMs : Math.max(backoff, 1_000));
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One poll: read Prometheus, store what changed, remember it. Rejects (after logging) on failure. */
  async pollOnce(): Promise<void> {
    const { api, board } = this.deps;
    const nowMs = this.now();
    const window = Math.max(30, Math.ceil((3 * this.deps.intervalMs) / 1000));
    let alerts: PrometheusAlert[];
    let reading: { up: Series[]; appHealth: Series[] };
    try {
      [alerts, reading] = await Promise.all([api.alerts(), this.read(window)]);
    } catch (err) {
      if (board.set(SOURCE, api.url, 'down', describe(err))) this.log.warn({ url: api.url, detail: describe(err) }, 'prometheus unreachable');
      throw err;
    }
    if (board.set(SOURCE, api.url, 'up')) this.log.info({ url: api.url }, 'prometheus reachable');

    try {
      const state = this.state ?? await this.load();
      const plan = planAlerts(state.alerts, alerts);
      const fired = await Promise.all(plan.fired.map((a) => this.tracked(a, nowMs)));
      const signals: Signal[] = [];
      for (const alert of plan.ended) signals.push(await this.endedSignal(alert, nowMs));
      for (const alert of fired) signals.push(alertFiredSignal(alert, this.host, this.deps.mapping, this.alertsUrl()));
      const health = healthTransitions(state.targets, targetHealth(reading.up, reading.appHealth, this.deps.mapping), this.host, nowMs);
      signals.push(...health.signals);
      const alertsNow: Record<string, TrackedAlert> = {};
      for (const a of [...plan.unchanged, ...fired]) alertsNow[a.fingerprint] = a;
      const next: PollState = { version: 1, alerts: alertsNow, targets: health.known };
      if (signals.length > 0) {
        // The signals and what the poller remembers are stored in one commit: a failed one is
        // retried by the next poll, with the same ids, and never half remembered.
        const text = JSON.stringify(next);
        const fresh = await this.deps.sink.ingest(signals, { cursor: { source: SOURCE, host: this.deps.api.url, value: text } });
        this.saved = text;
        this.log.info({ signals: signals.map((s) => `${s.kind} ${s.service ?? '?'}`), fresh: fresh.length }, 'prometheus signals');
      }
      this.state = next;
      await this.save(this.state);
    } catch (err) {
      this.log.warn({ err }, 'prometheus poll not stored; retrying with the next poll');
      throw err;
    }
  }

  private async read(windowSeconds: number): Promise<{ up: Series[]; appHealth: Series[] }> {
    const [up, appHealth] = await Promise.all([
      this.deps.api.rawSamples('up', windowSeconds),
      this.deps.api.rawSamples('app_health', windowSeconds),
    ]);
    return { up, appHealth };
  }

  private alertsUrl(): string {
    return `${this.deps.api.url}/alerts`;
  }

  /** A newly firing alert, with the time it fired as Alertmanager will report it. */
  private async tracked(alert: PrometheusAlert & { fingerprint: string }, nowMs: number): Promise<TrackedAlert> {
    const lookback = Math.min(MAX_FIRING_LOOKBACK_S, Math.ceil((nowMs - alert.activeAtMs) / 1000) + 60);
    const series = await this.deps.api.rawSamples(firingSeriesSelector(alert.labels), lookback);
    const fired = firedAt(series.flatMap((s) => s.samples), alert.activeAtMs);
    if (fired === undefined) {
      this.log.warn({ alert: alert.labels }, 'firing time of an alert not found in ALERTS; using when it went pending (the webhook copy may not de-duplicate)');
    }
    return {
      fingerprint: alert.fingerprint,
      labels: alert.labels,
      annotations: alert.annotations,
      activeAt: new Date(alert.activeAtMs).toISOString(),
      startsAt: new Date(fired ?? alert.activeAtMs).toISOString(),
    };
  }

  private async endedSignal(alert: TrackedAlert, nowMs: number): Promise<Signal> {
    const startsAtMs = Date.parse(alert.startsAt);
    const lookback = Math.min(MAX_FIRING_LOOKBACK_S, Math.ceil((nowMs - startsAtMs) / 1000) + 60);
    const series = await this.deps.api.rawSamples(firingSeriesSelector(alert.labels), lookback);
    const ended = endedAt(series.flatMap((s) => s.samples), startsAtMs, nowMs) ?? nowMs;
    return alertEndedSignal(alert, new Date(ended).toISOString(), this.host, this.deps.mapping, this.alertsUrl());
  }

  private async load(): Promise<PollState> {
    const text = await this.deps.cursors.get(SOURCE, this.deps.api.url);
    this.saved = text ?? undefined;
    if (text === null) return EMPTY;
    try {
      return stateSchema.parse(JSON.parse(text));
    } catch (err) {
      this.log.warn({ err }, 'stored Prometheus cursor unreadable; starting afresh');
      return EMPTY;
    }
  }

  private async save(state: PollState): Promise<void> {
    const text = JSON.stringify(state);
    if (text === this.saved) return;
    await this.deps.cursors.set(SOURCE, this.deps.api.url, text);
    this.saved = text;
  }
}
