// The table `npm run bench` prints: one line per figure with its goal and PASS / MISS.
import type { Row } from './stats.ts';

function formatValue(r: Row): string {
  if (!Number.isFinite(r.value)) return '—';
  const digits = Math.abs(r.value) >= 100 ? 0 : Math.abs(r.value) >= 10 ? 1 : 2;
  return `${r.value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${r.unit}`.trim();
}

function formatGoal(r: Row): string {
  if (!r.goal) return '';
  return `${r.goal.kind === 'max' ? '≤' : '≥'} ${r.goal.value.toLocaleString('en-US')} ${r.unit}`;
}

export function printTable(rows: Row[], title: string): void {
  const header = ['benchmark', 'figure', 'goal', 'result'];
  const lines = rows.map((r) => [r.metric, formatValue(r), formatGoal(r), r.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  process.stdout.write(`\n${title}\n\n${fmt(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const l of lines) process.stdout.write(`${fmt(l)}\n`);
  const notes = rows.filter((r) => r.note);
  if (notes.length > 0) {
    process.stdout.write('\n');
    const seen = new Set<string>();
    for (const r of notes) {
      const key = `${r.bench}: ${r.note}`;
      if (seen.has(key)) continue;
      seen.add(key);
      process.stdout.write(`  ${key}\n`);
    }
  }
}
