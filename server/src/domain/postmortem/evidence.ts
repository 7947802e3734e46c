// What the death evidence (sources/docker/evidence-build.ts) adds to a draft's Root Cause: an OOM
// kill, a failing health check with its last probe's words, the last line written on stderr.
// Read defensively: entries come back from the store, and older evidence has fewer attributes.
import type { TimelineEntry } from '../../contract/index.ts';
import { KIND } from '../kinds.ts';

const MAX_QUOTE = 200;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short quote on one line that cannot smuggle HTML (entities, as draft.ts writes text; no code span, where they would show as typed). */
function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const cut = flat.length > MAX_QUOTE ? `${flat.slice(0, MAX_QUOTE - 1)}…` : flat;
  return `"${cut.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`;
}

function attributesOf(entry: TimelineEntry): Record<string, unknown> | undefined {
  const data = entry.data;
  const signals = isRecord(data) && Array.isArray(data['signals']) ? data['signals'] : [];
  const signal: unknown = signals.find((s) => isRecord(s) && s['kind'] === KIND.evidence);
  return isRecord(signal) && isRecord(signal['attributes']) ? signal['attributes'] : undefined;
}

/** Root Cause lines from the incident's evidence entries (the first failing ones), and whether it names an OOM kill. */
export function evidenceCauseLines(timeline: readonly TimelineEntry[]): { lines: string[]; oomKilled: boolean } {
  const all = timeline.filter((e) => e.kind === KIND.evidence).map(attributesOf).filter((a): a is Record<string, unknown> => a !== undefined);
  const lines: string[] = [];
  const oomKilled = all.some((a) => a['oomKilled'] === true);
  if (oomKilled) lines.push('- Docker recorded it as OOMKilled: the kernel killed it for running out of memory. Check its memory limit and what grew.');
  const withProbes = all.find((a) => Array.isArray(a['healthProbes']) && a['healthProbes'].some((p: unknown) => isRecord(p) && p['exitCode'] !== 0));
  if (withProbes !== undefined) {
    const probes = (withProbes['healthProbes'] as unknown[]).filter(isRecord);
    const failed = probes.filter((p) => p['exitCode'] !== 0);
    const said = failed.findLast((p) => typeof p['output'] === 'string' && p['output'] !== '');
    const streak = typeof withProbes['failingStreak'] === 'number' && withProbes['failingStreak'] > 0 ? `${withProbes['failingStreak']} in a row` : `${failed.length} of its last ${probes.length} probes`;
    lines.push(`- Its health check was failing (${streak})${said === undefined ? '' : `; the last failing probe (exit code ${String(said['exitCode'])}) said ${quote(String(said['output']))}`}.`);
  }
  const logs = all.flatMap((a) => (Array.isArray(a['logs']) ? a['logs'].filter(isRecord) : []));
  const stderr = logs.findLast((l) => l['stream'] === 'stderr' && typeof l['text'] === 'string' && l['text'].trim() !== '');
  if (stderr !== undefined) lines.push(`- The last line it wrote on stderr: ${quote(String(stderr['text']))}.`);
  return { lines, oomKilled };
}
