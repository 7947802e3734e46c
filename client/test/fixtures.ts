// Small builders for the client tests: an incident, a timeline entry, a container.
import type { Container, Incident, TimelineEntry } from '@vigil/server/contract';

export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'inc_1', title: 'backend container died', service: 'backend', host: 'local', status: 'open', severity: 'critical',
    openedAt: '2026-11-24T18:37:11.088Z', lastEventAt: '2026-11-24T18:37:11.088Z', sources: ['docker'], ...over,
  };
}

export function entry(over: Partial<TimelineEntry> = {}): TimelineEntry {
  return {
    id: 'e1', incidentId: 'inc_1', at: '2026-11-24T18:37:11.088Z', source: 'docker', kind: 'container.die',
    message: 'backend container died — killed (signal 9, exit 137)', data: { signals: [] }, ...over,
  };
}

export function container(over: Partial<Container> = {}): Container {
  return {
    id: 'c0ffee000000aaaa', name: 'shop_backend_1', host: 'local', image: 'users-backend', state: 'running',
    supervised: false, restartCount: 0, startedAt: '2026-11-24T18:00:00.000Z', ...over,
  };
}
