// The post-mortem page's pure parts: line diffs, the merge offered after a 409, the answers' shape
// checks, and action-item text on the board.
import { describe, expect, it } from 'vitest';
import { lineDiff, proposeMerge } from '../src/lib/text-diff.ts';
import { chartFileName, isActionItemList, isPostmortemView, isVersionConflict, plainInline, postmortemPaths } from '../src/lib/postmortem.ts';

const lines = (n: number, prefix = 'line'): string => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join('');

describe('lineDiff', () => {
  it('numbers added and removed lines on their own side and counts them', () => {
    const d = lineDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(d.added).toBe(2);
    expect(d.removed).toBe(1);
    expect(d.rows).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'removed', text: 'b', oldLine: 2, newLine: null },
      { kind: 'added', text: 'B', oldLine: null, newLine: 2 },
      { kind: 'same', text: 'c', oldLine: 3, newLine: 3 },
      { kind: 'added', text: 'd', oldLine: null, newLine: 4 },
    ]);
  });

  it('folds long unchanged runs, keeping three lines of context', () => {
    const before = lines(20);
    const after = before.replace('line 10\n', 'line ten\n');
    const d = lineDiff(before, after);
    expect(d.rows[0]).toEqual({ kind: 'skip', count: 6 });
    expect(d.rows.at(-1)).toEqual({ kind: 'skip', count: 7 });
    expect(d.rows.filter((r) => r.kind === 'same')).toHaveLength(6);
  });

  it('says nothing changed for equal texts', () => {
    expect(lineDiff('x\n', 'x\n')).toMatchObject({ added: 0, removed: 0 });
  });
});

describe('proposeMerge', () => {
  const base = lines(30);

  it('replays your edits on theirs when they touch different lines', () => {
    const mine = base.replace('line 3\n', 'line 3 (mine)\n');
    const theirs = base.replace('line 25\n', 'line 25 (theirs)\n');
    const m = proposeMerge(base, mine, theirs, 'theirs');
    expect(m.clean).toBe(true);
    expect(m.text).toBe(base.replace('line 3\n', 'line 3 (mine)\n').replace('line 25\n', 'line 25 (theirs)\n'));
  });

  it('marks each disagreement when both changed the same line', () => {
    const mine = base.replace('line 3\n', 'line 3 (mine)\n');
    const theirs = base.replace('line 3\n', 'line 3 (theirs)\n');
    const m = proposeMerge(base, mine, theirs, 'theirs (v2 by rita)');
    expect(m.clean).toBe(false);
    expect(m.text).toContain('<<<<<<< theirs (v2 by rita)\nline 3 (theirs)\n=======\nline 3 (mine)\n>>>>>>> yours\n');
    expect(m.text.startsWith('line 1\nline 2\n<<<<<<<')).toBe(true);
    expect(m.text.endsWith('line 30\n')).toBe(true);
  });

  it('takes the side that changed when only one did', () => {
    expect(proposeMerge(base, base, `${base}x\n`, 't')).toEqual({ text: `${base}x\n`, clean: true });
    expect(proposeMerge(base, `${base}y\n`, base, 't')).toEqual({ text: `${base}y\n`, clean: true });
  });
});

describe('shape checks', () => {
  it('accepts the documented answers and refuses near misses', () => {
    const doc = { incidentId: 'i1', markdown: '# x', version: 0, updatedAt: null, updatedBy: 'vigil', draft: true };
    expect(isPostmortemView(doc)).toBe(true);
    expect(isPostmortemView({ ...doc, version: -1 })).toBe(false);
    expect(isPostmortemView({ ...doc, draft: 'no' })).toBe(false);
    expect(isVersionConflict({ currentVersion: 3, current: { markdown: 'm', author: 'rita', savedAt: '2026-11-24T03:00:00.000Z' } })).toBe(true);
    expect(isVersionConflict({ currentVersion: 3, current: null })).toBe(true);
    expect(isVersionConflict({ currentVersion: '3' })).toBe(false);
    const item = { index: 0, text: 't', done: false, incidentId: 'i1', incidentTitle: 'T', service: 's', version: 2 };
    expect(isActionItemList({ items: [item] })).toBe(true);
    expect(isActionItemList({ items: [{ ...item, index: 0.5 }] })).toBe(false);
  });
});

describe('paths and names', () => {
  it('encodes incident ids and names the chart beside the .md', () => {
    expect(postmortemPaths.actionItem('a/b', 2)).toBe('/api/incidents/a%2Fb/postmortem/action-items/2');
    expect(postmortemPaths.markdown('inc_1')).toBe('/api/incidents/inc_1/postmortem.md');
    expect(chartFileName('inc_1')).toBe('postmortem-inc_1-chart.png');
    expect(chartFileName('a/b c')).toBe('postmortem-a_b_c-chart.png');
  });
});

describe('plainInline', () => {
  it.each([
    ['_none suggested; add your own_', 'none suggested; add your own'],
    ['Add a **restart policy** to `users-backend`', 'Add a restart policy to users-backend'],
    ['See [the runbook](https://runbooks.invalid/x)', 'See the runbook'],
    ['keep snake_case_names and 2 * 3 * 4', 'keep snake_case_names and 2 * 3 * 4'],
    ['*emphasis* here', 'emphasis here'],
  ])('%s → %s', (input, expected) => {
    expect(plainInline(input)).toBe(expected);
  });
});
