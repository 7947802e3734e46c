// The timeline's record of silencing: one signal per fact, its id derived from the fact (an
// Alertmanager's silence id and what happened to it), so noticing it again after a restart stores it once.
import type { Incident } from '../contract/index.ts';
import type { KIND } from '../domain/index.ts';
import { stableId } from '../domain/ids.ts';
import type { Signal } from '../domain/signal.ts';

export type SilenceKind = typeof KIND.silenceCreated | typeof KIND.silencePending | typeof KIND.silenceSeen | typeof KIND.silenceExpired;

export function silenceSignal(input: {
  kind: SilenceKind;
  incident: Pick<Incident, 'id' | 'service' | 'host'>;
  at: string;
  /** Names the fact once: the silence id (created, seen, expired) or the alert waiting for one (pending). */
  key: string;
  alertmanager: string;
  /** host:port of that Alertmanager, for the sentence. */
  amHost: string;
  /** Someone else's silence: the entry reads as Alertmanager's, with its author as the actor. */
  foreign?: boolean;
  facts: { silenceId?: string; createdBy?: string; endsAt?: string; comment?: string; alertname?: string; error?: string; reason?: string; refused?: boolean };
}): Signal {
  const facts = Object.fromEntries(Object.entries(input.facts).filter(([, v]) => v !== undefined && v !== '' && v !== false));
  return {
    id: stableId('sil', input.kind, input.incident.id, input.alertmanager, input.key),
    source: 'system',
    host: input.incident.host,
    at: input.at,
    kind: input.kind,
    service: input.incident.service,
    attributes: {
      ...facts, incidentId: input.incident.id, alertmanager: input.alertmanager, amHost: input.amHost,
      actor: input.foreign ? (input.facts.createdBy ?? 'someone') : 'vigil',
      ...(input.foreign ? { entrySource: 'alertmanager' } : {}),
    },
    raw: { kind: input.kind, incidentId: input.incident.id, alertmanager: input.alertmanager, key: input.key, ...facts },
  };
}
