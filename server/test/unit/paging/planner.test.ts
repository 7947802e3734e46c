// The paging rules (paging/README.md) on incidents the engine derives from recorded signals: steps at
// their times, rounds, the stop at acknowledge and resolve, digests, the flap cool-down, a severity
// that rises, maintenance, schedules and people's contact methods; and that planning again on what a
// plan left in the outbox adds nothing.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { ChannelType, ContactMethods, EscalationPolicy, EscalationTarget, Incident, Schedule, Severity, TimelineEntry } from '../../../src/contract/index.ts';
import type { PageMessage } from '../../../src/paging/message.ts';
import { DIGEST_WINDOW_MS, buildDigest, plan, recipientKey, type Plan, type PlanInput } from '../../../src/paging/planner.ts';
import type { OutboxRecord } from '../../../src/store/types.ts';
import { crashLoopWithBreaker, twoServices } from '../domain/sequences.ts';
import { LATER, derive, plus, seedWithEvidence } from './incidents.ts';

const PUBLIC_URL = 'https://vigil.example.com';

const CHANNELS: Array<{ id: string; name: string; type: ChannelType }> = [
  { id: 'chn_slack', name: '#ops', type: 'slack' },
  { id: 'chn_hook', name: 'ops-webhook', type: 'webhook' },
  { id: 'chn_ntfy', name: 'ntfy.sh', type: 'ntfy' },
  { id: 'chn_mail', name: 'mail', type: 'email' },
  { id: 'chn_tg', name: 'telegram bot', type: 'telegram' },
  { id: 'chn_slack_db', name: '#db', type: 'slack' },
];

const USERS: Record<string, { id: string; username: string }> = {
  u_alice: { id: 'u_alice', username: 'alice' },
  u_bob: { id: 'u_bob', username: 'bob' },
  u_carol: { id: 'u_carol', username: 'carol' },
  u_dave: { id: 'u_dave', username: 'dave' },
};

const CONTACTS: Record<string, ContactMethods> = {
  u_alice: { ntfyTopic: 'alice-pager', slackMemberId: 'UALICE01' },
  u_bob: { email: 'bob@example.com' },
  u_carol: { telegramChatId: '123456789' },
  // u_dave has none; u_eve is disabled (not in USERS) but has contacts.
  u_eve: { email: 'eve@example.com' },
};

/** carol until 18:40 UTC on the day of the seed outage, then alice (daily hand-off at 18:40). */
const PRIMARY: Schedule = {
  id: 'sch_primary', name: 'primary', timeZone: 'UTC', overrides: [],
  rotations: [{ users: ['u_alice', 'u_carol'], handoffAt: '2026-11-24T18:40', shiftHours: 24 }],
  createdAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z',
};

function policy(id: string, steps: Array<[number, EscalationTarget[]]>, more: Partial<EscalationPolicy> = {}): EscalationPolicy {
  return {
    id, name: id, services: ['*'], repeat: 0, createdAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z',
    steps: steps.map(([afterSeconds, targets]) => ({ afterSeconds, targets })), ...more,
  };
}

/**
 * The outbox and the service's small memory (last opened page per recipient, digest buffers), as
 * paging/service.ts keeps them: what plan() reads, updated the way the service applies a plan.
 */
class World {
  readonly records = new Map<string, OutboxRecord>();
  readonly recent: Record<string, string> = {};
  readonly buffers = new Map<string, { channelId: string; userId?: string; incidents: Map<string, Incident>; flushAt: number }>();
  private tokens = 0;
  policies: EscalationPolicy[] = [];
  inMaintenance = false;
  /** Digests go out at once instead of at the window's end (invariant checks). */
  flushDigestsAtOnce = false;

  readonly newAckToken = () => {
    this.tokens += 1;
    return { token: `tok${this.tokens}`, hash: `hash-of-tok${this.tokens}` };
  };

  input(incident: Incident, timeline: readonly TimelineEntry[], now: string): PlanInput {
    return {
      now: new Date(now), incident, timeline, policies: this.policies, schedules: [PRIMARY], contacts: CONTACTS, users: USERS,
      channels: CHANNELS, inMaintenance: this.inMaintenance, existing: this.forIncident(incident.id), recentOpenedByChannel: { ...this.recent },
      publicUrl: PUBLIC_URL, newAckToken: this.newAckToken,
    };
  }

  forIncident(id: string): OutboxRecord[] {
    return [...this.records.values()].filter((r) => r.incidentIds.includes(id))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Plans and applies: enqueue (idempotent by id), cancel, join digests. Returns the plan. */
  step(incident: Incident, timeline: readonly TimelineEntry[], now: string): Plan {
    this.flush(now);
    const result = plan(this.input(incident, timeline, now));
    for (const r of result.enqueue) {
      if (this.records.has(r.id)) continue;
      this.records.set(r.id, r);
      if (r.event === 'incident.opened') this.recent[recipientKey(r)] = r.createdAt;
    }
    for (const r of this.records.values()) {
      if (r.state === 'pending' && r.incidentIds.includes(incident.id) && result.cancel.includes(r.event)) r.state = 'cancelled';
    }
    for (const d of result.digest) {
      const key = recipientKey(d);
      const buffer = this.buffers.get(key) ?? { ...d, incidents: new Map(), flushAt: Date.parse(this.recent[key] ?? now) + DIGEST_WINDOW_MS };
      buffer.incidents.set(incident.id, incident);
      this.buffers.set(key, buffer);
    }
    if (this.flushDigestsAtOnce) this.flush(LATER);
    return result;
  }

  /** Digest windows that ended by `now` send their digest. */
  flush(now: string): void {
    for (const [key, b] of this.buffers) {
      if (b.flushAt > Date.parse(now)) continue;
      this.buffers.delete(key);
      const at = new Date(Math.min(b.flushAt, Date.parse(now)));
      const r = buildDigest({ channelId: b.channelId, ...(b.userId === undefined ? {} : { userId: b.userId }), incidents: [...b.incidents.values()], now: at, publicUrl: PUBLIC_URL, newAckToken: this.newAckToken });
      this.records.set(r.id, r);
      this.recent[key] = r.createdAt;
    }
  }

  deliver(predicate: (r: OutboxRecord) => boolean): void {
    for (const r of this.records.values()) if (r.state === 'pending' && predicate(r)) r.state = 'delivered';
  }
}

/** A record as a line: when (after `origin`), what, to whom, and what an escalation says. */
function line(r: OutboxRecord, origin: string): string {
  const m = r.message as unknown as PageMessage;
  const after = (Date.parse(r.createdAt) - Date.parse(origin)) / 1000;
  const esc = m.escalation ? ` r${m.escalation.round} s${r.step}${m.escalation.notAnswering.length > 0 ? ` (paged before: ${m.escalation.notAnswering.join(', ')})` : ''}` : r.step === undefined ? '' : ` s${r.step}`;
  const mentions = m.mentions ? ` @${m.mentions.join(',')}` : '';
  return `+${after}s ${r.event}${esc} → ${recipientKey(r)}${mentions}`;
}

/** Plans whenever the service's timer would (at each nextAt), from `from` until nothing is left or `until`. */
function runTimer(world: World, incident: Incident, timeline: readonly TimelineEntry[], from: string, until: string): string[] {
  const before = new Set(world.records.keys());
  let now: string | null = from;
  while (now !== null && now <= until) {
    const result = world.step(incident, timeline, now);
    now = result.nextAt;
  }
  return [...world.records.values()].filter((r) => !before.has(r.id)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || recipientKey(a).localeCompare(recipientKey(b)))
    .map((r) => line(r, incident.openedAt));
}

const CHAIN = policy('pol_chain', [[0, [{ channelId: 'chn_slack' }]], [60, [{ userId: 'u_bob' }]], [300, [{ scheduleId: 'sch_primary' }]]], { repeat: 1 });

describe('the chain', () => {
  const { incident, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:12.000Z');

  test('each step at its time, both rounds, saying who was paged before; then nothing more', () => {
    const world = new World();
    world.policies = [CHAIN];
    expect(runTimer(world, incident, timeline, plus(incident.openedAt, 500), LATER)).toEqual([
      '+0.5s incident.opened s0 → chn_slack',
      '+60s incident.escalated r0 s1 (paged before: #ops) → chn_mail/u_bob',
      // The schedule's on-call at the step's due time (18:42), after the 18:40 hand-off: alice.
      '+300s incident.escalated r0 s2 (paged before: #ops, bob) → chn_ntfy/u_alice',
      '+300s incident.escalated r0 s2 (paged before: #ops, bob) → chn_slack @UALICE01',
      // A round: the last step's 300 s and 300 s more.
      '+600s incident.escalated r1 s0 (paged before: #ops, bob, alice) → chn_slack',
      '+660s incident.escalated r1 s1 (paged before: #ops, bob, alice) → chn_mail/u_bob',
      '+900s incident.escalated r1 s2 (paged before: #ops, bob, alice) → chn_ntfy/u_alice',
      '+900s incident.escalated r1 s2 (paged before: #ops, bob, alice) → chn_slack @UALICE01',
    ]);
    expect(plan(world.input(incident, timeline, plus(incident.openedAt, 86_400_000)))).toEqual({ enqueue: [], cancel: [], nextAt: null, digest: [], unreachable: [] });
  });

  test('the next step\'s due time is the timer\'s: before it nothing new', () => {
    const world = new World();
    world.policies = [CHAIN];
    expect(world.step(incident, timeline, plus(incident.openedAt, 500)).nextAt).toBe(plus(incident.openedAt, 60_000));
    const early = world.step(incident, timeline, plus(incident.openedAt, 59_999));
    expect(early.enqueue).toEqual([]);
    expect(early.nextAt).toBe(plus(incident.openedAt, 60_000));
  });

  test('every page carries an ack link; the record keeps only its hash, valid for a day', () => {
    const world = new World();
    world.policies = [CHAIN];
    const [opened] = world.step(incident, timeline, plus(incident.openedAt, 500)).enqueue;
    expect(opened).toMatchObject({
      channelId: 'chn_slack', incidentIds: [incident.id], event: 'incident.opened', step: 0, state: 'pending', attempts: 0,
      createdAt: plus(incident.openedAt, 500), nextAttemptAt: plus(incident.openedAt, 500),
      ackTokenHash: 'hash-of-tok1', ackExpiresAt: plus(incident.openedAt, 500 + 86_400_000),
    });
    expect((opened?.message as unknown as PageMessage).ackUrl).toBe(`${PUBLIC_URL}/api/ack/tok1`);
  });

  test('planned late (after a restart): the latest round due is paged, earlier rounds are skipped', () => {
    const world = new World();
    world.policies = [CHAIN];
    const result = world.step(incident, timeline, plus(incident.openedAt, 700_000));
    expect(result.enqueue.map((r) => line(r, incident.openedAt))).toEqual([
      '+700s incident.escalated r1 s0 → chn_slack',
      '+700s incident.escalated r1 s1 (paged before: #ops) → chn_mail/u_bob',
    ]);
    expect(result.nextAt).toBe(plus(incident.openedAt, 900_000));
  });

  test('the delivery id is the same whenever the same page is planned: another world, the same ids', () => {
    const a = new World();
    const b = new World();
    a.policies = [CHAIN];
    b.policies = [CHAIN];
    runTimer(a, incident, timeline, plus(incident.openedAt, 500), LATER);
    runTimer(b, incident, timeline, plus(incident.openedAt, 900), LATER);
    expect([...a.records.keys()].sort()).toEqual([...b.records.keys()].sort());
    expect([...a.records.keys()].every((id) => /^page_[0-9a-f]{24}$/.test(id))).toBe(true);
  });
});

describe('acknowledged and resolved: the seed outage', () => {
  const signals = seedWithEvidence();
  const policies = [policy('pol_seed', [[0, [{ channelId: 'chn_slack' }]], [30, [{ userId: 'u_bob' }]], [120, [{ channelId: 'chn_hook' }]]])];

  test('alice acknowledges: pending escalations are cancelled, who got a page hears it once, nothing more pages', () => {
    const world = new World();
    world.policies = policies;
    const opening = derive(signals, '2026-11-24T18:37:11.600Z');
    world.step(opening.incident, opening.timeline, '2026-11-24T18:37:11.600Z');
    world.deliver((r) => r.channelId === 'chn_slack');
    // Bob's page is still being retried when alice acknowledges.
    const escalated = world.step(opening.incident, opening.timeline, '2026-11-24T18:37:41.123Z');
    expect(escalated.enqueue.map((r) => recipientKey(r))).toEqual(['chn_mail/u_bob']);

    const acked = derive(signals, '2026-11-24T18:38:40.050Z');
    expect(acked.incident.acknowledgedBy).toBe('alice');
    const result = world.step(acked.incident, acked.timeline, '2026-11-24T18:38:40.050Z');
    expect(result.cancel).toEqual(['incident.escalated']);
    expect(result.nextAt).toBeNull();
    expect(result.enqueue.map((r) => line(r, acked.incident.openedAt))).toEqual(['+88.927s incident.acknowledged → chn_slack']);
    expect((result.enqueue[0]?.message as unknown as PageMessage).title).toBe('ACKNOWLEDGED by alice: backend container died on local');
    expect(result.enqueue[0]?.ackTokenHash).toBeUndefined();
    expect([...world.records.values()].find((r) => r.userId === 'u_bob')?.state).toBe('cancelled');

    // The hook's step would have been due at +120 s: it never pages; planning again adds nothing.
    const later = world.step(acked.incident, acked.timeline, '2026-11-24T18:39:20.000Z');
    expect(later).toEqual({ enqueue: [], cancel: [], nextAt: null, digest: [], unreachable: [] });
  });

  test('resolved: the same recipients hear it, with the duration', () => {
    const world = new World();
    world.policies = policies;
    const opening = derive(signals, '2026-11-24T18:37:11.600Z');
    world.step(opening.incident, opening.timeline, '2026-11-24T18:37:11.600Z');
    world.deliver(() => true);
    const resolved = derive(signals, LATER);
    const result = world.step(resolved.incident, resolved.timeline, '2026-11-24T18:41:15.200Z');
    expect(result.enqueue).toHaveLength(1);
    const message = result.enqueue[0]?.message as unknown as PageMessage;
    expect(message).toMatchObject({ event: 'incident.resolved', durationMs: 243_977, title: 'RESOLVED after 4 min 4 s: backend container died on local' });
    expect(world.step(resolved.incident, resolved.timeline, '2026-11-24T18:45:00.000Z').enqueue).toEqual([]);
  });
});

describe('severity', () => {
  const signals = seedWithEvidence();

  test('a policy for critical incidents pages once BackendDown makes the incident critical', () => {
    const world = new World();
    world.policies = [policy('pol_critical', [[0, [{ channelId: 'chn_hook' }]]], { minSeverity: 'critical' })];
    const warning = derive(signals, '2026-11-24T18:37:12.000Z');
    expect(world.step(warning.incident, warning.timeline, '2026-11-24T18:37:12.000Z')).toEqual({ enqueue: [], cancel: [], nextAt: null, digest: [], unreachable: [] });
    const critical = derive(signals, '2026-11-24T18:37:41.400Z');
    const result = world.step(critical.incident, critical.timeline, '2026-11-24T18:37:41.400Z');
    expect(result.enqueue.map((r) => `${r.event} ${recipientKey(r)} ${(r.message as unknown as PageMessage).severity}`)).toEqual(['incident.opened chn_hook critical']);
  });

  test('a rise re-pages from the first step, and the chain starts again there', () => {
    const world = new World();
    world.policies = [policy('pol_any', [[0, [{ channelId: 'chn_hook' }]], [600, [{ userId: 'u_bob' }]]])];
    const warning = derive(signals, '2026-11-24T18:37:12.000Z');
    world.step(warning.incident, warning.timeline, '2026-11-24T18:37:12.000Z');
    const critical = derive(signals, '2026-11-24T18:37:41.400Z');
    const result = world.step(critical.incident, critical.timeline, '2026-11-24T18:37:41.400Z');
    expect(result.enqueue.map((r) => `${r.event} ${recipientKey(r)} ${(r.message as unknown as PageMessage).title}`))
      .toEqual(['incident.opened chn_hook CRITICAL backend container died on local']);
    expect(result.nextAt).toBe('2026-11-24T18:47:41.400Z');
    // Planned again later: the chain counts from the first critical page, not from now.
    expect(world.step(critical.incident, critical.timeline, '2026-11-24T18:40:00.000Z').nextAt).toBe('2026-11-24T18:47:41.400Z');
  });

  test('the re-page is at once even when the first step waits: the chain cannot drift with each plan', () => {
    const world = new World();
    world.policies = [policy('pol_later', [[20, [{ channelId: 'chn_hook' }]], [600, [{ userId: 'u_bob' }]]])];
    const warning = derive(signals, '2026-11-24T18:37:12.000Z');
    expect(runTimer(world, warning.incident, warning.timeline, '2026-11-24T18:37:12.000Z', '2026-11-24T18:37:41.300Z'))
      .toEqual(['+20s incident.opened s0 → chn_hook']);
    const critical = derive(signals, '2026-11-24T18:37:41.400Z');
    expect(runTimer(world, critical.incident, critical.timeline, '2026-11-24T18:37:41.400Z', LATER)).toEqual([
      '+30.277s incident.opened s0 → chn_hook',
      '+630.277s incident.escalated r0 s1 (paged before: ops-webhook) → chn_mail/u_bob',
    ]);
  });
});

describe('flapping: the recorded crash loop', () => {
  const signals = crashLoopWithBreaker();

  test('flaps within the cool-down do not re-page; the rise to critical does (joining the digest window)', () => {
    const world = new World();
    world.policies = [policy('pol_hook', [[0, [{ channelId: 'chn_hook' }]]])];
    // The service plans at each change the engine commits: every signal's arrival.
    const firstDeath = signals.find((s) => s.kind === 'container.die')?.receivedAt ?? '';
    for (const at of [...new Set(signals.map((s) => s.receivedAt ?? s.at))].sort().filter((t) => t >= firstDeath)) {
      const { incident, timeline } = derive(signals, at);
      world.step(incident, timeline, plus(at, 10));
    }
    world.flush(LATER);
    const { incident } = derive(signals);
    expect(world.forIncident(incident.id).map((r) => `${r.event} ${recipientKey(r)} ${(r.message as unknown as PageMessage).severity}`)).toEqual([
      'incident.opened chn_hook warning',
      'digest chn_hook critical',
    ]);
  });

  test('a flap after the cool-down re-pages and starts the chain again; one within it does not', () => {
    const { incident, timeline } = derive(signals, '2026-11-24T18:37:04.000Z');
    expect(incident.severity).toBe('warning');
    const flap = (at: string): TimelineEntry => ({
      id: `ent_1flap${at}`, incidentId: incident.id, at, source: 'system', kind: 'incident.flapping', message: 'worker failed again — re-opened, flapping', data: {},
    });
    const world = new World();
    world.policies = [policy('pol_hook', [[0, [{ channelId: 'chn_hook' }]], [3_600, [{ userId: 'u_bob' }]]])];
    world.step(incident, timeline, '2026-11-24T18:37:04.000Z');
    const nineMinutes = plus(incident.openedAt, 9 * 60_000);
    const within = world.step(incident, [...timeline, flap(nineMinutes)], plus(nineMinutes, 50));
    expect(within.enqueue).toEqual([]);
    expect(within.nextAt).toBe(plus(incident.openedAt, 3_600_000));
    const elevenMinutes = plus(incident.openedAt, 11 * 60_000);
    const after = world.step(incident, [...timeline, flap(nineMinutes), flap(elevenMinutes)], plus(elevenMinutes, 50));
    expect(after.enqueue.map((r) => `${r.event} ${recipientKey(r)}`)).toEqual(['incident.opened chn_hook']);
    expect(after.nextAt).toBe(plus(elevenMinutes, 3_600_000));
  });
});

test('maintenance silences: nothing is planned, whatever the incident\'s state', () => {
  const world = new World();
  world.policies = [CHAIN];
  world.inMaintenance = true;
  for (const at of ['2026-11-24T18:37:12.000Z', '2026-11-24T18:42:00.000Z', '2026-11-24T18:38:41.000Z', LATER]) {
    const { incident, timeline } = derive(seedWithEvidence(), at);
    expect(world.step(incident, timeline, at)).toEqual({ enqueue: [], cancel: [], nextAt: null, digest: [], unreachable: [] });
  }
  world.inMaintenance = false;
  const { incident, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:12.000Z');
  expect(world.step(incident, timeline, '2026-11-24T18:37:12.000Z').enqueue).toHaveLength(1);
});

describe('targets', () => {
  const { incident, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:12.000Z');
  const now = '2026-11-24T18:37:12.000Z';

  test('people: one record per contact method a channel carries; Slack ids are mentioned in the step\'s Slack messages', () => {
    const world = new World();
    world.policies = [policy('pol_people', [[0, [
      { userId: 'u_alice' }, { userId: 'u_bob' }, { userId: 'u_carol' }, { userId: 'u_dave' }, { userId: 'u_eve' }, { channelId: 'chn_slack_db' },
    ]]])];
    const result = world.step(incident, timeline, now);
    expect(result.enqueue.map((r) => `${recipientKey(r)}${(r.message as unknown as PageMessage).mentions ? ` @${(r.message as unknown as PageMessage).mentions?.join(',')}` : ''}`).sort()).toEqual([
      'chn_mail/u_bob', 'chn_ntfy/u_alice', 'chn_slack_db @UALICE01', 'chn_tg/u_carol',
    ]);
    // dave has no contact method; eve is disabled (not among the users): never paged.
    expect(result.unreachable).toEqual(['u_dave']);
  });

  test('a Slack member id with no Slack channel in the step: the first Slack channel carries the mention', () => {
    const world = new World();
    world.policies = [policy('pol_alice', [[0, [{ userId: 'u_alice' }]]])];
    expect(world.step(incident, timeline, now).enqueue.map((r) => `${recipientKey(r)} ${(r.message as unknown as PageMessage).mentions?.join(',') ?? ''}`).sort())
      .toEqual(['chn_ntfy/u_alice ', 'chn_slack UALICE01']);
  });

  test('a schedule pages whoever is on call at the step\'s due time, through their contacts', () => {
    const world = new World();
    world.policies = [policy('pol_sched', [[0, [{ scheduleId: 'sch_primary' }]], [240, [{ scheduleId: 'sch_primary' }]]])];
    // Opened 18:37:11 (carol's shift); the second step is due 18:41:11, after the 18:40 hand-off to alice.
    expect(runTimer(world, incident, timeline, now, LATER)).toEqual([
      '+0.877s incident.opened s0 → chn_tg/u_carol',
      '+240s incident.escalated r0 s1 (paged before: carol) → chn_ntfy/u_alice',
      '+240s incident.escalated r0 s1 (paged before: carol) → chn_slack @UALICE01',
    ]);
  });

  test('an override on the schedule wins', () => {
    const world = new World();
    const overridden: Schedule = { ...PRIMARY, overrides: [{ userId: 'u_bob', start: '2026-11-24T18:00:00Z', end: '2026-11-24T19:00:00Z' }] };
    world.policies = [policy('pol_sched', [[0, [{ scheduleId: 'sch_primary' }]]])];
    const result = plan({ ...world.input(incident, timeline, now), schedules: [overridden] });
    expect(result.enqueue.map((r) => recipientKey(r))).toEqual(['chn_mail/u_bob']);
  });

  test('two policies naming one channel at the same place: one page', () => {
    const world = new World();
    world.policies = [policy('pol_b', [[0, [{ channelId: 'chn_hook' }]]]), policy('pol_a', [[0, [{ channelId: 'chn_hook' }, { channelId: 'chn_slack' }]]])];
    expect(world.step(incident, timeline, now).enqueue.map((r) => recipientKey(r)).sort()).toEqual(['chn_hook', 'chn_slack']);
  });

  test('a deleted channel or schedule pages nobody, and says nothing breaks', () => {
    const world = new World();
    world.policies = [policy('pol_gone', [[0, [{ channelId: 'chn_deleted' }, { scheduleId: 'sch_deleted' }]]])];
    expect(world.step(incident, timeline, now)).toEqual({ enqueue: [], cancel: [], nextAt: null, digest: [], unreachable: [] });
  });
});

describe('which policies apply', () => {
  const { incident: base, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:12.000Z');
  const policies = [
    policy('pol_web', [[0, [{ channelId: 'chn_hook' }]]], { services: ['web-*'] }),
    policy('pol_all_critical', [[0, [{ channelId: 'chn_slack' }]]], { services: ['*'], minSeverity: 'critical' }),
    policy('pol_backend_warning', [[0, [{ channelId: 'chn_mail' }]]], { services: ['backend', 'db'], minSeverity: 'warning' }),
    policy('pol_back_glob', [[0, [{ channelId: 'chn_tg' }]]], { services: ['back*'], minSeverity: 'info' }),
  ];

  test.each<[string, Severity, string[]]>([
    ['backend', 'info', ['chn_tg']],
    ['backend', 'warning', ['chn_mail', 'chn_tg']],
    ['backend', 'critical', ['chn_mail', 'chn_slack', 'chn_tg']],
    ['web-frontend', 'warning', ['chn_hook']],
    ['web-frontend', 'critical', ['chn_hook', 'chn_slack']],
    ['webapp', 'warning', []],
    ['db', 'info', []],
    ['backoffice', 'info', ['chn_tg']],
  ])('%s, %s → %j', (service, severity, channels) => {
    const world = new World();
    world.policies = policies;
    const incident = { ...base, service, severity };
    expect(world.step(incident, timeline, '2026-11-24T18:37:12.000Z').enqueue.map((r) => r.channelId).sort()).toEqual(channels);
  });
});

describe('digest', () => {
  test('200 incidents opening within one second: at most 3 pages per recipient in the first minute, listing all 200', () => {
    const { acknowledgedAt: _a, acknowledgedBy: _b, mitigatedAt: _m, resolvedAt: _r, ...template } = derive(twoServices()).incident;
    const t0 = '2026-11-24T18:40:00.000Z';
    const incidents = Array.from({ length: 200 }, (_, i): Incident => ({
      ...template, id: `inc_${String(i).padStart(3, '0')}`, service: `svc-${i}`, title: `svc-${i} container died`,
      status: 'open', severity: 'warning', openedAt: plus(t0, i * 5), lastEventAt: plus(t0, i * 5),
    }));
    const world = new World();
    world.policies = [policy('pol_all', [[0, [{ channelId: 'chn_slack' }, { channelId: 'chn_hook' }, { userId: 'u_alice' }]], [600, [{ userId: 'u_bob' }]]])];
    let now = t0;
    for (const incident of incidents) {
      now = plus(incident.openedAt, 20);
      world.step(incident, [], now);
    }
    // The first minute goes by: digest windows end, every incident is planned again at its timer.
    for (let t = Date.parse(now); t <= Date.parse(plus(t0, 60_000)); t += 1_000) {
      const at = new Date(t).toISOString();
      world.flush(at);
      for (const incident of incidents.filter((_, i) => i % 40 === 0)) world.step(incident, [], at);
    }
    const firstMinute = [...world.records.values()].filter((r) => r.createdAt < plus(t0, 60_000));
    const byRecipient = new Map<string, OutboxRecord[]>();
    for (const r of firstMinute) byRecipient.set(recipientKey(r), [...(byRecipient.get(recipientKey(r)) ?? []), r]);
    expect([...byRecipient.keys()].sort()).toEqual(['chn_hook', 'chn_ntfy/u_alice', 'chn_slack']);
    for (const [, records] of byRecipient) {
      expect(records.length).toBeLessThanOrEqual(3);
      expect(new Set(records.flatMap((r) => r.incidentIds)).size).toBe(200);
    }
    const digest = byRecipient.get('chn_slack')?.find((r) => r.event === 'digest');
    const message = digest?.message as unknown as PageMessage;
    expect(message.incidents).toHaveLength(199);
    expect(message.title).toBe('WARNING 199 incidents opened on local: svc-1 container died and 198 more');
    expect(digest?.ackTokenHash).toMatch(/^hash-of-tok/);
  });

  test('a digest\'s id depends only on the recipient and the set of incidents', () => {
    const { incidents } = (() => {
      const a = derive(twoServices(), LATER, 0).incident;
      const b = derive(twoServices(), LATER, 1).incident;
      return { incidents: [a, b] };
    })();
    const common = { now: new Date(LATER), publicUrl: PUBLIC_URL, newAckToken: () => ({ token: 't', hash: 'h' }) };
    const one = buildDigest({ ...common, channelId: 'chn_slack', incidents });
    const reversed = buildDigest({ ...common, channelId: 'chn_slack', incidents: [...incidents].reverse(), now: new Date(plus(LATER, 5_000)) });
    expect(reversed.id).toBe(one.id);
    expect(one.incidentIds).toEqual(incidents.map((i) => i.id).sort());
    expect(buildDigest({ ...common, channelId: 'chn_hook', incidents }).id).not.toBe(one.id);
    expect(buildDigest({ ...common, channelId: 'chn_ntfy', userId: 'u_alice', incidents }).userId).toBe('u_alice');
    expect(buildDigest({ ...common, channelId: 'chn_slack', incidents: incidents.slice(0, 1) }).id).not.toBe(one.id);
  });
});

describe('planning again on what a plan left adds nothing (property)', () => {
  const { incident: opened, timeline } = derive(seedWithEvidence(), '2026-11-24T18:37:12.000Z');
  const targetArb = fc.constantFrom<EscalationTarget>(
    { channelId: 'chn_slack' }, { channelId: 'chn_hook' }, { userId: 'u_alice' }, { userId: 'u_bob' }, { userId: 'u_dave' }, { scheduleId: 'sch_primary' },
  );
  const policyArb = fc.record({
    id: fc.constantFrom('pol_1', 'pol_2', 'pol_3'),
    gaps: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 4 }),
    targets: fc.array(fc.array(targetArb, { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 4 }),
    repeat: fc.integer({ min: 0, max: 2 }),
  }).map((p) => {
    let at = 0;
    return policy(p.id, p.gaps.map((gap, i) => {
      at += i === 0 ? 0 : gap;
      return [at, p.targets[i] ?? [{ channelId: 'chn_slack' }]];
    }), { repeat: p.repeat });
  });

  // A hundred worlds of up to ten plans each: given room on a loaded machine.
  test('at any times, with acknowledgement or not; and no recipient hears the opening twice', { timeout: 60_000 }, () => {
    fc.assert(fc.property(
      fc.uniqueArray(policyArb, { selector: (p) => p.id, minLength: 1, maxLength: 3 }),
      fc.array(fc.integer({ min: 0, max: 4_000_000 }), { minLength: 1, maxLength: 10 }),
      fc.option(fc.integer({ min: 0, max: 4_000_000 })),
      (policies, offsets, ackAfter) => {
        const world = new World();
        world.policies = policies;
        world.flushDigestsAtOnce = true;
        for (const offset of [...offsets].sort((a, b) => a - b)) {
          const now = plus(opened.openedAt, offset);
          const acked = ackAfter !== null && offset >= ackAfter;
          const incident: Incident = acked ? { ...opened, status: 'acknowledged', acknowledgedAt: plus(opened.openedAt, ackAfter), acknowledgedBy: 'alice' } : opened;
          world.step(incident, timeline, now);
          const again = plan(world.input(incident, timeline, now));
          expect(again.enqueue).toEqual([]);
          expect(again.digest).toEqual([]);
          expect(again.cancel).toEqual([]);
        }
        const openings = [...world.records.values()].filter((r) => r.event === 'incident.opened').map((r) => recipientKey(r));
        expect(new Set(openings).size).toBe(openings.length);
      },
    ), { numRuns: 100 });
  });
});
