// Vigil's own silences of one incident in one Alertmanager: what an acknowledged incident lacks is
// made (one silence per firing alert, renewed before it runs out), what a resolved one still has is
// expired. Each act is fenced (leader only) and goes on the timeline through the recorder.
import type { Incident } from '../contract/index.ts';
import { KIND } from '../domain/index.ts';
import type { Signal } from '../domain/signal.ts';
import type { Logger } from '../logger.ts';
import { AlertmanagerRefused, type AlertmanagerClient } from './client.ts';
import { incidentOfSilence, matchersFor, silenceComment, VIGIL_CREATOR, type AmSilence } from './matchers.ts';
import type { SilenceRecorder } from './recorder.ts';
import { alertnameOf, declined, liveSilenceOf, wantsSilence } from './rules.ts';

/** A Vigil silence ending sooner than this is followed by a new one (the incident is still acknowledged). */
const RENEW_BEFORE_MS = 2 * 60_000;

export interface OwnSilencesPass {
  client: AlertmanagerClient;
  /** That Alertmanager's silences as last read; changed in place as silences are made and expired. */
  silences: AmSilence[];
  incident: Incident;
  firing: ReadonlyMap<string, Record<string, string>> | null;
  /** The timeline entries of this pass. */
  signals: Signal[];
  recorder: SilenceRecorder;
  log: Logger;
  publicUrl: string;
  now: () => Date;
  fence?: (() => Promise<void>) | undefined;
  maxDurationSeconds: () => Promise<number>;
}

/** Makes what an acknowledged incident lacks; expires what a resolved one still has. */
export async function reconcileOwn(p: OwnSilencesPass): Promise<void> {
  const { client, incident, signals, recorder } = p;
  const own = p.silences.filter((s) => incidentOfSilence(s, p.publicUrl) === incident.id);
  if (incident.status === 'resolved') {
    for (const s of own) {
      if (s.state === 'expired') continue;
      await p.fence?.();
      await client.expireSilence(s.id);
      s.state = 'expired';
      s.endsAt = p.now().toISOString();
      s.updatedAt = s.endsAt;
      recorder.push(signals, KIND.silenceExpired, client, incident, `expired:${s.id}`, {
        silenceId: s.id, createdBy: s.createdBy, ...alertnameOf(s), reason: 'incident resolved',
      });
    }
    return;
  }
  if (!wantsSilence(incident) || p.firing === null) return;
  // A silence about to run out on an incident still acknowledged is followed by a new one before it ends.
  const renewBefore = p.now().getTime() + RENEW_BEFORE_MS;
  for (const labels of p.firing.values()) {
    if (liveSilenceOf(own, labels, renewBefore) !== undefined) continue;
    if (declined(own, labels)) continue;
    const startsAt = p.now();
    const endsAt = new Date(startsAt.getTime() + (await p.maxDurationSeconds()) * 1000);
    const silence = {
      matchers: matchersFor(labels), startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), createdBy: VIGIL_CREATOR,
      comment: silenceComment({ incidentId: incident.id, publicUrl: p.publicUrl, acknowledgedBy: incident.acknowledgedBy }),
    };
    const alertname = labels['alertname'] === undefined ? {} : { alertname: labels['alertname'] };
    await p.fence?.();
    let id: string;
    try {
      id = await client.createSilence(silence);
    } catch (err) {
      if (!(err instanceof AlertmanagerRefused)) throw err;
      // Alertmanager answers but will not take this one (credentials, a label it refuses): said once, tried again each pass.
      p.log.warn({ alertmanager: client.name, incident: incident.id, err: err.message }, 'Alertmanager refused the silence; retrying');
      recorder.push(signals, KIND.silencePending, client, incident, `refused:${labels['alertname'] ?? ''}:${matchersFor(labels).map((m) => `${m.name}=${m.value}`).join(',')}`, {
        ...alertname, error: err.message.slice(0, 300), refused: true,
      });
      continue;
    }
    p.silences.push({ id, state: 'active', ...silence, updatedAt: silence.startsAt });
    p.log.info({ alertmanager: client.name, incident: incident.id, silence: id }, 'silenced the incident\'s alert');
    recorder.push(signals, KIND.silenceCreated, client, incident, `created:${id}`, {
      silenceId: id, createdBy: VIGIL_CREATOR, endsAt: silence.endsAt, ...alertname,
    });
  }
}
