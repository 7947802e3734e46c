import { describe, expect, it } from 'vitest';
import { containersOf, evidenceOf, groupByMinute, isHumanEntry, mergeEntry, rawText } from '../src/lib/timeline.ts';
import { entry } from './fixtures.ts';

describe('timeline', () => {
  it('groups by UTC minute, in time order', () => {
    const groups = groupByMinute([
      entry({ id: 'c', at: '2026-11-24T18:38:40.000Z' }),
      entry({ id: 'a', at: '2026-11-24T18:37:11.088Z' }),
      entry({ id: 'b', at: '2026-11-24T18:37:59.999Z' }),
    ]);
    expect(groups.map((g) => [g.key, g.entries.map((e) => e.id)])).toEqual([
      ['2026-11-24T18:37', ['a', 'b']],
      ['2026-11-24T18:38', ['c']],
    ]);
    expect(groups[0]?.at).toBe('2026-11-24T18:37:00.000Z');
  });

  it('merges a live entry by id and keeps time order', () => {
    const list = [entry({ id: 'a', at: '2026-11-24T18:37:00.000Z' }), entry({ id: 'c', at: '2026-11-24T18:39:00.000Z' })];
    const merged = mergeEntry(list, entry({ id: 'b', at: '2026-11-24T18:38:00.000Z' }));
    expect(merged.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(mergeEntry(merged, entry({ id: 'b', at: '2026-11-24T18:38:00.000Z', message: 'again' })).filter((e) => e.id === 'b')).toHaveLength(1);
  });

  it('tells human actions from machine signals', () => {
    expect(isHumanEntry({ source: 'user', actor: 'alice' })).toBe(true);
    expect(isHumanEntry({ source: 'docker' })).toBe(false);
    expect(isHumanEntry({ source: 'supervisor', actor: 'supervisor' })).toBe(false);
    expect(isHumanEntry({ source: 'system', actor: 'alice' })).toBe(false);
  });

  it('finds the evidence a death left: reason, OOM and the last log lines', () => {
    const e = entry({
      data: { signals: [{ kind: 'container.die', attributes: { exitCode: 137, signal: '9', oomKilled: true, logTail: 'line 1\nline 2\n' } }] },
    });
    expect(evidenceOf(e)).toEqual({
      facts: [{ label: 'exit code', value: '137' }, { label: 'signal', value: '9' }, { label: 'OOM killed', value: 'yes' }],
      logLines: [{ text: 'line 1' }, { text: 'line 2' }],
    });
  });

  it('reads the Docker source\'s container.evidence entry: facts and stamped log lines', () => {
    const e = entry({
      kind: 'container.evidence',
      data: { signals: [{ kind: 'container.evidence', attributes: {
        summary: 'web death evidence: …', exitCode: 137, oomKilled: false, killSignal: '9', restartPolicy: 'no', restartPolicyWillFire: false,
        stopRequested: 'through the Docker API',
        logs: [{ stream: 'stdout', at: '2026-11-24T18:37:10.000Z', text: 'served 10' }, { stream: 'stderr', text: 'boom\nat x' }],
      } }] },
    });
    expect(evidenceOf(e)).toEqual({
      summary: 'web death evidence: …',
      facts: [
        { label: 'exit code', value: '137' }, { label: 'signal', value: '9' }, { label: 'restart policy', value: 'no' },
        { label: 'Docker will restart it', value: 'no' }, { label: 'stop requested', value: 'through the Docker API' },
      ],
      logLines: [
        { text: 'served 10', stream: 'stdout', at: '2026-11-24T18:37:10.000Z' },
        { text: 'boom', stream: 'stderr' }, { text: 'at x', stream: 'stderr' },
      ],
    });
    // The entry's own sentence already is the summary: not said twice.
    expect(evidenceOf({ ...e, message: 'web death evidence: …' })?.summary).toBeUndefined();
  });

  it('has no evidence when there is only what the sentence says already', () => {
    expect(evidenceOf(entry({ data: { signals: [{ attributes: { exitCode: 137 } }] } }))).toBeNull();
    expect(evidenceOf(entry({ data: 'not an object' }))).toBeNull();
    expect(evidenceOf(entry({ data: { evidence: { logs: ['<script>x</script>'] } } }))?.logLines).toEqual([{ text: '<script>x</script>' }]);
  });

  it('names the containers behind the incident, latest first, once each', () => {
    const timeline = [
      entry({ id: '1', at: '2026-11-24T18:37:00.000Z', data: { signals: [{ host: 'local', container: 'aaa', attributes: { name: 'old_name' } }] } }),
      entry({ id: '2', at: '2026-11-24T18:38:00.000Z', data: { signals: [{ host: 'local', attributes: { containerId: 'bbb', name: 'other' } }] } }),
      entry({ id: '3', at: '2026-11-24T18:39:00.000Z', data: { signals: [{ host: 'local', container: 'aaa', attributes: { name: 'new_name' } }] } }),
    ];
    expect(containersOf(timeline)).toEqual([
      { id: 'aaa', name: 'new_name', host: 'local' },
      { id: 'bbb', name: 'other', host: 'local' },
    ]);
  });

  it('prints raw data as indented JSON', () => {
    expect(rawText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(rawText(undefined)).toBe('null');
  });
});
