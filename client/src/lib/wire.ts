// Shape checks for what arrives over the wire, so the UI reads what it checked, never a cast of
// untrusted JSON. Extra fields pass (the server may add some); the closed lists are the contract's.
import {
  ENTRY_SOURCES, INCIDENT_STATUSES, isOneOf, ROLES, SEVERITIES, SOURCE_STATES,
  type ActionAccepted, type Container, type DetectionHop, type Incident, type IncidentAnalytics, type IncidentDetail, type Interval,
  type LoginResponse, type Page, type PublicUser, type QueryRangeResponse, type QueryRangeSeries, type ServiceStats,
  type SourceStatus, type StatsResponse, type TimelineEntry,
} from '@vigil/server/contract';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown): v is string => typeof v === 'string';
const optStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): boolean => v === null || num(v);

export function isPublicUser(v: unknown): v is PublicUser {
  return isRecord(v) && str(v['id']) && str(v['username']) && isOneOf(ROLES, v['role']) && str(v['createdAt'])
    && (v['disabled'] === undefined || typeof v['disabled'] === 'boolean');
}

/** A signed-in answer from login or /me. /me answers `{user: null}` for a bearer token: not a session. */
export function isLoginResponse(v: unknown): v is LoginResponse {
  return isRecord(v) && isPublicUser(v['user']) && str(v['csrfToken']);
}

export function isSourceStatus(v: unknown): v is SourceStatus {
  return isRecord(v) && str(v['source']) && isOneOf(SOURCE_STATES, v['state']) && str(v['since'])
    && optStr(v['host']) && optStr(v['detail']);
}

/** The key a source is kept under: one per (source, host). */
export function sourceKey(s: Pick<SourceStatus, 'source' | 'host'>): string {
  return s.host === undefined ? s.source : `${s.source}@${s.host}`;
}

export function isIncident(v: unknown): v is Incident {
  return isRecord(v) && str(v['id']) && str(v['title']) && str(v['service']) && str(v['host'])
    && isOneOf(INCIDENT_STATUSES, v['status']) && isOneOf(SEVERITIES, v['severity'])
    && str(v['openedAt']) && str(v['lastEventAt'])
    && optStr(v['acknowledgedAt']) && optStr(v['acknowledgedBy']) && optStr(v['mitigatedAt']) && optStr(v['resolvedAt'])
    && Array.isArray(v['sources']) && v['sources'].every(str);
}

export function isTimelineEntry(v: unknown): v is TimelineEntry {
  return isRecord(v) && str(v['id']) && str(v['incidentId']) && str(v['at'])
    && isOneOf(ENTRY_SOURCES, v['source']) && str(v['kind']) && str(v['message'])
    && optStr(v['actor']) && 'data' in v;
}

export function isIncidentPage(v: unknown): v is Page<Incident> {
  return isRecord(v) && Array.isArray(v['items']) && v['items'].every(isIncident)
    && (v['nextCursor'] === null || str(v['nextCursor']));
}

function isInterval(v: unknown): v is Interval {
  return isRecord(v) && str(v['from']) && str(v['to']);
}

function isHop(v: unknown): v is DetectionHop {
  return isRecord(v) && str(v['hop']) && str(v['at']) && num(v['sinceFirstFailureMs'])
    && num(v['sincePreviousMs']) && str(v['detail']);
}

export function isIncidentAnalytics(v: unknown): v is IncidentAnalytics {
  return isRecord(v) && str(v['incidentId']) && str(v['firstFailureAt']) && str(v['detectedAt'])
    && Array.isArray(v['path']) && v['path'].every(isHop)
    && num(v['timeToDetectMs']) && numOrNull(v['timeToAcknowledgeMs']) && numOrNull(v['timeToMitigateMs'])
    && numOrNull(v['timeToResolveMs']) && num(v['downtimeMs'])
    && Array.isArray(v['down']) && v['down'].every(isInterval);
}

/** The incident with its timeline; `analytics` is checked apart so a change there cannot hide the timeline. */
export function isIncidentWithTimeline(v: unknown): v is Omit<IncidentDetail, 'analytics'> & { analytics?: unknown } {
  if (!isRecord(v) || !isIncident(v)) return false;
  const timeline: unknown = v['timeline'];
  return Array.isArray(timeline) && timeline.every(isTimelineEntry);
}

function isServiceStats(v: unknown): v is ServiceStats {
  return isRecord(v) && str(v['service']) && num(v['incidents']) && num(v['acknowledged']) && num(v['resolved'])
    && numOrNull(v['mttaMs']) && numOrNull(v['mttrMs']) && num(v['totalDowntimeMs']);
}

export function isStatsResponse(v: unknown): v is StatsResponse {
  return isRecord(v) && str(v['from']) && str(v['to'])
    && Array.isArray(v['services']) && v['services'].every(isServiceStats)
    && Array.isArray(v['incidents']);
}

export function isContainer(v: unknown): v is Container {
  return isRecord(v) && str(v['id']) && str(v['name']) && str(v['host']) && str(v['image']) && str(v['state'])
    && typeof v['supervised'] === 'boolean' && num(v['restartCount'])
    && optStr(v['project']) && optStr(v['service']) && optStr(v['health']) && optStr(v['startedAt']);
}

/** `GET /api/containers`: an array, or `{items}` should the server wrap it. */
export function containerList(v: unknown): Container[] | null {
  const list = Array.isArray(v) ? v : isRecord(v) && Array.isArray(v['items']) ? v['items'] : null;
  if (list === null) return null;
  return list.filter(isContainer);
}

export function isActionAccepted(v: unknown): v is ActionAccepted {
  return isRecord(v) && str(v['actionId']);
}

/** What the chart panel reads of a `GET /api/metrics/query_range` answer. */
export type RangeAnswer = Pick<QueryRangeResponse, 'query' | 'stepSeconds' | 'series'>;

function isPoint(v: unknown): v is [string, number | null] {
  return Array.isArray(v) && v.length === 2 && str(v[0]) && (v[1] === null || typeof v[1] === 'number');
}

function isRangeSeries(v: unknown): v is QueryRangeSeries {
  return isRecord(v) && isRecord(v['labels']) && Object.values(v['labels']).every(str)
    && Array.isArray(v['points']) && v['points'].every(isPoint);
}

export function isRangeAnswer(v: unknown): v is RangeAnswer {
  return isRecord(v) && str(v['query']) && num(v['stepSeconds'])
    && Array.isArray(v['series']) && v['series'].every(isRangeSeries);
}
