// Words for the live connection and the sources, and what the thin status banner says.
import type { SourceState, SourceStatus, StoreKind } from '@vigil/server/contract';
import { formatUtcTime } from './time.ts';

export type ConnectionState = 'connecting' | 'live' | 'offline';

/** The word beside the indicator's dot. */
export function connectionLabel(state: ConnectionState, since: string): string {
  switch (state) {
    case 'live': return 'Live';
    case 'connecting': return 'Connecting…';
    case 'offline': return `Offline since ${formatUtcTime(since)}`;
  }
}

/** The colour-language tone of a state: green fine, red broken, grey unknown. */
export type Tone = 'critical' | 'warning' | 'mitigated' | 'resolved' | 'unknown';

export function connectionTone(state: ConnectionState): Tone {
  return state === 'live' ? 'resolved' : state === 'offline' ? 'critical' : 'unknown';
}

export function sourceTone(state: SourceState): Tone {
  return state === 'up' ? 'resolved' : state === 'down' ? 'critical' : 'unknown';
}

export function sourceStateLabel(state: SourceState): string {
  switch (state) {
    case 'up': return 'Up';
    case 'down': return 'Down';
    case 'connecting': return 'Checking…';
    case 'disabled': return 'Disabled';
  }
}

const SOURCE_NAMES: Record<string, string> = {
  docker: 'Docker',
  prometheus: 'Prometheus',
  alertmanager: 'Alertmanager',
  mongodb: 'MongoDB',
  store: 'Store',
};

export function sourceName(source: string): string {
  return SOURCE_NAMES[source] ?? (source.charAt(0).toUpperCase() + source.slice(1));
}

/** "Prometheus (http://127.0.0.1:9090)" — the host says which one when there are several. */
export function sourceTitle(s: Pick<SourceStatus, 'source' | 'host'>): string {
  return s.host ? `${sourceName(s.source)} (${s.host})` : sourceName(s.source);
}

export interface StoreHealth {
  kind: StoreKind;
  state: 'up' | 'down';
  detail?: string;
  /** When the UI first saw it down (the report carries no time of its own). */
  since: string;
}

export interface BannerItem {
  key: string;
  text: string;
  since: string;
  detail?: string;
}

/**
 * One line per thing that is broken, the live connection first: what, since when, and the
 * server's detail for a hover. Empty when all is well. `leaderlessSince`: since when no replica
 * leads (a failover under way), null while one does.
 */
export function bannerItems(
  connection: { state: ConnectionState; since: string },
  sources: readonly SourceStatus[],
  store: StoreHealth | null,
  leaderlessSince: string | null = null,
): BannerItem[] {
  const items: BannerItem[] = [];
  if (connection.state === 'offline') {
    items.push({ key: 'connection', text: 'Live updates lost — reconnecting; what you see may be stale', since: connection.since });
  }
  if (leaderlessSince !== null && connection.state !== 'offline') {
    items.push({ key: 'failover', text: 'Failover under way — no replica leads; restarts and pages wait for the next leader', since: leaderlessSince });
  }
  if (store && store.state === 'down') {
    items.push({ key: 'store', text: `Store (${store.kind}) down — changes are not saved`, since: store.since, ...(store.detail ? { detail: store.detail } : {}) });
  }
  const down = sources.filter((s) => s.state === 'down')
    .sort((a, b) => a.since.localeCompare(b.since) || sourceTitle(a).localeCompare(sourceTitle(b)));
  for (const s of down) {
    items.push({
      key: `source:${s.source}@${s.host ?? ''}`,
      text: `${sourceTitle(s)} unreachable`,
      since: s.since,
      ...(s.detail ? { detail: s.detail } : {}),
    });
  }
  return items;
}
