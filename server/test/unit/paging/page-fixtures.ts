// Pages as the planner renders them, for the channels' tests.
import type { PageMessage, PagedIncident } from '../../../src/paging/message.ts';

export const PUBLIC = 'https://vigil.example.com';

export function incident(n: number, over: Partial<PagedIncident> = {}): PagedIncident {
  return {
    id: `inc_${n}`, title: `web-${n} down`, service: 'web', host: 'local', severity: 'critical', status: 'open',
    openedAt: '2026-12-05T09:00:00.000Z', lastEventAt: '2026-12-05T09:00:00.000Z', sources: ['docker'], url: `${PUBLIC}/incidents/inc_${n}`, ...over,
  };
}

export function openedPage(over: Partial<PageMessage> = {}): PageMessage {
  return {
    event: 'incident.opened',
    title: 'CRITICAL web down on local: container web-1 died (exit 137, OOM)',
    text: 'Container web-1 died: exit 137 (OOM killed).\nRestart policy "no" will not fire.\nLast log: <fatal> heap out of memory & more',
    severity: 'critical',
    incident: incident(1),
    ackUrl: `${PUBLIC}/api/ack/tok_abc123`,
    evidence: ['exit 137 (OOM killed)', 'restart policy will not fire'],
    ...over,
  };
}

export const DELIVERY = { id: 'dlv_0123456789abcdef', attempt: 1, sentAt: '2026-12-05T09:00:01.250Z' };
