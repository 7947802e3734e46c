// Incidents, their timelines, and the figures computed from them (`GET /api/incidents…`, `GET /api/stats`).
import type { SuspectedChange } from './changes.ts';
import type { EntrySource, IncidentStatus, Severity } from './values.ts';

export interface Incident {
  id: string;
  title: string;
  service: string;
  host: string;
  status: IncidentStatus;
  severity: Severity;
  openedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  mitigatedAt?: string;
  resolvedAt?: string;
  lastEventAt: string;
  sources: string[];
  /** The change of this service (image, configuration) its failure followed within the change window. */
  suspectedChange?: SuspectedChange;
}

export interface TimelineEntry {
  id: string;
  incidentId: string;
  at: string;
  source: EntrySource;
  kind: string;
  message: string;
  actor?: string;
  data: unknown;
}

export interface IncidentWithTimeline extends Incident {
  timeline: TimelineEntry[];
}

/** One page of a list, newest first; `nextCursor` asks for the next one, null on the last. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type DetectionHopName =
  | 'first_failure' | 'docker_event' | 'alert_pending' | 'alert_firing' | 'webhook_received'
  | 'acknowledged' | 'restart' | 'healthy' | 'resolved';

export interface DetectionHop {
  hop: DetectionHopName;
  at: string;
  sinceFirstFailureMs: number;
  sincePreviousMs: number;
  detail: string;
}

export interface Interval {
  from: string;
  to: string;
}

export interface IncidentAnalytics {
  incidentId: string;
  service: string;
  host: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  openedAt: string;
  /** The earliest failure evidence (a kill, a die, an alert going pending…). */
  firstFailureAt: string;
  /** When Vigil first held a failure signal (its `receivedAt`). */
  detectedAt: string;
  path: DetectionHop[];
  /** first failure → detected */
  timeToDetectMs: number;
  /** detected → acknowledged */
  timeToAcknowledgeMs: number | null;
  /** first failure → first time every container ran healthy again (or every alert resolved) */
  timeToMitigateMs: number | null;
  /** first failure → resolved */
  timeToResolveMs: number | null;
  /** Time the service was down: from each failure to the recovery after it; an open one counts until `now`. */
  downtimeMs: number;
  down: Interval[];
  flaps: number;
}

/** `GET /api/incidents/:id`: the incident, its timeline in time order, and its analytics. */
export interface IncidentDetail extends IncidentWithTimeline {
  analytics: IncidentAnalytics;
}

export interface ServiceStats {
  service: string;
  incidents: number;
  acknowledged: number;
  resolved: number;
  /** Mean time to acknowledge over the acknowledged incidents; null when none was. */
  mttaMs: number | null;
  /** Mean time to resolve over the resolved incidents; null when none was. */
  mttrMs: number | null;
  /** Down intervals of the window's incidents, clipped to the window. */
  totalDowntimeMs: number;
}

/** The body of `GET /api/stats?service=&from=&to=`. */
export interface StatsResponse {
  from: string;
  to: string;
  service: string | null;
  services: ServiceStats[];
  /** The incidents opened in the window, oldest first. */
  incidents: IncidentAnalytics[];
}
