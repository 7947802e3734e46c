// What an admin may save for paging: every refusal names the field, and service patterns are globs
// with `*` only (nothing else in a pattern means anything).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { contactsInput, maintenanceInput, policyInput, scheduleInput, serviceMatches } from '../../../src/paging/policy-config.ts';
import type { z } from 'zod';

/** The refusals as `path: message`, the way parseBody words them. */
function problems(schema: z.ZodType, body: unknown): string[] {
  const result = schema.safeParse(body);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const policy = {
  name: 'web on call',
  services: ['web-*', 'api'],
  minSeverity: 'warning',
  steps: [
    { afterSeconds: 0, targets: [{ channelId: 'chn_slack' }] },
    { afterSeconds: 300, targets: [{ scheduleId: 'sch_primary' }, { userId: 'b2c5e7a0-1111-4aaa-8bbb-123456789abc' }] },
  ],
  repeat: 2,
};

describe('escalation policies', () => {
  test('a good one passes as given; repeat defaults to 0', () => {
    expect(policyInput.parse(policy)).toEqual(policy);
    const { repeat: _repeat, ...noRepeat } = policy;
    expect(policyInput.parse(noRepeat).repeat).toBe(0);
  });

  test.each([
    [{ ...policy, name: ' ' }, 'name: required'],
    [{ ...policy, services: [] }, 'services: at least one service or pattern ("*" = any)'],
    [{ ...policy, services: ['web\u0000'] }, 'services.0: control characters are not allowed'],
    [{ ...policy, minSeverity: 'urgent' }, 'minSeverity: expected one of critical, warning, info'],
    [{ ...policy, steps: [] }, 'steps: at least one step'],
    [{ ...policy, steps: Array.from({ length: 11 }, () => policy.steps[0]) }, 'steps: at most 10 steps'],
    [{ ...policy, steps: [{ afterSeconds: -1, targets: [{ channelId: 'c' }] }] }, 'steps.0.afterSeconds: at least 0'],
    [{ ...policy, steps: [{ afterSeconds: 86_401, targets: [{ channelId: 'c' }] }] }, 'steps.0.afterSeconds: at most 86400 (a day)'],
    [{ ...policy, steps: [{ afterSeconds: 1.5, targets: [{ channelId: 'c' }] }] }, 'steps.0.afterSeconds: expected whole seconds'],
    [{ ...policy, steps: [{ afterSeconds: 0, targets: [] }] }, 'steps.0.targets: at least one target'],
    [{ ...policy, steps: [{ afterSeconds: 0, targets: Array.from({ length: 21 }, () => ({ channelId: 'c' })) }] }, 'steps.0.targets: at most 20 targets'],
    [{ ...policy, steps: [{ afterSeconds: 0, targets: [{ channelId: 'c', userId: 'u' }] }] }, 'steps.0.targets.0: expected exactly one of channelId, userId, scheduleId'],
    [{ ...policy, steps: [{ afterSeconds: 0, targets: [{}] }] }, 'steps.0.targets.0: expected exactly one of channelId, userId, scheduleId'],
    [{ ...policy, steps: [{ afterSeconds: 0, targets: [{ channelId: '<script>' }] }] }, 'steps.0.targets.0.channelId: expected the channel id (letters, digits, _ . : -)'],
    [{ ...policy, steps: [{ afterSeconds: 0, targets: [{ teamId: 't' }] }] }, 'steps.0.targets.0: Unrecognized key: "teamId"'],
    [{ ...policy, steps: [policy.steps[1], policy.steps[0]] }, "steps.1.afterSeconds: must not be before step 1's (300 s): steps page in order"],
    [{ ...policy, repeat: 11 }, 'repeat: at most 10'],
  ])('refused, naming the field: %#', (body, expected) => {
    expect(problems(policyInput, body)).toContain(expected);
  });
});

describe('schedules', () => {
  const schedule = {
    name: 'primary',
    timeZone: 'europe/berlin',
    rotations: [{ users: ['alice', 'bob'], handoffAt: '2026-12-07T09:00', shiftHours: 24 }],
    overrides: [{ userId: 'carol', start: '2026-12-24T00:00:00+01:00', end: '2026-12-27T00:00:00+01:00' }],
  };

  test('a good one passes, its time zone in canonical spelling; lists default to empty', () => {
    expect(scheduleInput.parse(schedule)).toEqual({ ...schedule, timeZone: 'Europe/Berlin' });
    expect(scheduleInput.parse({ name: 'empty', timeZone: 'UTC' })).toEqual({ name: 'empty', timeZone: 'UTC', rotations: [], overrides: [] });
  });

  test.each([
    [{ ...schedule, timeZone: 'Mars/Olympus_Mons' }, 'timeZone: unknown time zone "Mars/Olympus_Mons": use an IANA name such as Europe/Berlin or America/New_York'],
    [{ ...schedule, timeZone: '+01:00' }, 'timeZone: "+01:00" is not an IANA time zone name such as Europe/Berlin or America/New_York'],
    [{ ...schedule, rotations: [{ ...schedule.rotations[0], users: [] }] }, 'rotations.0.users: at least one user'],
    [{ ...schedule, rotations: [{ ...schedule.rotations[0], users: Array.from({ length: 51 }, (_, i) => `u${i}`) }] }, 'rotations.0.users: at most 50 users'],
    [{ ...schedule, rotations: [{ ...schedule.rotations[0], handoffAt: '2026-12-07 09:00' }] }, 'rotations.0.handoffAt: expected the first hand-off as a local time YYYY-MM-DDTHH:mm, e.g. 2026-12-07T09:00'],
    [{ ...schedule, rotations: [{ ...schedule.rotations[0], handoffAt: '2026-02-30T09:00' }] }, 'rotations.0.handoffAt: expected the first hand-off as a local time YYYY-MM-DDTHH:mm, e.g. 2026-12-07T09:00'],
    [{ ...schedule, rotations: [{ ...schedule.rotations[0], shiftHours: 0 }] }, 'rotations.0.shiftHours: at least 1'],
    [{ ...schedule, rotations: [{ ...schedule.rotations[0], shiftHours: 721 }] }, 'rotations.0.shiftHours: at most 720 (30 days)'],
    [{ ...schedule, rotations: Array.from({ length: 11 }, () => schedule.rotations[0]) }, 'rotations: at most 10 rotations'],
    [{ ...schedule, overrides: [{ ...schedule.overrides[0], end: schedule.overrides[0]?.start }] }, 'overrides.0.end: must be after start'],
    [{ ...schedule, overrides: [{ ...schedule.overrides[0], start: 'tomorrow' }] }, 'overrides.0.start: expected start as an ISO-8601 time with an offset or Z, e.g. 2026-12-07T09:00:00Z'],
    [{ ...schedule, overrides: Array.from({ length: 201 }, () => schedule.overrides[0]) }, 'overrides: at most 200 overrides'],
  ])('refused, naming the field: %#', (body, expected) => {
    expect(problems(scheduleInput, body)).toContain(expected);
  });
});

describe('maintenance windows', () => {
  const window = { services: ['web-*'], start: '2026-12-07T22:00:00Z', end: '2026-12-07T23:00:00Z', reason: 'database upgrade' };

  test('a good one passes; the reason may be left out', () => {
    expect(maintenanceInput.parse(window)).toEqual(window);
    const { reason: _reason, ...noReason } = window;
    expect(maintenanceInput.parse(noReason).reason).toBe('');
  });

  test.each([
    [{ ...window, services: [] }, 'services: at least one service'],
    [{ ...window, services: Array.from({ length: 101 }, () => 'x') }, 'services: at most 100 services'],
    [{ ...window, end: '2026-12-07T21:00:00Z' }, 'end: must be after start'],
    [{ ...window, reason: 'x'.repeat(501) }, 'reason: at most 500 characters'],
    [{ ...window, start: undefined }, 'start: expected start as an ISO-8601 time with an offset or Z, e.g. 2026-12-07T09:00:00Z'],
  ])('refused, naming the field: %#', (body, expected) => {
    expect(problems(maintenanceInput, body)).toContain(expected);
  });
});

describe('contact methods', () => {
  test('each is optional; an empty one is left out; a numeric Telegram chat id becomes text', () => {
    expect(contactsInput.parse({})).toEqual({});
    expect(contactsInput.parse({ email: 'alice@example.com', ntfyTopic: 'alice-pager', telegramChatId: 123456789, slackMemberId: 'U012AB3CD' }))
      .toEqual({ email: 'alice@example.com', ntfyTopic: 'alice-pager', telegramChatId: '123456789', slackMemberId: 'U012AB3CD' });
    expect(contactsInput.parse({ email: '', ntfyTopic: null })).toEqual({});
  });

  test.each([
    [{ email: 'alice' }, 'email: expected an e-mail address'],
    [{ ntfyTopic: 'a/b' }, 'ntfyTopic: expected 1 to 64 letters, digits, - or _'],
    [{ telegramChatId: '@alice' }, 'telegramChatId: expected a Telegram chat id such as 123456789'],
    [{ slackMemberId: 'alice' }, 'slackMemberId: expected a Slack member id such as U012AB3CD (Profile → ⋮ → Copy member ID)'],
    [{ phone: '+49' }, ': Unrecognized key: "phone"'],
  ])('refused, naming the field: %#', (body, expected) => {
    expect(problems(contactsInput, body)).toContain(expected);
  });
});

describe('service patterns', () => {
  test.each([
    [['*'], 'anything', true],
    [['web-*'], 'web-1', true],
    [['web-*'], 'web-', true],
    [['web-*'], 'api', false],
    [['*-db'], 'users-db', true],
    [['*-db'], 'users-db-replica', false],
    [['a*b*c'], 'aXXbYYc', true],
    [['a*b*c'], 'aXXcYYb', false],
    [['api'], 'api', true],
    [['api'], 'API', false],
    [['api'], 'api-2', false],
    [['web.1'], 'webX1', false],
    [['(a+)+$'], 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', false],
    [['[a-z]*'], 'abc', false],
    [['db', 'web-*'], 'web-x', true],
    [[], 'web', false],
  ])('%j matches %j: %s', (patterns, service, expected) => {
    expect(serviceMatches(patterns, service)).toBe(expected);
  });

  test('a pattern without * matches exactly itself, whatever characters it holds (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }).filter((s) => !s.includes('*')), fc.string({ maxLength: 30 }), (pattern, other) => {
      expect(serviceMatches([pattern], pattern)).toBe(true);
      expect(serviceMatches([pattern], other)).toBe(other === pattern);
      expect(serviceMatches([`${pattern}*`], `${pattern}${other}`)).toBe(true);
      expect(serviceMatches([`*${pattern}`], `${other}${pattern}`)).toBe(true);
    }));
  });

  test('a pattern of many stars is walked, not backtracked through (pattern × name steps at most)', () => {
    const pattern = `${'*a'.repeat(100)}b`;
    expect(serviceMatches([pattern], 'a'.repeat(200))).toBe(false);
  });
});
