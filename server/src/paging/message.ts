// What a page says, independent of the channel: the planner renders it once when it enqueues the
// page (OutboxRecord.message), and each channel (paging/channels/) turns it into its own request.
import type { Incident, PageEvent, Severity } from '../contract/index.ts';

/** The incident as the API shows it (API.md: the webhook's `incident` is an Incident), and its link. */
export interface PagedIncident extends Incident {
  /** `${PUBLIC_URL}/incidents/${id}` */
  url: string;
}

export interface PageMessage {
  event: PageEvent;
  /** One line: "CRITICAL web down on local: container web-1 died (exit 137, OOM)". */
  title: string;
  /** Plain text, a few short lines a phone shows whole: what broke in the engine's words, since when, evidence. */
  text: string;
  severity: Severity;
  /** The incident (the first, for a digest). */
  incident: PagedIncident;
  /** A digest lists every incident it stands for (the first included); otherwise absent. */
  incidents?: PagedIncident[];
  /** `${PUBLIC_URL}/api/ack/${token}` when the page carries an ack link (opened, escalated, digest). */
  ackUrl?: string;
  /** Escalations: the step, and who was paged before and did not acknowledge. */
  escalation?: { step: number; round: number; notAnswering: string[] };
  /** Resolved pages: how long the incident lasted. */
  durationMs?: number;
  /** Death evidence lines: exit reason, "restart policy will not fire", the last log line. */
  evidence?: string[];
  /** Slack member ids to mention (a paged person's `slackMemberId`). */
  mentions?: string[];
}
