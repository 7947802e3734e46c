// What an admin may save as an escalation policy, an on-call schedule, a maintenance window or a
// person's contact methods (API.md "Paging"): zod schemas whose errors name the field, and the
// service-pattern match every policy and window uses.
import { z } from 'zod';
import { SEVERITIES } from '../contract/index.ts';
import { canonicalTimeZone, parseHandoff, ScheduleError } from './schedule.ts';

/** Ids of users, channels and schedules: what the store hands out (UUIDs, `chn_…`), never markup. */
const id = (what: string) => z.string({ error: `expected the ${what} id` }).trim()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, `expected the ${what} id (letters, digits, _ . : -)`);

const name = z.string({ error: 'expected a name' }).trim().min(1, 'required').max(100, 'at most 100 characters');

/** A service name or a glob with `*` (`web-*`, `*` alone = any service). */
const servicePattern = z.string({ error: 'expected a service name or pattern such as web-*' }).trim()
  .min(1, 'expected a service name or pattern such as web-*').max(200, 'at most 200 characters')
  // eslint-disable-next-line no-control-regex
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { message: 'control characters are not allowed' });

const instant = (what: string) => z.iso.datetime({ offset: true, error: `expected ${what} as an ISO-8601 time with an offset or Z, e.g. 2026-12-07T09:00:00Z` });

/** `start` before `end`, both present: the error names `end`. */
function endAfterStart(v: { start: string; end: string }, ctx: z.RefinementCtx): void {
  if (Date.parse(v.end) <= Date.parse(v.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
}

// --- Escalation policies --------------------------------------------------------------------------

const TARGET_KEYS = ['channelId', 'userId', 'scheduleId'] as const;

const target = z.strictObject({
  channelId: id('channel').optional(),
  userId: id('user').optional(),
  scheduleId: id('schedule').optional(),
}, { error: (issue) => (issue.code === 'invalid_type' ? 'expected {channelId}, {userId} or {scheduleId}' : undefined) }).superRefine((t, ctx) => {
  const given = TARGET_KEYS.filter((k) => t[k] !== undefined);
  if (given.length !== 1) ctx.addIssue({ code: 'custom', message: 'expected exactly one of channelId, userId, scheduleId' });
}).transform((t) => {
  if (t.channelId !== undefined) return { channelId: t.channelId };
  if (t.userId !== undefined) return { userId: t.userId };
  return { scheduleId: t.scheduleId ?? '' };
});

const step = z.strictObject({
  afterSeconds: z.number({ error: 'expected seconds after the incident opened (0 to 86400)' }).int('expected whole seconds')
    .min(0, 'at least 0').max(86_400, 'at most 86400 (a day)'),
  targets: z.array(target, { error: 'expected a list of targets' }).min(1, 'at least one target').max(20, 'at most 20 targets'),
});

export const policyInput = z.strictObject({
  name,
  services: z.array(servicePattern, { error: 'expected a list of service names or patterns ("*" = any)' })
    .min(1, 'at least one service or pattern ("*" = any)').max(100, 'at most 100 patterns'),
  minSeverity: z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }).optional(),
  steps: z.array(step, { error: 'expected a list of steps' }).min(1, 'at least one step').max(10, 'at most 10 steps'),
  repeat: z.number({ error: 'expected how many more times the chain runs (0 to 10)' }).int('expected a whole number')
    .min(0, 'at least 0').max(10, 'at most 10').default(0),
}).superRefine((p, ctx) => {
  p.steps.forEach((s, i) => {
    const before = p.steps[i - 1];
    if (before !== undefined && s.afterSeconds < before.afterSeconds) {
      ctx.addIssue({ code: 'custom', path: ['steps', i, 'afterSeconds'], message: `must not be before step ${i}'s (${before.afterSeconds} s): steps page in order` });
    }
  });
});
export type PolicyInput = z.infer<typeof policyInput>;

// --- Schedules ------------------------------------------------------------------------------------

const timeZone = z.string({ error: 'expected an IANA time zone such as Europe/Berlin' }).transform((v, ctx) => {
  try {
    return canonicalTimeZone(v.trim());
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof ScheduleError ? err.message : 'expected an IANA time zone such as Europe/Berlin' });
    return z.NEVER;
  }
});

const rotation = z.strictObject({
  users: z.array(id('user'), { error: 'expected a list of user ids' }).min(1, 'at least one user').max(50, 'at most 50 users'),
  handoffAt: z.string({ error: 'expected the first hand-off as a local time YYYY-MM-DDTHH:mm' })
    .refine((v) => parseHandoff(v) !== null, { message: 'expected the first hand-off as a local time YYYY-MM-DDTHH:mm, e.g. 2026-12-07T09:00' }),
  shiftHours: z.number({ error: 'expected the length of a shift in hours (1 to 720)' }).int('expected whole hours')
    .min(1, 'at least 1').max(720, 'at most 720 (30 days)'),
});

const override = z.strictObject({
  userId: id('user'),
  start: instant('start'),
  end: instant('end'),
}).superRefine(endAfterStart);

export const scheduleInput = z.strictObject({
  name,
  timeZone,
  rotations: z.array(rotation, { error: 'expected a list of rotations' }).max(10, 'at most 10 rotations').default([]),
  overrides: z.array(override, { error: 'expected a list of overrides' }).max(200, 'at most 200 overrides').default([]),
});
export type ScheduleInput = z.infer<typeof scheduleInput>;

// --- Maintenance windows --------------------------------------------------------------------------

export const maintenanceInput = z.strictObject({
  services: z.array(servicePattern, { error: 'expected a list of service names or patterns' })
    .min(1, 'at least one service').max(100, 'at most 100 services'),
  start: instant('start'),
  end: instant('end'),
  reason: z.string({ error: 'expected the reason as text' }).trim().max(500, 'at most 500 characters').default(''),
}).superRefine(endAfterStart);
export type MaintenanceInput = z.infer<typeof maintenanceInput>;

// --- Contact methods ------------------------------------------------------------------------------

/** An empty field clears that contact method. */
const optional = <T extends z.ZodType<string>>(schema: T) => z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '') || v === null ? undefined : v,
  schema.optional(),
);

export const contactsInput = z.strictObject({
  email: optional(z.email({ error: 'expected an e-mail address' }).max(254, 'at most 254 characters')),
  // ntfy's own rule for topic names.
  ntfyTopic: optional(z.string({ error: 'expected an ntfy topic' }).trim().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected 1 to 64 letters, digits, - or _')),
  // A person's chat with the bot (positive) or a group (negative).
  telegramChatId: optional(z.union([z.string(), z.number().int()], { error: 'expected a Telegram chat id such as 123456789' })
    .transform((v) => String(v).trim())
    .refine((v) => /^-?\d{1,20}$/.test(v), { message: 'expected a Telegram chat id such as 123456789' })),
  // Slack's member ids: U… (or W… in Enterprise Grid).
  slackMemberId: optional(z.string({ error: 'expected a Slack member id such as U012AB3CD' }).trim()
    .regex(/^[UW][A-Z0-9]{2,20}$/, 'expected a Slack member id such as U012AB3CD (Profile → ⋮ → Copy member ID)')),
});
export type ContactsInput = z.infer<typeof contactsInput>;

// --- Service patterns -----------------------------------------------------------------------------

/** Whether `service` matches one of the patterns: `*` stands for any run of characters, nothing else is special. */
export function serviceMatches(patterns: readonly string[], service: string): boolean {
  return patterns.some((p) => globMatch(p, service));
}

/**
 * Glob with `*` only, by walking both strings (no RegExp built from input, so nothing in a pattern
 * can inject syntax or backtrack without bound): O(pattern × text) at worst.
 */
function globMatch(pattern: string, text: string): boolean {
  if (pattern === '*') return true;
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p += 1;
      t += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = t;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}
