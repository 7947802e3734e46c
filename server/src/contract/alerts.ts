// Alert history (`GET /api/alerts`, `GET /api/alerts/:fingerprint`): every alert Vigil has seen,
// one per identity (Alertmanager's fingerprint of its label set), with its firing periods.
import type { IncidentStatus, Severity } from './values.ts';

export interface AlertPeriod {
  startsAt: string;
  /** Absent while it fires (or while Vigil has not heard it resolve). */
  endsAt?: string;
}

/** An incident the alert was on (its signals on that incident's timeline). */
export interface AlertIncidentRef {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  openedAt: string;
}

export interface AlertSummary {
  fingerprint: string;
  alertname: string;
  service?: string;
  labels: Record<string, string>;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Its newest period has no end. */
  firingNow: boolean;
  /** Start of that period, when firing now. */
  firingSince?: string;
  /** Periods overlapping the window (how often it fired there). */
  firings: number;
  /** Those periods, newest first, at most ALERT_LIST_PERIODS; `morePeriods` counts the rest. */
  periods: AlertPeriod[];
  morePeriods: number;
  /** Newest first, at most ALERT_LIST_INCIDENTS. */
  incidents: AlertIncidentRef[];
}

export interface AlertList {
  items: AlertSummary[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
  /** The window the periods and counts are for. */
  from: string;
  to: string;
}

export interface AlertDetail {
  alert: AlertSummary;
  /** Periods overlapping the window, newest first, one page of them. */
  periods: AlertPeriod[];
  /** Pass as `before` for the next page of periods; null on the last. */
  nextBefore: string | null;
  from: string;
  to: string;
}
