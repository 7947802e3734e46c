// Paging's words and forms, without a browser: what a channel form sends (masked secrets kept),
// targets, UTC inputs, the countdown line, delivery words, the banner's sentence, a 400's problems
// by field, the answers' shape checks, and the icon of paging's timeline entries.
import { describe, expect, it } from 'vitest';
import { MASKED, type DeliveryView, type IncidentPaging } from '@vigil/server/contract';
import {
  afterText, channelConfig, channelDestination, channelValues, deliveryCounts, deliveryPurpose, escalationLine,
  formatCountdown, fromUtcInput, problemAt, problemsByPath, splitList, targetFromKey, targetKey, targetLabel,
  stepWhen, testResultText, timeZones, utcInputValue, windowState,
} from '../src/lib/paging-forms.ts';
import { isPagingHealth, pagingBannerLines } from '../src/lib/paging-health.ts';
import { isIncidentPaging, isNotificationChannel, listOf } from '../src/lib/paging-wire.ts';
import { ApiError } from '../src/lib/api.ts';
import { entryIcon, entrySourceLabel } from '../src/lib/timeline.ts';
import { entry } from './fixtures.ts';

const delivery = (over: Partial<DeliveryView> = {}): DeliveryView => ({
  id: 'd1', incidentIds: ['inc_1'], event: 'incident.opened', channelId: 'ch1', channelName: 'ops', step: 0,
  state: 'delivered', attempts: 1, createdAt: '2026-11-24T18:37:12.000Z', ...over,
});

describe('channel forms', () => {
  it('sends a secret left as the server masked it back unchanged, trims what was typed, leaves out empty optional fields', () => {
    const values = channelValues('webhook', { url: 'https://hooks.example.com/••••••', secret: MASKED });
    expect(values).toEqual({ url: 'https://hooks.example.com/••••••', secret: MASKED });
    expect(channelConfig('webhook', values)).toEqual({ url: 'https://hooks.example.com/••••••', secret: MASKED });
    expect(channelConfig('webhook', { url: '  https://new.example.com/x  ', secret: '' })).toEqual({ url: 'https://new.example.com/x' });
    expect(channelConfig('ntfy', { url: 'https://ntfy.sh', topic: 'ops', token: '' })).toEqual({ url: 'https://ntfy.sh', topic: 'ops' });
  });

  it('sends an empty required field so the server names it, and splits e-mail recipients', () => {
    expect(channelConfig('telegram', { botToken: '', chatId: ' ' })).toEqual({ botToken: '', chatId: '' });
    expect(channelConfig('email', { to: 'a@example.com, b@example.com;\na@example.com' })).toEqual({ to: ['a@example.com', 'b@example.com'] });
    expect(channelConfig('email', { to: '' })).toEqual({ to: [] });
    expect(channelValues('email', { to: ['a@example.com', 7, 'b@example.com'] })).toEqual({ to: 'a@example.com, b@example.com' });
    expect(splitList(' web-*, db  api ,, ')).toEqual(['web-*', 'db', 'api']);
  });

  it('says where a channel sends without showing more than the server did', () => {
    expect(channelDestination({ type: 'slack', config: { url: 'https://hooks.slack.com/••••••' } })).toBe('https://hooks.slack.com/••••••');
    expect(channelDestination({ type: 'ntfy', config: { url: 'https://ntfy.sh/', topic: 'ops' } })).toBe('https://ntfy.sh/ops');
    expect(channelDestination({ type: 'telegram', config: { botToken: MASKED, chatId: '-100123' } })).toBe('chat -100123');
    expect(channelDestination({ type: 'email', config: { to: ['a@example.com', 'b@example.com'] } })).toBe('a@example.com, b@example.com');
  });

  it('words a test send', () => {
    expect(testResultText({ delivered: true, status: 200, ms: 312 })).toBe('Delivered — answered 200 in 312 ms');
    expect(testResultText({ delivered: false, status: 404, ms: 40 })).toBe('Not delivered — answered 404 (40 ms)');
    expect(testResultText({ delivered: false, error: 'connect ECONNREFUSED 127.0.0.1:9', ms: 3 })).toBe('Not delivered — connect ECONNREFUSED 127.0.0.1:9 (3 ms)');
  });
});

describe('targets and times', () => {
  it('keys targets both ways and names them from the directory, an unknown one by its id', () => {
    for (const t of [{ channelId: 'ch1' }, { userId: 'usr_1' }, { scheduleId: 'sch_1' }]) expect(targetFromKey(targetKey(t))).toEqual(t);
    expect(targetFromKey('team:x')).toBeNull();
    expect(targetFromKey('channel:')).toBeNull();
    const dir = { channels: new Map([['ch1', 'ops']]), users: new Map([['usr_1', 'alice']]), schedules: new Map([['sch_1', 'primary']]) };
    expect([{ channelId: 'ch1' }, { userId: 'usr_1' }, { scheduleId: 'sch_1' }, { userId: 'usr_gone' }].map((t) => targetLabel(t, dir)))
      .toEqual(['channel ops', 'alice', 'on call in primary', 'usr_gone']);
    expect([afterText(0), afterText(300)]).toEqual(['at once', 'after 5 m 00 s']);
    expect([stepWhen(0), stepWhen(300), stepWhen(null)]).toEqual(['when the incident opens', '5 m 00 s after the incident opens', 'seconds after the incident opens']);
  });

  it('reads and writes datetime-local values as UTC', () => {
    expect(utcInputValue('2026-12-07T09:00:00.000Z')).toBe('2026-12-07T09:00');
    expect(utcInputValue('2026-12-07T10:30:00+01:00')).toBe('2026-12-07T09:30');
    expect(fromUtcInput('2026-12-07T09:00')).toBe('2026-12-07T09:00:00.000Z');
    expect(fromUtcInput('')).toBe('');
    expect(fromUtcInput('tomorrow')).toBe('');
  });

  it('offers every zone the runtime knows, with UTC and the schedule\'s own', () => {
    const zones = timeZones('Mars/Olympus');
    expect(zones).toContain('UTC');
    expect(zones).toContain('Europe/Berlin');
    expect(zones).toContain('Mars/Olympus');
    expect(new Set(zones).size).toBe(zones.length);
  });

  it('tells a maintenance window on now from a coming one and one that is over', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    const w = (start: string, end: string) => windowState({ start, end }, now);
    expect(w('2026-12-07T09:00:00Z', '2026-12-07T11:00:00Z')).toBe('active');
    expect(w('2026-12-07T10:30:00Z', '2026-12-07T11:00:00Z')).toBe('upcoming');
    expect(w('2026-12-07T08:00:00Z', '2026-12-07T10:00:00Z')).toBe('over');
  });
});

describe('the escalation line', () => {
  const open = { status: 'open' as const };
  const paging = (over: Partial<IncidentPaging> = {}): IncidentPaging => ({ deliveries: [delivery()], policyId: 'pol_1', ...over });
  const at = new Date('2026-11-24T18:40:00.000Z');

  it('counts down to the next step, numbered from 1', () => {
    expect(formatCountdown(192_000)).toBe('3:12');
    expect(formatCountdown(191_001)).toBe('3:12');
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(formatCountdown(-5)).toBe('0:00');
    expect(escalationLine(paging({ nextStepAt: '2026-11-24T18:43:12.000Z', nextStep: 1 }), open, at))
      .toEqual({ text: 'Escalates to step 2 in 3:12 unless acknowledged', tone: 'warning', due: false });
    expect(escalationLine(paging({ deliveries: [], nextStepAt: '2026-11-24T18:40:30.000Z', nextStep: 0 }), open, at)?.text)
      .toBe('Pages step 1 in 0:30 unless acknowledged');
  });

  it('says a due step is paging now, and that escalation stopped once acknowledged or resolved', () => {
    expect(escalationLine(paging({ nextStepAt: '2026-11-24T18:39:59.000Z', nextStep: 2 }), open, at))
      .toEqual({ text: 'Escalating to step 3 now…', tone: 'warning', due: true });
    const next = { nextStepAt: '2026-11-24T18:43:12.000Z', nextStep: 1 };
    expect(escalationLine(paging(next), { status: 'acknowledged', acknowledgedAt: at.toISOString(), acknowledgedBy: 'rita' }, at)?.text)
      .toBe('Escalation stopped: acknowledged by rita.');
    expect(escalationLine(paging(next), { status: 'resolved' }, at)?.text).toBe('Escalation stopped: the incident is resolved.');
    expect(escalationLine(paging(), open, at)?.text).toBe('No further escalation step: everyone in the policy has been paged.');
    expect(escalationLine(paging({ deliveries: [] }), open, at)).toBeNull();
  });

  it('counts deliveries by state and says what each was for', () => {
    expect(deliveryCounts([delivery(), delivery({ state: 'failed' }), delivery(), delivery({ state: 'pending' })])).toBe('2 delivered · 1 pending · 1 failed');
    expect(deliveryCounts([])).toBe('');
    expect(deliveryPurpose(delivery())).toBe('first page');
    expect(deliveryPurpose(delivery({ event: 'incident.escalated', step: 1 }))).toBe('escalation, step 2');
    expect(deliveryPurpose(delivery({ event: 'incident.resolved', step: undefined }))).toBe('resolved notice');
  });
});

describe('the paging banner', () => {
  it('names each failing channel with its type when known, longest failing first', () => {
    const health = {
      failing: [
        { channelId: 'ch2', channelName: 'pager', error: 'connect ETIMEDOUT', since: '2026-11-24T18:39:00.000Z' },
        { channelId: 'ch1', channelName: 'ops', error: 'answers 404', since: '2026-11-24T18:38:00.000Z' },
      ],
    };
    expect(pagingBannerLines(health, new Map([['ch1', 'slack' as const]])).map((l) => l.text)).toEqual([
      "Paging is failing: Slack 'ops' — answers 404",
      "Paging is failing: 'pager' — connect ETIMEDOUT",
    ]);
    expect(pagingBannerLines({ failing: [] }, new Map())).toEqual([]);
    expect(isPagingHealth(health)).toBe(true);
    expect(isPagingHealth({ failing: [{ channelId: 'ch1' }] })).toBe(false);
  });
});

describe('a 400, field by field', () => {
  it('keys each problem by its dotted path and finds a field\'s problems, nested ones included', () => {
    const err = new ApiError(400, 'invalid_request', 'Invalid request body — …', [
      { path: ['config', 'url'], message: 'must be http(s)' },
      { path: ['steps', 1, 'targets'], message: 'at least one target' },
      { path: ['steps', 10, 'afterSeconds'], message: 'expected number' },
      { path: [], message: 'unknown field' },
    ]);
    const problems = problemsByPath(err);
    expect(problems).toEqual({
      'config.url': 'must be http(s)', 'steps.1.targets': 'at least one target', 'steps.10.afterSeconds': 'expected number', body: 'unknown field',
    });
    expect(problemAt(problems, 'config.url')).toBe('must be http(s)');
    expect(problemAt(problems, 'config')).toBe('must be http(s)');
    expect(problemAt(problems, 'steps.1')).toBe('at least one target');
    expect(problemAt(problems, 'name')).toBeUndefined();
    expect(problemsByPath(new Error('network'))).toEqual({});
  });
});

describe('answers and the timeline', () => {
  it('reads lists as {items} or a bare array, and refuses what does not check', () => {
    const channel = { id: 'ch1', name: 'ops', type: 'slack', config: { url: 'x' }, createdAt: 'a', updatedAt: 'a' };
    expect(listOf({ items: [channel] }, isNotificationChannel)).toEqual([channel]);
    expect(listOf([channel], isNotificationChannel)).toEqual([channel]);
    expect(listOf({ items: [{ ...channel, type: 'pigeon' }] }, isNotificationChannel)).toBeNull();
    expect(isIncidentPaging({ deliveries: [delivery()], nextStepAt: 'x', nextStep: 1 })).toBe(true);
    expect(isIncidentPaging({ deliveries: [{ ...delivery(), state: 'lost' }] })).toBe(false);
  });

  it('draws paging\'s entries with their own icon, named Paging', () => {
    expect(entryIcon(entry({ source: 'system', kind: 'notification.failed' }))).toBe('paging');
    expect(entryIcon(entry({ source: 'system', kind: 'incident.resolved' }))).toBe('system');
    expect(entryIcon(entry())).toBe('docker');
    expect(entrySourceLabel('paging')).toBe('Paging');
    expect(entrySourceLabel('system')).toBe('Vigil');
  });
});
