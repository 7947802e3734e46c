// What paging did lands on the incident's timeline through the engine like any other entry, and
// changes nothing else about the incident.
import { describe, expect, test } from 'vitest';
import { notificationSignal } from '../../../src/domain/commands.ts';
import { project } from '../../../src/domain/engine.ts';
import { KIND } from '../../../src/domain/kinds.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { ENGINE_OPTIONS, byKind, recordedDocker } from './sequences.ts';

const docker = recordedDocker('recorded/seed-backend-killed.json');
const die = byKind(docker, 'container.die');
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

function incidentOf(signals: readonly Signal[]) {
  const p = project(signals, { ...ENGINE_OPTIONS, now: plus(die.at, 5_000) });
  const incident = p.incidents[0];
  if (incident === undefined) throw new Error('the recorded kill opened no incident');
  return { incident, timeline: p.timelines[incident.id] ?? [] };
}

describe('notification entries', () => {
  const before = incidentOf(docker);
  const ref = { id: before.incident.id, service: before.incident.service, host: before.incident.host };
  const sent = notificationSignal({
    kind: KIND.notificationSent, incident: ref, at: plus(die.at, 300), key: 'page_1',
    message: 'paged ops (slack): delivered', facts: { deliveryId: 'page_1', channelId: 'ch_1' },
  });

  test('a page becomes a system entry on the incident it names, with its message', () => {
    const after = incidentOf([...docker, sent]);
    const entry = after.timeline.find((e) => e.kind === KIND.notificationSent);
    expect(entry).toMatchObject({ incidentId: ref.id, source: 'system', message: 'paged ops (slack): delivered', at: sent.at });
  });

  test('it moves neither the incident status, its severity, its last event nor its sources', () => {
    const after = incidentOf([...docker, sent]);
    expect(after.incident).toEqual(before.incident);
    expect(after.timeline.filter((e) => e.kind !== KIND.notificationSent)).toEqual(before.timeline);
  });

  test('the same fact recorded twice (a crash between send and record) is one signal, one entry', () => {
    const again = notificationSignal({
      kind: KIND.notificationSent, incident: ref, at: sent.at, key: 'page_1',
      message: 'paged ops (slack): delivered', facts: { deliveryId: 'page_1', channelId: 'ch_1' },
    });
    expect(again.id).toBe(sent.id);
  });

  test('a page about an incident this service no longer holds is still kept, on that incident', () => {
    const stray = notificationSignal({
      kind: KIND.notificationFailed, incident: { ...ref, id: 'inc_gone' }, at: plus(die.at, 400), key: 'page_2',
      message: 'page to ops (slack) failed: 404',
    });
    const p = project([...docker, stray], { ...ENGINE_OPTIONS, now: plus(die.at, 5_000) });
    expect(p.timelines['inc_gone']?.map((e) => e.kind)).toEqual([KIND.notificationFailed]);
    expect(p.incidents.map((i) => i.id)).toEqual([ref.id]);
  });
});
