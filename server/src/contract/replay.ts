// Incident replay (`GET /api/incidents/:id/replay`): the service's container and alert signals on
// every host over the incident's window, so the page can show any instant as it was.

/** A stored signal as replay needs it (no `raw`). */
export interface ReplaySignal {
  id: string;
  source: string;
  host: string;
  /** ISO-8601 UTC with milliseconds: when it happened, per its source. */
  at: string;
  kind: string;
  service?: string;
  /** Docker's container id, for container signals and the actions on a container. */
  container?: string;
  attributes: Record<string, unknown>;
  /** When Vigil stored it: replay counts a signal from when Vigil knew of it. */
  receivedAt?: string;
}

export interface ReplayAnswer {
  incidentId: string;
  service: string;
  /** The window replay covers: the incident's start − 10 min to its end (or now) + 10 min. */
  from: string;
  to: string;
  /**
   * Signals inside the window, in time order, plus each container's latest ones before `from` (so
   * a container that was simply running shows as running).
   */
  signals: ReplaySignal[];
  /** More signals matched than the answer holds (the latest ones are left out). */
  truncated: boolean;
  /** The most signals one answer holds. */
  limit: number;
}
