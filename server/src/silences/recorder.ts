// Hands silence facts to the timeline (the pipeline) once per process: the signal id already makes a
// repeat harmless, this saves the commit. A batch that could not be stored is forgotten, so the next
// pass, which sees the same facts, records them again.
import type { Incident } from '../contract/index.ts';
import type { Signal } from '../domain/signal.ts';
import type { Logger } from '../logger.ts';
import type { AlertmanagerClient } from './client.ts';
import { silenceSignal, type SilenceKind } from './signals.ts';

type Facts = Parameters<typeof silenceSignal>[0]['facts'];

const MAX_REMEMBERED = 50_000;

export class SilenceRecorder {
  private readonly record: (signals: Signal[]) => Promise<unknown>;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly recorded = new Set<string>();

  constructor(deps: { record: (signals: Signal[]) => Promise<unknown>; log: Logger; now: () => Date }) {
    this.record = deps.record;
    this.log = deps.log;
    this.now = deps.now;
  }

  /** Adds the fact to `batch` unless this process recorded it already. */
  push(batch: Signal[], kind: SilenceKind, client: AlertmanagerClient, incident: Incident, key: string, facts: Facts, foreign = false): void {
    const once = onceKey(kind, client.name, incident.id, key);
    if (this.recorded.has(once)) return;
    batch.push(silenceSignal({
      kind, incident, at: this.now().toISOString(), key, alertmanager: client.name, amHost: client.host, facts, ...(foreign ? { foreign } : {}),
    }));
    this.recorded.add(once);
  }

  async store(batch: Signal[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.record(batch);
    } catch (err) {
      for (const s of batch) {
        const raw = s.raw as { kind: string; alertmanager: string; incidentId: string; key: string };
        this.recorded.delete(onceKey(raw.kind, raw.alertmanager, raw.incidentId, raw.key));
      }
      this.log.error({ err }, 'recording silences on the timeline failed; retried with the next pass');
    }
    if (this.recorded.size > MAX_REMEMBERED) this.recorded.clear();
  }
}

function onceKey(kind: string, alertmanager: string, incidentId: string, key: string): string {
  return `${kind}|${alertmanager}|${incidentId}|${key}`;
}
