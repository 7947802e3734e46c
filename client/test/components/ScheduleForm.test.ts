// @vitest-environment happy-dom
// ScheduleForm and OnCallView against a stubbed fetch: the zone picker offers the runtime's IANA
// zones, a rotation's people in turn with its hand-off in the schedule's zone, overrides typed in
// UTC and sent as instants; who is on call now and until when.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schedule } from '@vigil/server/contract';
import ScheduleForm from '../../src/components/paging/ScheduleForm.vue';
import OnCallView from '../../src/components/paging/OnCallView.vue';
import { createPagingDirectory, PAGING_DIRECTORY } from '../../src/composables/usePagingDirectory.ts';
import { serve } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

const AT = '2026-11-24T18:00:00.000Z';

function mountForm(schedule: Schedule | null = null) {
  const dir = createPagingDirectory();
  dir.users.items.value = [
    { id: 'usr_rita', username: 'rita', role: 'responder', createdAt: AT },
    { id: 'usr_sam', username: 'sam', role: 'responder', createdAt: AT },
  ];
  return mountAs('admin', ScheduleForm, { props: { schedule }, global: { provide: { [PAGING_DIRECTORY as symbol]: dir } } });
}

describe('ScheduleForm', () => {
  it('offers the IANA zones and sends rotations and UTC overrides as the contract has them', async () => {
    const calls = serve((method, path, body) => (method === 'POST' && path === '/api/schedules'
      ? { status: 201, body: { id: 'sch1', createdAt: AT, updatedAt: AT, ...(body as object) } } : undefined));
    const wrapper = mountForm();
    const zones = wrapper.findAll('select[id$="-zone"] option').map((o) => o.attributes('value'));
    expect(zones).toContain('Europe/Berlin');
    expect(zones).toContain('America/New_York');
    expect(zones).toContain('UTC');

    await wrapper.get('input[id$="-name"]').setValue('primary');
    await wrapper.get('select[id$="-zone"]').setValue('Europe/Berlin');
    const rotation = wrapper.get('[data-rotation="1"]');
    expect(rotation.get('label[for$="-handoff"]').text()).toBe('First hand-off (Europe/Berlin)');
    for (const id of ['usr_sam', 'usr_rita']) {
      await rotation.get('select').setValue(id);
      await rotation.findAll('button').find((b) => b.text() === 'Add')?.trigger('click');
    }
    await rotation.get('input[type="datetime-local"]').setValue('2026-12-07T09:00');
    await rotation.get('input[type="number"]').setValue('24');

    await wrapper.findAll('button').find((b) => b.text() === 'Add an override')?.trigger('click');
    const override = wrapper.get('[data-override="1"]');
    await override.get('select').setValue('usr_rita');
    await override.get('input[id$="-start"]').setValue('2026-12-24T18:00');
    await override.get('input[id$="-end"]').setValue('2026-12-26T08:00');
    await wrapper.get('form').trigger('submit');
    await settle();

    expect(calls[0]?.body).toEqual({
      name: 'primary',
      timeZone: 'Europe/Berlin',
      rotations: [{ users: ['usr_sam', 'usr_rita'], handoffAt: '2026-12-07T09:00', shiftHours: 24 }],
      overrides: [{ userId: 'usr_rita', start: '2026-12-24T18:00:00.000Z', end: '2026-12-26T08:00:00.000Z' }],
    });
  });

  it('shows a schedule being edited as it is stored, overrides in UTC', () => {
    const wrapper = mountForm({
      id: 'sch1', name: 'primary', timeZone: 'Asia/Kolkata',
      rotations: [{ users: ['usr_rita'], handoffAt: '2026-12-07T09:00', shiftHours: 168 }],
      overrides: [{ userId: 'usr_sam', start: '2026-12-24T23:30:00+05:30', end: '2026-12-25T18:00:00Z' }],
      createdAt: AT, updatedAt: AT,
    });
    expect((wrapper.get('select[id$="-zone"]').element as HTMLSelectElement).value).toBe('Asia/Kolkata');
    expect(wrapper.get('[data-rotation="1"] .chips').text()).toContain('1. rita');
    expect((wrapper.get('input[id$="-start"]').element as HTMLInputElement).value).toBe('2026-12-24T18:00');
    expect((wrapper.get('input[id$="-end"]').element as HTMLInputElement).value).toBe('2026-12-25T18:00');
  });
});

describe('OnCallView', () => {
  it('says who is on call now and until when, then the next 14 days of shifts', async () => {
    const calls = serve((method, path) => (method === 'GET' && path.startsWith('/api/schedules/sch1/on-call')
      ? {
        status: 200, body: {
          at: '2026-12-08T10:00:00.000Z', userIds: ['usr_rita'],
          shifts: [
            { userId: 'usr_rita', start: '2026-12-07T08:00:00.000Z', end: '2026-12-14T08:00:00.000Z', override: false },
            { userId: 'usr_sam', start: '2026-12-14T08:00:00.000Z', end: '2026-12-21T08:00:00.000Z', override: false },
          ],
        },
      } : undefined));
    const names: Record<string, string> = { usr_rita: 'rita', usr_sam: 'sam' };
    const wrapper = mountAs('admin', OnCallView, { props: { scheduleId: 'sch1', userName: (id: string) => names[id] ?? id } });
    await settle();
    expect(calls.map((c) => c.path)).toEqual(['/api/schedules/sch1/on-call?days=14']);
    expect(wrapper.get('[data-testid="on-call-now"]').text()).toBe('On call now: rita until 2026-12-14 08:00:00 UTC');
    expect(wrapper.findAll('tbody tr').map((r) => r.findAll('td').map((td) => td.text()))).toEqual([
      ['2026-12-07 08:00:00', '2026-12-14 08:00:00', 'rita'],
      ['2026-12-14 08:00:00', '2026-12-21 08:00:00', 'sam'],
    ]);
  });
});
