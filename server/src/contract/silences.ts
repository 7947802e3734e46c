// Silences in Alertmanager for an incident (`GET /api/incidents/:id/silences`) and the longest one
// Vigil makes (`GET/PUT /api/silence-settings`).

/** `pending`: Vigil's silence not created yet (Alertmanager unreachable, retrying), or one Alertmanager starts later. */
export type IncidentSilenceState = 'active' | 'pending' | 'expired';

export interface IncidentSilence {
  /** The Alertmanager, as configured less any credentials. */
  alertmanager: string;
  state: IncidentSilenceState;
  /** Alertmanager's id; absent while Vigil's silence is not created yet. */
  id?: string;
  createdBy: string;
  /** True for the silences Vigil made when the incident was acknowledged. */
  vigil: boolean;
  comment?: string;
  startsAt?: string;
  endsAt?: string;
  /** The alert it silences (Vigil's) or the first of the incident's alerts it matches (others'). */
  alertname?: string;
  /** A Vigil silence that matches none of the alerts that Alertmanager still holds: it silences nothing any more. */
  orphaned: boolean;
  /** Why Vigil's silence is not there yet. */
  error?: string;
}

export interface IncidentSilences {
  /** ALERTMANAGER_URL is set. */
  enabled: boolean;
  silences: IncidentSilence[];
}

export interface SilenceSettings {
  /** The longest silence Vigil makes on an acknowledgement; it is expired earlier when the incident resolves. */
  maxDurationSeconds: number;
}

/** 4 h: long enough for a night's work on an incident, short enough that a forgotten one ends. */
export const DEFAULT_SILENCE_MAX_SECONDS = 4 * 3600;
export const SILENCE_MAX_SECONDS_RANGE = { min: 300, max: 7 * 86_400 } as const;
