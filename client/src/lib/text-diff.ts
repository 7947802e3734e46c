// Line diffs between post-mortem versions, and the merge Vigil proposes when two people saved at
// once. Pure; the `diff` package (jsdiff) does the hard part. Only the post-mortem page imports it.
import { applyPatch, diffLines, structuredPatch } from 'diff';

export type DiffRow =
  | { kind: 'same' | 'removed' | 'added'; text: string; oldLine: number | null; newLine: number | null }
  | { kind: 'skip'; count: number };

export interface LineDiff {
  rows: DiffRow[];
  added: number;
  removed: number;
}

/** Lines of a diff chunk; jsdiff keeps each line's "\n", and the last line may have none. */
function linesOf(value: string): string[] {
  const lines = value.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The line diff from `before` to `after`. Unchanged runs longer than 2×`context` lines fold into one
 * "skip" row, so a one-line change in a long document reads at a glance.
 */
export function lineDiff(before: string, after: string, context = 3): LineDiff {
  const full: DiffRow[] = [];
  let oldLine = 1;
  let newLine = 1;
  let added = 0;
  let removed = 0;
  for (const change of diffLines(before, after)) {
    for (const text of linesOf(change.value)) {
      if (change.added) {
        full.push({ kind: 'added', text, oldLine: null, newLine: newLine++ });
        added++;
      } else if (change.removed) {
        full.push({ kind: 'removed', text, oldLine: oldLine++, newLine: null });
        removed++;
      } else {
        full.push({ kind: 'same', text, oldLine: oldLine++, newLine: newLine++ });
      }
    }
  }
  const near = full.map(() => false);
  full.forEach((row, i) => {
    if (row.kind === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(full.length - 1, i + context); j++) near[j] = true;
  });
  const rows: DiffRow[] = [];
  let skipped = 0;
  full.forEach((row, i) => {
    if (row.kind === 'same' && !near[i]) {
      skipped++;
      return;
    }
    if (skipped > 0) rows.push({ kind: 'skip', count: skipped });
    skipped = 0;
    rows.push(row);
  });
  if (skipped > 0) rows.push({ kind: 'skip', count: skipped });
  return { rows, added, removed };
}

export interface MergeProposal {
  text: string;
  /** True when your edits applied on top of theirs without touching the same lines. */
  clean: boolean;
}

const withNewline = (s: string): string => (s === '' || s.endsWith('\n') ? s : `${s}\n`);

/**
 * What to offer as the merged text after a 409: your edits (from `base`, the version you started
 * from, to `mine`) replayed on `theirs`. When both changed the same lines, the text carries Git-style
 * conflict markers around each disagreement for a person to settle.
 */
export function proposeMerge(base: string, mine: string, theirs: string, theirLabel: string): MergeProposal {
  if (mine === base || mine === theirs) return { text: theirs, clean: true };
  if (theirs === base) return { text: mine, clean: true };
  const replayed = applyPatch(theirs, structuredPatch('postmortem.md', 'postmortem.md', base, mine), { fuzzFactor: 0 });
  if (typeof replayed === 'string') return { text: replayed, clean: true };

  let text = '';
  let theirsOnly = '';
  let mineOnly = '';
  const flush = (): void => {
    if (theirsOnly === '' && mineOnly === '') return;
    text += `<<<<<<< ${theirLabel}\n${withNewline(theirsOnly)}=======\n${withNewline(mineOnly)}>>>>>>> yours\n`;
    theirsOnly = '';
    mineOnly = '';
  };
  for (const change of diffLines(theirs, mine)) {
    if (change.removed) theirsOnly += change.value;
    else if (change.added) mineOnly += change.value;
    else {
      flush();
      text += change.value;
    }
  }
  flush();
  return { text, clean: false };
}
