// @vitest-environment happy-dom
// The incident's silences panel against a stubbed fetch: Vigil's and others' silences with state,
// until when and by whom; the "matches nothing any more" flag; a silence not created yet with why;
// hidden when ALERTMANAGER_URL is not set; read again when a silence.* entry arrives.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IncidentSilences } from '@vigil/server/contract';
import IncidentSilencesPanel from '../../src/components/incident/IncidentSilencesPanel.vue';
import { entry, incident } from '../fixtures.ts';
import { serve } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

const SILENCES: IncidentSilences = {
  enabled: true,
  silences: [
    { alertmanager: 'http://am:9093', state: 'expired', id: 's0', createdBy: 'bob', vigil: false, comment: 'old', startsAt: '2026-11-24T18:30:00.000Z', endsAt: '2026-11-24T18:38:00.000Z', orphaned: false, alertname: 'BackendDown' },
    { alertmanager: 'http://am:9093', state: 'active', id: 's1', createdBy: 'vigil', vigil: true, startsAt: '2026-11-24T18:39:00.000Z', endsAt: '2026-11-24T22:39:00.000Z', orphaned: true, alertname: 'BackendDown' },
    { alertmanager: 'http://am2:9093', state: 'pending', createdBy: 'vigil', vigil: true, orphaned: false, alertname: 'BackendDown', error: 'am2:9093: ECONNREFUSED' },
    { alertmanager: 'http://am:9093', state: 'active', id: 's2', createdBy: 'alice', vigil: false, comment: 'db maintenance', startsAt: '2026-11-24T18:39:30.000Z', endsAt: '2026-11-24T20:00:00.000Z', orphaned: false, alertname: 'BackendDown' },
  ],
};

let answer: IncidentSilences;
const path = '/api/incidents/inc_1/silences';
const serveVigil = () => serve((method, p) => (method === 'GET' && p === path ? { status: 200, body: answer } : undefined));
const calls = (list: ReturnType<typeof serve>) => list.filter((c) => c.path === path).length;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-11-24T18:40:00.000Z'));
  answer = structuredClone(SILENCES);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('IncidentSilencesPanel', () => {
  it('lists active first, then not created yet, then expired; by whom, until when; the orphan flagged', async () => {
    serveVigil();
    const wrapper = mountAs('viewer', IncidentSilencesPanel, { props: { incident: incident({ status: 'acknowledged', acknowledgedAt: '2026-11-24T18:39:00.000Z' }), timeline: [] } });
    await settle();
    const rows = wrapper.findAll('[data-testid="silence"]');
    expect(rows.map((r) => r.attributes('data-state'))).toEqual(['active', 'active', 'pending', 'expired']);
    const text = rows.map((r) => r.text());
    expect(text[0]).toContain('by alice');
    expect(text[0]).toContain('until 20:00:00 UTC');
    expect(text[0]).toContain('“db maintenance”');
    expect(text[1]).toContain('by Vigil');
    expect(rows[1]?.find('[data-testid="silence-orphaned"]').text()).toContain('matches nothing any more');
    expect(rows[0]?.find('[data-testid="silence-orphaned"]').exists()).toBe(false);
    expect(text[2]).toContain('not created yet');
    expect(text[2]).toContain('retrying: am2:9093: ECONNREFUSED');
    expect(text[3]).toContain('ended 18:38:00 UTC');
  });

  it('is not shown when Vigil silences nothing (ALERTMANAGER_URL unset)', async () => {
    answer = { enabled: false, silences: [] };
    serveVigil();
    const wrapper = mountAs('viewer', IncidentSilencesPanel, { props: { incident: incident(), timeline: [] } });
    await settle();
    expect(wrapper.find('[data-testid="incident-silences"]').exists()).toBe(false);
  });

  it('reads again when a silence entry arrives, not for other entries', async () => {
    const list = serveVigil();
    const wrapper = mountAs('viewer', IncidentSilencesPanel, { props: { incident: incident(), timeline: [] } });
    await settle();
    await wrapper.setProps({ timeline: [entry({ id: 'e1' })] });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls(list)).toBe(1);
    await wrapper.setProps({ timeline: [entry({ id: 'e1' }), entry({ id: 'e2', source: 'system', kind: 'silence.created', message: 'silenced' })] });
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    expect(calls(list)).toBe(2);
  });
});
