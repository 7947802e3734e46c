// Silencing lands on the incident's timeline through the engine: on the incident it names, with a
// readable sentence, someone else's silence as Alertmanager's with its author; nothing else changes.
import { describe, expect, test } from 'vitest';
import { project } from '../../../src/domain/engine.ts';
import { KIND } from '../../../src/domain/kinds.ts';
import { silenceSignal } from '../../../src/silences/signals.ts';
import { ENGINE_OPTIONS, byKind, recordedDocker } from '../domain/sequences.ts';

const docker = recordedDocker('recorded/seed-backend-killed.json');
const die = byKind(docker, 'container.die');
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const now = plus(die.at, 5_000);

describe('silence entries', () => {
  const before = project(docker, { ...ENGINE_OPTIONS, now });
  const incident = before.incidents[0];
  if (incident === undefined) throw new Error('the recorded kill opened no incident');
  const am = { alertmanager: 'http://am:9093', amHost: 'am:9093' };

  test('Vigil\'s silence, its pending retry and its expiry: system entries with a sentence each', () => {
    const signals = [
      silenceSignal({ kind: KIND.silencePending, incident, at: plus(die.at, 100), key: 'pending:fp', ...am, facts: { alertname: 'BackendDown', error: 'am:9093: ECONNREFUSED' } }),
      silenceSignal({ kind: KIND.silenceCreated, incident, at: plus(die.at, 200), key: 'created:s1', ...am, facts: { silenceId: 's1', createdBy: 'vigil', endsAt: '2026-12-02T07:54:47.000Z', alertname: 'BackendDown' } }),
      silenceSignal({ kind: KIND.silenceExpired, incident, at: plus(die.at, 300), key: 'expired:s1', ...am, facts: { silenceId: 's1', createdBy: 'vigil', reason: 'incident resolved' } }),
    ];
    const after = project([...docker, ...signals], { ...ENGINE_OPTIONS, now });
    const entries = (after.timelines[incident.id] ?? []).filter((e) => e.kind.startsWith('silence.'));
    expect(entries.map((e) => [e.source, e.kind, e.message])).toEqual([
      ['system', KIND.silencePending, 'silence not created yet: Alertmanager am:9093 unreachable, retrying (am:9093: ECONNREFUSED)'],
      ['system', KIND.silenceCreated, 'alert BackendDown silenced in Alertmanager am:9093 until 2026-12-02 07:54 UTC (silence s1)'],
      ['system', KIND.silenceExpired, 'silence s1 by vigil in Alertmanager am:9093 expired (incident resolved)'],
    ]);
    expect(after.incidents[0]).toEqual(incident);
  });

  test('a silence Alertmanager refuses says so, not "unreachable"', () => {
    const refused = silenceSignal({ kind: KIND.silencePending, incident, at: plus(die.at, 100), key: 'refused:x', ...am, facts: { error: 'am:9093 answered POST /api/v2/silences with HTTP 401', refused: true } });
    const after = project([...docker, refused], { ...ENGINE_OPTIONS, now });
    expect((after.timelines[incident.id] ?? []).find((e) => e.kind === KIND.silencePending)?.message)
      .toBe('silence not created yet: Alertmanager am:9093 refused it, retrying (am:9093 answered POST /api/v2/silences with HTTP 401)');
  });

  test('someone else\'s silence reads as Alertmanager\'s, with who, until when and their comment', () => {
    const seen = silenceSignal({
      kind: KIND.silenceSeen, incident, at: plus(die.at, 100), key: 'seen:s2', ...am, foreign: true,
      facts: { silenceId: 's2', createdBy: 'alice', endsAt: '2026-12-02T05:00:00.000Z', comment: 'db maintenance' },
    });
    const after = project([...docker, seen], { ...ENGINE_OPTIONS, now });
    const entry = (after.timelines[incident.id] ?? []).find((e) => e.kind === KIND.silenceSeen);
    expect(entry).toMatchObject({ source: 'alertmanager', actor: 'alice', message: 'silenced in Alertmanager am:9093 by alice until 2026-12-02 05:00 UTC: db maintenance' });
  });

  test('the same fact noticed twice (a restart) is one signal', () => {
    const one = silenceSignal({ kind: KIND.silenceExpired, incident, at: plus(die.at, 100), key: 'expired:s1', ...am, facts: { silenceId: 's1' } });
    const two = silenceSignal({ kind: KIND.silenceExpired, incident, at: plus(die.at, 900), key: 'expired:s1', ...am, facts: { silenceId: 's1', reason: 'other words' } });
    expect(two.id).toBe(one.id);
  });
});
