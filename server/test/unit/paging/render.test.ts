// What a page says, on incidents the engine derives from recorded real signals: the seed outage
// (docker kill, BackendDown, alice acknowledges, resolved), the recorded OOM kill, the crash loop, and
// two services killed together (a digest).
import { describe, expect, test } from 'vitest';
import type { Incident } from '../../../src/contract/index.ts';
import { project } from '../../../src/domain/engine.ts';
import { renderPage } from '../../../src/paging/render.ts';
import { ENGINE_OPTIONS, byKind, crashLoopWithBreaker, recordedDocker, seedOutage, twoServices } from '../domain/sequences.ts';
import { LATER, derive, evidenceFor, plus, seedWithEvidence } from './incidents.ts';

const PUBLIC_URL = 'https://vigil.example.com/';

/** Every page must fit a phone's notification: a title line and a few short lines. */
function expectPhoneSized(text: string, title: string): void {
  expect(title.length).toBeLessThanOrEqual(200);
  expect(title).not.toMatch(/\n/);
  const rows = text.split('\n');
  expect(rows.length).toBeLessThanOrEqual(12);
  for (const row of rows) expect(row.length).toBeLessThanOrEqual(200);
}

describe('incident.opened', () => {
  test('the seed outage, seconds after the kill: what broke, since when, the evidence, both links', () => {
    const { incident, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:12.000Z');
    const page = renderPage({ event: 'incident.opened', incident, timeline, publicUrl: PUBLIC_URL, ackToken: 'tok_abc-123' });
    expect(page).toEqual({
      event: 'incident.opened',
      title: 'WARNING backend container died on local',
      text: [
        'backend container died — killed (signal 9, exit 137)',
        'warning · backend on local · since 2026-11-24 18:37:11 UTC',
        'stopped through the Docker API with SIGKILL (exit 137)',
        'restart policy "no" will not fire: it stays down',
        'log: {"msg":"users backend listening","host":"0.0.0.0","port":8080}',
        'log: GET /api/users 200 3ms',
        'log: GET /healthz 200 1ms',
      ].join('\n'),
      severity: 'warning',
      incident: {
        id: incident.id, title: 'backend container died', service: 'backend', host: 'local', severity: 'warning', status: 'open',
        openedAt: '2026-11-24T18:37:11.123Z', lastEventAt: incident.lastEventAt, sources: ['docker'],
        url: `https://vigil.example.com/incidents/${incident.id}`,
      },
      evidence: [
        'stopped through the Docker API with SIGKILL (exit 137)',
        'restart policy "no" will not fire: it stays down',
        'log: {"msg":"users backend listening","host":"0.0.0.0","port":8080}',
        'log: GET /api/users 200 3ms',
        'log: GET /healthz 200 1ms',
      ],
      ackUrl: 'https://vigil.example.com/api/ack/tok_abc-123',
    });
    expectPhoneSized(page.text, page.title);
  });

  test('a failing health check in the evidence: the last probe to answer is quoted, with the streak', () => {
    const signals = seedWithEvidence().map((s) => (s.kind !== 'container.evidence' ? s : {
      ...s,
      attributes: {
        ...s.attributes, failingStreak: 4,
        healthProbes: [
          { start: '2026-11-24T18:37:09.000Z', exitCode: 1, output: 'GET /healthz -> 503\ndb: connection refused' },
          { start: '2026-11-24T18:37:10.900Z', exitCode: 137, output: '' },
        ],
      },
    }));
    const page = renderPage({ event: 'incident.opened', incident: derive(signals, '2026-11-24T18:37:12.000Z').incident, timeline: derive(signals, '2026-11-24T18:37:12.000Z').timeline, publicUrl: PUBLIC_URL });
    expect(page.evidence).toContain('health check failed 4 in a row, last probe (exit 1): GET /healthz -> 503 db: connection refused');
    expectPhoneSized(page.text, page.title);
  });

  test('once BackendDown fires, the alert is in the engine\'s words too, and the severity is critical', () => {
    const { incident, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:42.000Z');
    const page = renderPage({ event: 'incident.opened', incident, timeline, publicUrl: PUBLIC_URL });
    expect(page.title).toBe('CRITICAL backend container died on local');
    expect(page.text.split('\n').slice(0, 3)).toEqual([
      'backend container died — killed (signal 9, exit 137)',
      'Alert BackendDown firing: Backend service is down',
      'critical · backend on local · since 2026-11-24 18:37:11 UTC',
    ]);
    expect(page.ackUrl).toBeUndefined();
  });

  test('the recorded OOM kill: out of memory, the restart policy, the last log line', () => {
    const docker = recordedDocker('recorded/oom-killed.json');
    const die = byKind(docker, 'container.die');
    const { incident, timeline } = derive([...docker, evidenceFor(die, {
      exitCode: 137, oomKilled: true, restartPolicy: { name: 'on-failure', maximumRetryCount: 3 }, policyWillFire: true,
    }, ['allocating 64 MiB'])]);
    const page = renderPage({ event: 'incident.opened', incident, timeline, publicUrl: PUBLIC_URL, mentions: ['U012AB3CD', 'U012AB3CD'] });
    expect(page.title).toBe('CRITICAL reports container ran out of memory on local');
    expect(page.text).toBe([
      'reports container died — out of memory (OOM killed, exit 137)',
      'critical · reports on local · since 2026-11-24 18:37:08 UTC',
      'out of memory: the kernel killed it (OOMKilled, exit 137)',
      'restart policy "on-failure" will start it again',
      'log: allocating 64 MiB',
    ].join('\n'));
    expect(page.mentions).toEqual(['U012AB3CD']);
  });

  test('no evidence yet (the page went before inspect answered): the engine\'s words alone', () => {
    const { incident, timeline } = derive(seedOutage(), '2026-11-24T18:37:12.000Z');
    const page = renderPage({ event: 'incident.opened', incident, timeline, publicUrl: PUBLIC_URL });
    expect(page.evidence).toBeUndefined();
    expect(page.text).toBe('backend container died — killed (signal 9, exit 137)\nwarning · backend on local · since 2026-11-24 18:37:11 UTC');
  });

  test('hostile words from outside (an alert summary, a log line) are clipped to one short line', () => {
    const { incident, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:12.000Z');
    const evidence = timeline.find((e) => e.kind === 'container.evidence');
    const data = evidence?.data as { signals: Array<{ attributes: { logs: Array<{ text: string }> } }> };
    const longLine = `${'x'.repeat(5_000)}\n\u0007bell`;
    data.signals[0]?.attributes.logs.push({ text: longLine });
    const long = { ...incident, title: `${'T'.repeat(1_000)}\nsecond line` };
    const page = renderPage({ event: 'incident.opened', incident: long, timeline, publicUrl: PUBLIC_URL });
    expectPhoneSized(page.text, page.title);
    expect(page.incident.title.length).toBeLessThanOrEqual(200);
    expect(page.text).toMatch(/log: x{150,}…$/);
  });
});

test('incident.escalated: the step, how long nobody answered, who was paged before', () => {
  const { incident, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:42.000Z');
  const page = renderPage({
    event: 'incident.escalated', incident, timeline, publicUrl: PUBLIC_URL, ackToken: 't2',
    escalation: { step: 1, round: 0, notAnswering: ['alice', 'bob'] }, now: new Date('2026-11-24T18:42:11.123Z'),
  });
  expect(page.title).toBe('CRITICAL not acknowledged (step 2): backend container died on local');
  expect(page.text.split('\n')[0]).toBe('step 2: nobody acknowledged in 5 min; paged before: alice, bob');
  expect(page.escalation).toEqual({ step: 1, round: 0, notAnswering: ['alice', 'bob'] });
  expect(page.ackUrl).toBe('https://vigil.example.com/api/ack/t2');
  expect(page.evidence).toHaveLength(5);
  expectPhoneSized(page.text, page.title);

  const later = renderPage({
    event: 'incident.escalated', incident, timeline, publicUrl: PUBLIC_URL,
    escalation: { step: 0, round: 2, notAnswering: [] }, now: new Date('2026-11-24T19:07:11.123Z'),
  });
  expect(later.text.split('\n')[0]).toBe('step 1, round 3: nobody acknowledged in 30 min');
});

test('incident.acknowledged: by whom, how soon', () => {
  const { incident } = derive(seedWithEvidence(), '2026-11-24T18:39:00.000Z');
  expect(incident.acknowledgedBy).toBe('alice');
  const page = renderPage({ event: 'incident.acknowledged', incident, publicUrl: PUBLIC_URL });
  expect(page.title).toBe('ACKNOWLEDGED by alice: backend container died on local');
  expect(page.text).toBe('acknowledged by alice 1 min 29 s after it opened; no more escalation\ncritical · backend on local · since 2026-11-24 18:37:11 UTC');
  expect(page.ackUrl).toBeUndefined();
});

test('incident.resolved: how long it lasted', () => {
  const { incident } = derive(seedWithEvidence());
  expect(incident.status).toBe('resolved');
  const page = renderPage({ event: 'incident.resolved', incident, publicUrl: PUBLIC_URL, now: new Date(LATER) });
  expect(page.durationMs).toBe(Date.parse('2026-11-24T18:41:15.100Z') - Date.parse('2026-11-24T18:37:11.123Z'));
  expect(page.title).toBe('RESOLVED after 4 min 4 s: backend container died on local');
  expect(page.text).toBe('resolved after 4 min 4 s (opened 2026-11-24 18:37:11 UTC)\nbackend on local, was critical');
});

test('the crash loop: the flaps and the severity raise are what broke', () => {
  const { incident, timeline } = derive(crashLoopWithBreaker());
  const page = renderPage({ event: 'incident.opened', incident, timeline, publicUrl: PUBLIC_URL });
  expect(page.text.split('\n').slice(0, 3)).toEqual([
    'worker container died — crashed (exit 3)',
    'worker container died — crashed (exit 3)',
    'worker failed again 340 ms after recovering — re-opened, flapping',
  ]);
});

describe('digest', () => {
  test('two services killed together: one page listing both, the first one\'s links', () => {
    const { incidents } = project(twoServices(), { ...ENGINE_OPTIONS, now: LATER });
    expect(incidents).toHaveLength(2);
    const page = renderPage({ event: 'digest', incidents: [...incidents].reverse(), publicUrl: PUBLIC_URL, ackToken: 'd1' });
    const [first, second] = [...incidents].sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));
    expect(page.event).toBe('digest');
    expect(page.incident.id).toBe(first?.id);
    expect(page.incidents?.map((i) => i.id)).toEqual([first?.id, second?.id]);
    expect(page.title).toBe(`${first?.severity.toUpperCase()} 2 incidents opened on local: ${first?.title} and 1 more`);
    expect(page.text.split('\n')).toEqual([
      `2 incidents opened since ${first?.openedAt.slice(0, 19).replace('T', ' ')} UTC:`,
      `- ${first?.severity.toUpperCase()} ${first?.title} (${first?.service} on local)`,
      `- ${second?.severity.toUpperCase()} ${second?.title} (${second?.service} on local)`,
    ]);
    expect(page.ackUrl).toBe('https://vigil.example.com/api/ack/d1');
    const one = renderPage({ event: 'digest', incidents: [first as Incident], publicUrl: PUBLIC_URL });
    expect(one.title).toBe(`${first?.severity.toUpperCase()} 1 incident opened on local: ${first?.title}`);
  });

  test('200 incidents: the first few by name, the rest counted, every one listed in the message', () => {
    const base = project(twoServices(), { ...ENGINE_OPTIONS, now: LATER }).incidents[0] as Incident;
    const many = Array.from({ length: 200 }, (_, i): Incident => ({
      ...base, id: `inc_${String(i).padStart(3, '0')}`, service: `svc-${i}`, title: `svc-${i} container died`, openedAt: plus(base.openedAt, i * 5),
      severity: i === 150 ? 'critical' : 'warning',
    }));
    const page = renderPage({ event: 'digest', incidents: many, publicUrl: PUBLIC_URL });
    expect(page.incidents).toHaveLength(200);
    expect(page.severity).toBe('critical');
    expect(page.title).toBe('CRITICAL 200 incidents opened on local: svc-0 container died and 199 more');
    const rows = page.text.split('\n');
    expect(rows).toHaveLength(7);
    expect(rows[6]).toBe('… and 195 more: https://vigil.example.com/');
    expectPhoneSized(page.text, page.title);
  });
});
