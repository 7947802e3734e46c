// What responders do to an incident: a note, acknowledge, resolve. Each is stored as a signal like
// any other (the engine writes the timeline entry), then audited; the answer is the incident as it is now.
import { randomUUID } from 'node:crypto';
import type { IncidentWithTimeline } from '../contract/index.ts';
import { KIND, userCommandSignal, type UserCommand } from '../domain/index.ts';
import type { SignalSink } from '../ingest/pipeline.ts';
import type { Store } from '../store/types.ts';
import type { AuditContext, AuditLog } from '../audit.ts';
import { ApiFailure } from '../contract/index.ts';
import { loadIncidentWithTimeline } from './incidents.ts';

const ref = (i: IncidentWithTimeline) => ({ id: i.id, service: i.service, host: i.host });

export class IncidentActions {
  private readonly deps: { store: Store; sink: SignalSink; audit: AuditLog };
  private readonly now: () => Date;

  constructor(deps: { store: Store; sink: SignalSink; audit: AuditLog; now?: () => Date }) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  note(id: string, text: string, by: AuditContext): Promise<IncidentWithTimeline> {
    return this.command(id, by, (i) => ({ kind: KIND.note, incident: ref(i), actor: by.actor, text }));
  }

  acknowledge(id: string, by: AuditContext): Promise<IncidentWithTimeline> {
    return this.command(id, by, (i) => {
      if (i.status === 'resolved') throw new ApiFailure(409, 'incident_resolved', `Incident ${i.id} is already resolved; there is nothing to acknowledge.`);
      return { kind: KIND.acknowledge, incident: ref(i), actor: by.actor };
    });
  }

  resolve(id: string, reason: string, by: AuditContext): Promise<IncidentWithTimeline> {
    return this.command(id, by, (i) => {
      if (i.status === 'resolved') throw new ApiFailure(409, 'incident_resolved', `Incident ${i.id} is already resolved.`);
      return { kind: KIND.resolve, incident: ref(i), actor: by.actor, reason };
    });
  }

  /** Stores the command as a signal, audits it, and reads the incident back. */
  private async command(id: string, by: AuditContext, make: (incident: IncidentWithTimeline) => UserCommand): Promise<IncidentWithTimeline> {
    const { store, sink, audit } = this.deps;
    const incident = await loadIncidentWithTimeline(store, id);
    const cmd = make(incident);
    const signal = userCommandSignal(cmd, this.now().toISOString(), randomUUID());
    await sink.ingest([signal]);
    // On a follower the leader applies it: the answer shows it once it has (or the incident as it is, after a bounded wait).
    await sink.settled?.([signal]);
    await audit.record({ ...by, action: `incident.${cmd.kind.replace(/^user\./, '')}`, target: incident.id, outcome: 'ok' });
    return loadIncidentWithTimeline(store, incident.id);
  }
}
