// Alert history for the API: the store's projection (store/alerts.ts) joined with the incidents it
// names, every answer bounded (a page of alerts, a few periods and incidents each), page cursors signed.
import type { AlertDetail, AlertIncidentRef, AlertList, AlertPeriod, AlertSummary } from '../contract/index.ts';
import { notFound } from '../contract/index.ts';
import type { AlertRecord } from '../store/alerts.ts';
import { CursorSigner } from '../store/cursor.ts';
import { SettingKeys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { InvalidCursorError } from '../store/types.ts';

/** Periods per alert in a list row (the bar over the window); the rest are counted. */
export const ALERT_LIST_PERIODS = 20;
/** Incidents per alert in a list row and in the detail. */
export const ALERT_LIST_INCIDENTS = 5;

export interface AlertListQuery {
  service?: string | undefined;
  alertname?: string | undefined;
  labels: Array<[string, string]>;
  text?: string | undefined;
  from: string;
  to: string;
  limit: number;
  cursor?: string | undefined;
}

export class AlertHistory {
  private readonly store: Store;
  private readonly cursors: CursorSigner;

  constructor(deps: { store: Store }) {
    this.store = deps.store;
    this.cursors = new CursorSigner(new SettingKeys(deps.store.settings));
  }

  async list(q: AlertListQuery): Promise<AlertList> {
    // A cursor belongs to its filters (not to the window: the rows do not depend on it).
    const scope = `alerts ${JSON.stringify([q.service ?? null, q.alertname ?? null, q.labels, q.text ?? null])}`;
    const after = q.cursor === undefined ? undefined : parsePosition(await this.cursors.open(q.cursor, scope));
    const rows = await this.store.alerts.list({
      labels: q.labels, limit: q.limit + 1,
      ...(q.service === undefined ? {} : { service: q.service }),
      ...(q.alertname === undefined ? {} : { alertname: q.alertname }),
      ...(q.text === undefined ? {} : { text: q.text }),
      ...(after === undefined ? {} : { after }),
    });
    const page = rows.slice(0, q.limit);
    const titles = new Map<string, AlertIncidentRef | null>();
    const items: AlertSummary[] = [];
    for (const row of page) items.push(await this.summary(row, { from: q.from, to: q.to }, ALERT_LIST_PERIODS, titles));
    const last = page.at(-1);
    const nextCursor = rows.length > q.limit && last !== undefined ? await this.cursors.sign(JSON.stringify([last.lastAt, last.fingerprint]), scope) : null;
    return { items, nextCursor, from: q.from, to: q.to };
  }

  async get(fingerprint: string, q: { from: string; to: string; limit: number; before?: string | undefined }): Promise<AlertDetail> {
    const row = await this.store.alerts.get(fingerprint);
    if (row === null) throw notFound(`Alert ${fingerprint}`);
    const window = { from: q.from, to: q.to };
    const alert = await this.summary(row, window, 0, new Map());
    const page = await this.store.alerts.periods(fingerprint, window, q.limit + 1, q.before);
    const periods = page.items.slice(0, q.limit);
    const nextBefore = page.items.length > q.limit ? periods.at(-1)?.startsAt ?? null : null;
    return { alert, periods, nextBefore, from: q.from, to: q.to };
  }

  private async summary(row: AlertRecord, window: { from: string; to: string }, periodsLimit: number, titles: Map<string, AlertIncidentRef | null>): Promise<AlertSummary> {
    const periods = await this.store.alerts.periods(row.fingerprint, window, Math.max(1, periodsLimit));
    const shown: AlertPeriod[] = periodsLimit === 0 ? [] : periods.items;
    const firingNow = periods.latest !== undefined && periods.latest.endsAt === undefined;
    const incidents: AlertIncidentRef[] = [];
    for (const link of await this.store.alerts.incidents(row.fingerprint, ALERT_LIST_INCIDENTS * 2)) {
      const ref = await this.incident(link.incidentId, titles);
      if (ref !== null && !incidents.some((i) => i.id === ref.id)) incidents.push(ref);
      if (incidents.length >= ALERT_LIST_INCIDENTS) break;
    }
    return {
      fingerprint: row.fingerprint,
      alertname: row.alertname,
      ...(row.service === undefined ? {} : { service: row.service }),
      labels: row.labels,
      firstSeenAt: row.firstAt,
      lastSeenAt: row.lastAt,
      firingNow,
      ...(firingNow && periods.latest ? { firingSince: periods.latest.startsAt } : {}),
      firings: periods.total,
      periods: shown,
      morePeriods: Math.max(0, periods.total - shown.length),
      incidents,
    };
  }

  /** The incident, or where the engine merged it to; null when it is gone. */
  private async incident(id: string, seen: Map<string, AlertIncidentRef | null>): Promise<AlertIncidentRef | null> {
    const known = seen.get(id);
    if (known !== undefined) return known;
    let incident = await this.store.incidents.get(id);
    if (incident === null) {
      const successor = await this.store.incidents.successor(id);
      incident = successor === null ? null : await this.store.incidents.get(successor);
    }
    const ref = incident === null ? null : { id: incident.id, title: incident.title, status: incident.status, severity: incident.severity, openedAt: incident.openedAt };
    seen.set(id, ref);
    return ref;
  }
}

function parsePosition(position: string): { lastAt: string; fingerprint: string } {
  try {
    const value: unknown = JSON.parse(position);
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return { lastAt: value[0], fingerprint: value[1] };
  } catch {
    // Falls through: signed by this server, so only a defect gets here.
  }
  throw new InvalidCursorError('the cursor does not name a place in this list; start again without a cursor');
}
