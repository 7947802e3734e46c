// The closed lists of values the wire carries, each declared once as an `as const` array with its
// type derived from it: the server validates against them, the store checks what it reads back, and
// the client checks what arrives.

export const ROLES = ['viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'mitigated', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Who said what a timeline entry (and the signal behind it) says. */
export const ENTRY_SOURCES = ['docker', 'prometheus', 'alertmanager', 'user', 'supervisor', 'system'] as const;
export type EntrySource = (typeof ENTRY_SOURCES)[number];

export const SOURCE_STATES = ['up', 'down', 'connecting', 'disabled'] as const;
export type SourceState = (typeof SOURCE_STATES)[number];

/** The store behind a Vigil: MongoDB (MONGODB_URL) or the embedded SQLite file. */
export const STORE_KINDS = ['mongodb', 'embedded'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export const AUDIT_OUTCOMES = ['ok', 'denied', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** `GET /api/metrics/query_range?chart=…`: the named charts a viewer may ask for. */
export const CHART_NAMES = ['up', 'app_health', 'requests', 'errors'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

/** Whether `value` is one of `list`: narrows an unknown to the list's type. */
export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return (list as readonly unknown[]).includes(value);
}

/**
 * `GET /api/incidents?status=`: one status, `active` (everything not resolved) or `all`. `open`
 * asks for the active ones too: the name the list used first.
 */
export const INCIDENT_FILTERS = ['open', 'active', 'acknowledged', 'mitigated', 'resolved', 'all'] as const;
export type IncidentFilter = (typeof INCIDENT_FILTERS)[number];
