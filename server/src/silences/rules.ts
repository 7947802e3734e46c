// Pure decisions about one incident's silences: whether it should be silenced, which silences
// concern it, and when a person's expiry of Vigil's silence means "do not silence it again".
import type { Incident, IncidentSilence } from '../contract/index.ts';
import { coversExactly, incidentOfSilence, isOrphaned, silenceMatches, VIGIL_CREATOR, type AmSilence } from './matchers.ts';

/** Acknowledged and not resolved: its firing alerts should be silenced. */
export function wantsSilence(incident: Pick<Incident, 'acknowledgedAt' | 'status'>): boolean {
  return incident.acknowledgedAt !== undefined && incident.status !== 'resolved';
}

export function alertnameOf(s: Pick<AmSilence, 'matchers'>): { alertname?: string } {
  const m = s.matchers.find((x) => x.name === 'alertname' && !x.isRegex && x.isEqual !== false);
  return m === undefined ? {} : { alertname: m.value };
}

/** Vigil's silence of exactly this alert, not expired (and, with `lastingPast`, not ending before that instant). */
export function liveSilenceOf(own: readonly AmSilence[], labels: Readonly<Record<string, string>>, lastingPast?: number): AmSilence | undefined {
  return own.find((s) => s.state !== 'expired' && coversExactly(s.matchers, labels)
    && (lastingPast === undefined || Date.parse(s.endsAt) > lastingPast));
}

/**
 * Expired through the API (`DELETE /api/v2/silence/:id`): Alertmanager then moves `endsAt` to that
 * instant and `updatedAt` with it; a silence that ran out keeps its `updatedAt` from its creation.
 */
export function expiredEarly(s: Pick<AmSilence, 'state' | 'endsAt' | 'updatedAt'>): boolean {
  return s.state === 'expired' && Math.abs(Date.parse(s.updatedAt) - Date.parse(s.endsAt)) < 1_000;
}

/**
 * Someone expired Vigil's silence of this alert before its end: a person decided, Vigil does not
 * silence it again. One that ran its full length is made again (the incident is still acknowledged).
 */
export function declined(own: readonly AmSilence[], labels: Readonly<Record<string, string>>): boolean {
  return own.some((s) => expiredEarly(s) && coversExactly(s.matchers, labels));
}

/** Someone else's silence that concerns this incident: not over before it opened, matching one of its firing alerts. */
export function concerns(s: AmSilence, incident: Pick<Incident, 'openedAt'>, firing: ReadonlyMap<string, Record<string, string>>): Record<string, string> | undefined {
  if (Date.parse(s.endsAt) < Date.parse(incident.openedAt)) return undefined;
  for (const labels of firing.values()) if (silenceMatches(s.matchers, labels)) return labels;
  return undefined;
}

export interface AlertmanagerView {
  name: string;
  reachable: boolean | null;
  error?: string;
  silences: readonly AmSilence[];
  alerts: ReadonlyArray<Record<string, string>>;
}

/** What `GET /api/incidents/:id/silences` shows of each Alertmanager, from its last answer. */
export function incidentSilenceView(input: {
  incident: Incident; firing: ReadonlyMap<string, Record<string, string>>; alertmanagers: readonly AlertmanagerView[]; publicUrl: string;
}): IncidentSilence[] {
  const { incident, firing } = input;
  const out: IncidentSilence[] = [];
  for (const am of input.alertmanagers) {
    const own = am.silences.filter((s) => incidentOfSilence(s, input.publicUrl) === incident.id);
    for (const s of own) {
      out.push({
        alertmanager: am.name, state: s.state, id: s.id, createdBy: s.createdBy, vigil: true, comment: s.comment,
        startsAt: s.startsAt, endsAt: s.endsAt, ...alertnameOf(s),
        orphaned: am.reachable === true && isOrphaned(s, am.alerts),
      });
    }
    if (wantsSilence(incident)) {
      for (const labels of firing.values()) {
        if (liveSilenceOf(own, labels) !== undefined || declined(own, labels)) continue;
        out.push({
          alertmanager: am.name, state: 'pending', createdBy: VIGIL_CREATOR, vigil: true, orphaned: false,
          ...(labels['alertname'] === undefined ? {} : { alertname: labels['alertname'] }),
          ...(am.error === undefined ? {} : { error: am.error }),
        });
      }
    }
    for (const s of am.silences) {
      if (incidentOfSilence(s, input.publicUrl) !== undefined) continue;
      const matched = concerns(s, incident, firing);
      if (matched === undefined) continue;
      out.push({
        alertmanager: am.name, state: s.state, id: s.id, createdBy: s.createdBy, vigil: false, comment: s.comment,
        startsAt: s.startsAt, endsAt: s.endsAt, orphaned: false,
        ...(matched['alertname'] === undefined ? {} : { alertname: matched['alertname'] }),
      });
    }
  }
  return out;
}
