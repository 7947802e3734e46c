// Action items live in the post-mortem itself, as Markdown task-list lines under "Action Items":
// one source of truth, versioned with the document, and marking one done is an edit like any other.
import type { TrackedActionItem } from '../../contract/index.ts';

const TASK = /^(\s*[-*+]\s+\[)([ xX])(\]\s+)(.*)$/;
const SECTION = /^#{2,3}\s+(\d+\.\s*)?Action Items\b/i;
const NEXT_SECTION = /^#{1,3}\s+/;

/** The line numbers of the task lines in the Action Items section, in order. */
function taskLines(lines: readonly string[]): number[] {
  const out: number[] = [];
  let inside = false;
  lines.forEach((line, i) => {
    if (SECTION.test(line)) inside = true;
    else if (inside && NEXT_SECTION.test(line)) inside = false;
    else if (inside && TASK.test(line)) out.push(i);
  });
  return out;
}

export function actionItemsOf(markdown: string): TrackedActionItem[] {
  const lines = markdown.split('\n');
  return taskLines(lines).map((lineNo, index) => {
    const m = TASK.exec(lines[lineNo] ?? '');
    return { index, done: (m?.[2] ?? ' ').toLowerCase() === 'x', text: (m?.[4] ?? '').trim() };
  });
}

/** The document with item `index` marked done or not; null when there is no such item. */
export function setActionItemDone(markdown: string, index: number, done: boolean): string | null {
  const lines = markdown.split('\n');
  const lineNo = taskLines(lines)[index];
  if (lineNo === undefined) return null;
  lines[lineNo] = (lines[lineNo] ?? '').replace(TASK, (_all, open: string, _mark: string, close: string, rest: string) => `${open}${done ? 'x' : ' '}${close}${rest}`);
  return lines.join('\n');
}
