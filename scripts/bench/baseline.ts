// `--baseline REV`: the same benchmarks from an earlier revision, run in this same run on this same
// machine, so "before" and "after" sit side by side in one table. The revision is checked out in a
// temporary git worktree that borrows this checkout's node_modules; its own `npm run bench` writes
// its JSON there, and its rows come back here named "before (REV): …".
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Row } from './stats.ts';
import { repoRoot } from './vigil.ts';

const reportSchema = z.object({
  results: z.array(z.object({
    bench: z.string(), metric: z.string(), value: z.number().nullable(), unit: z.string(), verdict: z.enum(['PASS', 'MISS', 'INFO', 'FAIL']),
    goal: z.object({ kind: z.enum(['max', 'min']), value: z.number() }).optional(), note: z.string().optional(),
  })),
});

export async function baselineBench(rev: string, benches: readonly string[], quick: boolean): Promise<Row[]> {
  const short = execFileSync('git', ['rev-parse', '--short', rev], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), `vigil-baseline-${short}-`));
  execFileSync('git', ['worktree', 'add', '--detach', tree, rev], { cwd: repoRoot, stdio: 'ignore' });
  try {
    for (const dir of ['node_modules', 'server/node_modules', 'client/node_modules']) {
      if (fs.existsSync(path.join(repoRoot, dir))) fs.symlinkSync(path.join(repoRoot, dir), path.join(tree, dir));
    }
    const args = ['scripts/bench.ts', '--only', benches.join(','), ...(quick ? ['--quick'] : [])];
    try {
      execFileSync(process.execPath, args, { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'], timeout: 60 * 60_000 });
    } catch {
      // A MISS or FAIL row exits 1: the JSON still says what it measured.
    }
    const dir = path.join(tree, 'bench-results');
    const newest = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().at(-1);
    if (newest === undefined) throw new Error(`the baseline ${short} wrote no results`);
    const report = reportSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, newest), 'utf8')));
    return report.results.map((r) => ({
      bench: r.bench, metric: `before (${short}): ${r.metric}`, value: r.value ?? Number.NaN, unit: r.unit, verdict: r.verdict,
      ...(r.goal ? { goal: r.goal } : {}), ...(r.note ? { note: r.note } : {}),
    }));
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: repoRoot, stdio: 'ignore' });
  }
}
