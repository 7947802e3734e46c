// The post-mortem draft of the recorded seed outage: every section, the timeline table row by row
// with its UTC times, the figures, and action items from what happened and from the stack.
import { describe, expect, test } from 'vitest';
import type { IncidentWithTimeline } from '../../../src/contract/index.ts';
import { incidentAnalytics } from '../../../src/domain/analytics.ts';
import { project } from '../../../src/domain/engine.ts';
import { actionItemsOf } from '../../../src/domain/postmortem/action-items.ts';
import { draftPostmortem, duration } from '../../../src/domain/postmortem/draft.ts';
import type { StackFindings } from '../../../src/domain/postmortem/findings.ts';
import { ENGINE_OPTIONS, seedOutage } from './sequences.ts';

const NOW = '2026-11-24T18:50:00.000Z';
const { incidents, timelines } = project(seedOutage(), { ...ENGINE_OPTIONS, now: NOW });
const seed: IncidentWithTimeline = { ...incidents[0]!, timeline: timelines[incidents[0]!.id] ?? [] };
const analytics = incidentAnalytics(seed, NOW);

const seedStack: StackFindings = {
  containers: [{ name: 'users_backend_1', host: 'local', restartPolicy: 'no', hasHealthcheck: true, supervised: false }],
  prometheus: { job: 'backend', hasUpRule: false },
};

describe('the seed outage draft', () => {
  const { markdown, actionItems } = draftPostmortem({ incident: seed, analytics, findings: seedStack });

  test('has the seed post-mortem\'s seven sections in order', () => {
    const headings = markdown.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual([
      '## 1. Summary', '## 2. Impact', '## 3. Timeline of Events (UTC)', '## 4. Root Cause',
      '## 5. Resolution', '## 6. Lessons Learned', '## 7. Action Items',
    ]);
  });

  test('the timeline table has one row per recorded entry, with its UTC time and message', () => {
    const rows = markdown.split('\n').filter((l) => /^\| \d{4}-/.test(l));
    const expected = seed.timeline.filter((e) => !['container.create', 'container.destroy'].includes(e.kind));
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, i) => {
      const entry = expected[i]!;
      expect(row.startsWith(`| ${entry.at.replace('T', ' ').replace('Z', '')} | `)).toBe(true);
      expect(row).toContain(entry.message.replace(/\|/g, '\\|'));
    });
    expect(rows[0]).toBe('| 2026-11-24 18:37:11.123 | backend container died — killed (signal 9, exit 137) |');
    expect(rows.at(-1)).toBe('| 2026-11-24 18:41:15.100 | resolved: backend stayed healthy with no alert firing for 1 min |');
    expect(rows.some((r) => r.includes('restart requested by alice'))).toBe(true);
  });

  test('carries the detection and recovery figures', () => {
    expect(markdown).toContain('- Time to detect: 75 ms');
    expect(markdown).toContain('- Time to acknowledge: 1 min 29 s');
    expect(markdown).toContain('- Time to mitigate: 2 min 59 s');
    expect(markdown).toContain('- Time to resolve: 4 min 4 s');
    expect(markdown).toContain('- Downtime: 2 min 59 s');
    expect(markdown).toContain('- Detection path: first failure +0 ms → docker event +75 ms → alert pending +15.0 s → alert firing +15.0 s → webhook received +30.2 s → acknowledged +1 min 29 s → restart +2 min 58 s → healthy +2 min 59 s → resolved +4 min 4 s');
  });

  test('root cause says what the signals show and asks a person to confirm', () => {
    expect(markdown).toContain('Docker restart policies do not apply to a `docker kill`');
    expect(markdown).toContain('**To confirm by a person:**');
  });

  test('resolution names who restored service', () => {
    expect(markdown).toContain('Service was restored by a person: restart requested by alice at 2026-11-24 18:40:09.000 UTC.');
  });

  test('suggests action items from what happened and from the stack', () => {
    expect(actionItems.map((i) => i.key)).toEqual([
      'restart-policy:users_backend_1', 'supervise:users_backend_1', 'up-rule:backend', 'slow-alert', 'manual-heal',
    ]);
    expect(markdown).toContain('- [ ] The alert reached Vigil 30 s after the outage began: shorten the rule\'s `for:` and Alertmanager\'s `group_wait`.');
  });

  test('without findings it still drafts, suggesting only what the timeline shows', () => {
    const d = draftPostmortem({ incident: seed, analytics, findings: null });
    expect(d.actionItems.map((i) => i.key)).toEqual(['slow-alert', 'manual-heal']);
    expect(d.markdown).toContain('- Failed requests: unknown');
  });
});

test('hostile text in a message cannot break the table or inject HTML', () => {
  const evil = { ...seed, title: '<script>alert(1)</script>', timeline: [{ ...seed.timeline[0]!, message: 'a | b <img src=x onerror=alert(1)>\nnext' }] };
  const { markdown } = draftPostmortem({ incident: evil, analytics, findings: null });
  expect(markdown).not.toContain('<script>');
  expect(markdown).not.toContain('<img');
  expect(markdown).toContain('| 2026-11-24 18:37:11.123 | a \\| b &lt;img src=x onerror=alert(1)&gt; next |');
});

test('durations read like a person would write them', () => {
  expect([duration(null), duration(75), duration(1_500), duration(30_212), duration(88_837), duration(3_725_000)])
    .toEqual(['—', '75 ms', '1.50 s', '30.2 s', '1 min 29 s', '1 h 2 min']);
});

test('with nothing to suggest, section 7 says so without a task line the board would track', () => {
  const incident = {
    id: 'i1', title: 'backend container is unhealthy', service: 'backend', host: 'local', status: 'open', severity: 'warning',
    openedAt: '2026-11-24T10:00:00.000Z', lastEventAt: '2026-11-24T10:00:02.000Z', sources: ['docker', 'alertmanager'],
    timeline: [
      { id: 'e1', incidentId: 'i1', at: '2026-11-24T10:00:00.000Z', source: 'docker', kind: 'container.health_status.unhealthy', message: 'backend container is unhealthy', data: {} },
      { id: 'e2', incidentId: 'i1', at: '2026-11-24T10:00:02.000Z', source: 'alertmanager', kind: 'alert.firing', message: 'Alert AppUnhealthy firing', data: { attributes: { alertname: 'AppUnhealthy', firingAt: '2026-11-24T10:00:02.000Z' } } },
    ],
  } satisfies IncidentWithTimeline;
  const healthyStack: StackFindings = {
    containers: [{ name: 'users_backend_1', host: 'local', restartPolicy: 'unless-stopped', hasHealthcheck: true, supervised: true }],
    prometheus: { job: 'backend', hasUpRule: true },
  };
  const { markdown, actionItems } = draftPostmortem({ incident, analytics: incidentAnalytics(incident, '2026-11-24T10:05:00.000Z'), findings: healthyStack });
  expect(actionItems).toEqual([]);
  expect(actionItemsOf(markdown)).toEqual([]);
  expect(markdown.split('## 7. Action Items')[1]).toMatch(/suggests none/);
});

test('root cause quotes the death evidence: OOM kill, the failing health check\'s last probe, the last stderr line', () => {
  const at = '2026-11-24T10:00:00.000Z';
  const evidence = (attributes: Record<string, unknown>) => ({
    id: 'ev', incidentId: 'i2', at: '2026-11-24T10:00:00.100Z', source: 'docker' as const, kind: 'container.evidence', message: String(attributes['summary']),
    data: { signals: [{ kind: 'container.evidence', attributes }] },
  });
  const incident = {
    id: 'i2', title: 'api container is unhealthy', service: 'api', host: 'local', status: 'open', severity: 'warning',
    openedAt: at, lastEventAt: at, sources: ['docker'],
    timeline: [
      { id: 'u', incidentId: 'i2', at, source: 'docker', kind: 'container.health_status.unhealthy', message: 'api container became unhealthy (health check failing)', data: {} },
      evidence({
        summary: 'api health evidence: …', failingStreak: 5,
        healthProbes: [{ start: at, exitCode: 1, output: 'GET /health -> 503\ndb: `connection` <refused>' }, { start: at, exitCode: 137, output: '' }],
        logs: [{ stream: 'stderr', text: 'db pool exhausted' }, { stream: 'stdout', text: 'still serving' }],
      }),
    ],
  } satisfies IncidentWithTimeline;
  const { markdown } = draftPostmortem({ incident, analytics: incidentAnalytics(incident, '2026-11-24T10:05:00.000Z'), findings: null });
  const cause = markdown.split('## 4. Root Cause')[1]?.split('## 5.')[0] ?? '';
  expect(cause).toContain('- What the signals show: api container became unhealthy (health check failing).');
  expect(cause).toContain("- Its health check was failing (5 in a row); the last failing probe (exit code 1) said \"GET /health -&gt; 503 db: `connection` &lt;refused&gt;\".");
  expect(cause).toContain('- The last line it wrote on stderr: "db pool exhausted".');
  expect(cause).not.toContain('OOMKilled');

  const oom = { ...incident, timeline: [evidence({ summary: 'api death evidence: …', exitCode: 137, oomKilled: true, logs: [] })] };
  const oomCause = draftPostmortem({ incident: oom, analytics: incidentAnalytics(oom, '2026-11-24T10:05:00.000Z'), findings: null }).markdown.split('## 4. Root Cause')[1] ?? '';
  expect(oomCause).toContain('- Docker recorded it as OOMKilled: the kernel killed it for running out of memory.');
});
