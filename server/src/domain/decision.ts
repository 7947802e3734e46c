// What the engine tells its caller to persist and broadcast. Its own file, free of the engine's code:
// the store's interface (which the client's types reach) names it.
import type { Incident, TimelineEntry } from '../contract/index.ts';

export type Decision =
  /** Store (insert or replace) the incident and emit socket.io `incident:upsert`. */
  | { type: 'incident:upsert'; incident: Incident }
  /** Store the entry (idempotent by id) and emit socket.io `timeline:append`. */
  | { type: 'timeline:append'; entry: TimelineEntry }
  /**
   * Only when signals arrive out of event-time order: an entry said before is no longer true (its
   * burst grew, or the incident it was on turned out to start earlier). Delete it.
   */
  | { type: 'timeline:remove'; entryId: string; incidentId: string }
  /**
   * Only when signals arrive out of event-time order: the incident merged into another one. Delete it
   * and its timeline; `replacedBy` is the incident of the same service that now covers its time, so
   * a link to the old one can lead there.
   */
  | { type: 'incident:remove'; incidentId: string; replacedBy?: string };
