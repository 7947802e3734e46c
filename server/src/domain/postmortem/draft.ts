// The first draft of a post-mortem, in the seed post-mortem's sections, from what Vigil recorded.
// People finish it; anything inferred says so and asks a person to confirm.
import type { IncidentAnalytics, IncidentWithTimeline, TimelineEntry } from '../../contract/index.ts';
import { KIND } from '../kinds.ts';
import { evidenceCauseLines } from './evidence.ts';
import { suggestActionItems, type StackFindings, type SuggestedActionItem } from './findings.ts';

export interface DraftInput {
  incident: IncidentWithTimeline;
  analytics: IncidentAnalytics;
  findings: StackFindings | null;
}

export interface Draft {
  markdown: string;
  actionItems: SuggestedActionItem[];
}

const NOISE = new Set<string>([KIND.create, KIND.destroy, KIND.pause, KIND.unpause]);

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m} min ${rest} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `2026-11-24 18:37:11.088` — UTC, as the seed's timeline table wrote it. */
function utc(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

/** Markdown table cells must not break the table, nor smuggle HTML into a renderer. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

function inline(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Entries worth a row: every signal and human action, without lifecycle noise, in time order. */
function timelineRows(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  return timeline.filter((e) => !NOISE.has(e.kind));
}

function entryData(entry: TimelineEntry): Record<string, unknown> {
  return typeof entry.data === 'object' && entry.data !== null ? (entry.data as Record<string, unknown>) : {};
}

function restoredBy(timeline: readonly TimelineEntry[]): { who: 'person' | 'supervisor' | 'docker' | null; entry: TimelineEntry | null } {
  const restart = [...timeline].reverse().find((e) => e.kind === KIND.restartRequested || e.kind === KIND.supervisorRestart);
  if (restart?.kind === KIND.supervisorRestart) return { who: 'supervisor', entry: restart };
  if (restart) return { who: 'person', entry: restart };
  const start = timeline.find((e) => e.kind === KIND.start);
  return start ? { who: 'docker', entry: start } : { who: null, entry: null };
}

function rootCause(incident: IncidentWithTimeline): string[] {
  const death = incident.timeline.find((e) => e.kind === KIND.die || e.kind === KIND.oom);
  const evidence = evidenceCauseLines(incident.timeline);
  const lines: string[] = [];
  if (death) {
    const d = entryData(death);
    lines.push(`- What the signals show: ${inline(death.message)}.`);
    if (typeof d['explanation'] === 'string') lines.push(`- ${inline(d['explanation'])}`);
    const signal = String(d['signal'] ?? '');
    if (death.message.includes('killed') || signal === '9') {
      lines.push('- The container was killed (signal 9). Docker restart policies do not apply to a `docker kill`, so nothing brought it back by itself.');
    }
    if ((death.kind === KIND.oom || death.message.includes('memory')) && !evidence.oomKilled) lines.push('- The kernel killed it for running out of memory: check the memory limit and what grew.');
  } else {
    const unhealthy = incident.timeline.find((e) => e.kind === KIND.unhealthy);
    const alert = incident.timeline.find((e) => e.kind === KIND.alertFiring);
    if (unhealthy) lines.push(`- What the signals show: ${inline(unhealthy.message)}.`);
    else if (alert) lines.push(`- What the signals show: ${inline(alert.message)}. No container died: look at the application itself.`);
  }
  lines.push(...evidence.lines);
  const change = incident.suspectedChange;
  if (change) {
    const by = change.changedBy === undefined ? '' : ` by ${inline(change.changedBy)}`;
    const what = change.changed.filter((c) => c !== 'image' && c !== 'image id');
    lines.push(`- Suspected change: ${inline(incident.service)} was changed${by} ${duration(change.beforeMs)} before it broke, ` +
      `${inline(change.oldImage ?? '?')} → ${inline(change.newImage ?? '?')}${what.length > 0 ? ` (also changed: ${inline(what.join(', '))})` : ''}.`);
  }
  if (lines.length === 0) lines.push('- The recorded signals do not show a cause.');
  lines.push('- **To confirm by a person:** why it happened, not only what Vigil saw.');
  return lines;
}

export function draftPostmortem(input: DraftInput): Draft {
  const { incident, analytics: a } = input;
  const rows = timelineRows(incident.timeline);
  const restored = restoredBy(incident.timeline);
  // When the alert reached Vigil (the webhook) is what a person waited for; firing is the fallback.
  const webhook = a.path.find((h) => h.hop === 'webhook_received') ?? a.path.find((h) => h.hop === 'alert_firing');
  const actionItems = suggestActionItems({
    service: incident.service,
    findings: input.findings,
    alertDelayMs: webhook ? webhook.sinceFirstFailureMs : null,
    alerted: incident.timeline.some((e) => e.kind === KIND.alertFiring),
    restartedBy: restored.who,
  });
  const failed = input.findings?.failedRequests;
  const restoredLine = restored.entry
    ? `${inline(restored.entry.message)} at ${utc(restored.entry.at)} UTC`
    : 'not recorded';
  const md = [
    `# Post-mortem: ${inline(incident.title)}`,
    '',
    `_Draft written by Vigil from incident \`${incident.id}\`; edit freely._`,
    '',
    '## 1. Summary',
    '',
    `${inline(incident.service)} on ${inline(incident.host)} was impaired from ${utc(a.firstFailureAt)} UTC` +
      (incident.resolvedAt ? ` until ${utc(incident.resolvedAt)} UTC` : ' (still open when this draft was written)') +
      `. Severity ${incident.severity}. Vigil detected it after ${duration(a.timeToDetectMs)}; service was restored after ${duration(a.timeToMitigateMs)}.`,
    '',
    '## 2. Impact',
    '',
    `- Affected service: ${inline(incident.service)} (host ${inline(incident.host)})`,
    `- Downtime: ${duration(a.downtimeMs)}${a.flaps > 0 ? ` over ${a.flaps + 1} outages (flapping)` : ''}`,
    `- Failed requests: ${failed === undefined ? 'unknown (Prometheus did not say)' : String(failed)}`,
    '',
    '## 3. Timeline of Events (UTC)',
    '',
    '| Time (UTC) | Event |',
    '|---|---|',
    ...rows.map((e) => `| ${utc(e.at)} | ${cell(e.message)}${e.actor && !e.message.includes(e.actor) ? ` (${cell(e.actor)})` : ''} |`),
    '',
    '**Detection and recovery**',
    '',
    `- Time to detect: ${duration(a.timeToDetectMs)}`,
    `- Time to acknowledge: ${duration(a.timeToAcknowledgeMs)}`,
    `- Time to mitigate: ${duration(a.timeToMitigateMs)}`,
    `- Time to resolve: ${duration(a.timeToResolveMs)}`,
    `- Detection path: ${a.path.map((h) => `${h.hop.replace(/_/g, ' ')} +${duration(h.sinceFirstFailureMs)}`).join(' → ')}`,
    '',
    '## 4. Root Cause',
    '',
    ...rootCause(incident),
    '',
    '## 5. Resolution',
    '',
    `Service was restored by ${restored.who === 'person' ? 'a person' : restored.who === 'supervisor' ? "Vigil's supervisor" : restored.who === 'docker' ? 'Docker (a start)' : 'an unknown action'}: ${restoredLine}.` +
      (incident.resolvedAt ? ` The incident was resolved at ${utc(incident.resolvedAt)} UTC.` : ''),
    '',
    '## 6. Lessons Learned',
    '',
    '- What went well: _to fill in_',
    '- What went wrong: _to fill in_',
    '- Where we got lucky: _to fill in_',
    '',
    '## 7. Action Items',
    '',
    ...(actionItems.length > 0 ? actionItems.map((i) => `- [ ] ${i.text}`) : ['_Vigil suggests none; add your own as task lines (`- [ ] what to do`)._']),
    '',
  ].join('\n');
  return { markdown: md, actionItems };
}
