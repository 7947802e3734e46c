// Silences someone else made in Alertmanager that match an incident's firing alerts: each goes on the
// incident's timeline once (as Alertmanager's, with its author), and is watched until its expiry is
// recorded too. Vigil's own silences are the service's business (service.ts), not this.
import type { Incident } from '../contract/index.ts';
import { KIND } from '../domain/index.ts';
import type { Signal } from '../domain/signal.ts';
import type { AlertmanagerClient } from './client.ts';
import { incidentOfSilence, type AmSilence } from './matchers.ts';
import type { SilenceRecorder } from './recorder.ts';
import { concerns } from './rules.ts';

/** Others' silences whose expiry is awaited, at most. */
const WATCH_LIMIT = 10_000;

export class OthersSilences {
  private readonly recorder: SilenceRecorder;
  private readonly publicUrl: string;
  /** Others' silences seen on an incident, until their expiry is recorded: `am|id` → incident. */
  private readonly watched = new Map<string, Incident>();

  constructor(deps: { recorder: SilenceRecorder; publicUrl: string }) {
    this.recorder = deps.recorder;
    this.publicUrl = deps.publicUrl;
  }

  /** Others' silences in `silences` matching the incident's firing alerts: on its timeline once, then watched. */
  notice(client: AlertmanagerClient, silences: readonly AmSilence[], incident: Incident, firing: ReadonlyMap<string, Record<string, string>>, signals: Signal[]): void {
    if (incident.status === 'resolved') return;
    for (const s of silences) {
      if (incidentOfSilence(s, this.publicUrl) !== undefined || s.state === 'expired') continue;
      const matched = concerns(s, incident, firing);
      if (matched === undefined) continue;
      const key = `${client.name}|${s.id}`;
      if (!this.watched.has(key) && this.watched.size < WATCH_LIMIT) this.watched.set(key, incident);
      this.recorder.push(signals, KIND.silenceSeen, client, incident, `seen:${s.id}`, {
        silenceId: s.id, createdBy: s.createdBy, endsAt: s.endsAt, comment: s.comment.slice(0, 500), ...(matched['alertname'] === undefined ? {} : { alertname: matched['alertname'] }),
      }, true);
    }
  }

  /** The watched silences of this Alertmanager that expired (or are no longer listed): their expiry on the timeline. */
  expiries(client: AlertmanagerClient, silences: readonly AmSilence[], signals: Signal[]): void {
    const byId = new Map(silences.map((s) => [s.id, s]));
    for (const [key, incident] of this.watched) {
      const [name, id = ''] = key.split('|');
      if (name !== client.name) continue;
      const s = byId.get(id);
      if (s !== undefined && s.state !== 'expired') continue;
      this.watched.delete(key);
      this.recorder.push(signals, KIND.silenceExpired, client, incident, `expired:${id}`, {
        silenceId: id, createdBy: s?.createdBy ?? 'someone', ...(s === undefined ? { reason: 'no longer listed by Alertmanager' } : {}),
      }, true);
    }
  }
}
