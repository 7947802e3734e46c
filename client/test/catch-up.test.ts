// The catch-up loop against a scripted server: pages until done, waits out refusals that name a
// wait, gives up on the rest. (Against a real server: server/test/integration/realtime-sync-flood.test.ts.)
import { describe, expect, it } from 'vitest';
import type { SyncAnswer, SyncRequest, SyncResult } from '@vigil/server/contract';
import { catchUp } from '../src/lib/catch-up.ts';
import { entry, incident } from './fixtures.ts';

const page = (ids: string[], next?: string): SyncResult => ({
  incidents: ids.map((id) => incident({ id })), entries: ids.map((id) => entry({ id: `e-${id}`, incidentId: id })),
  serverTime: '2026-11-24T18:40:00.000Z', ...(next ? { next } : {}),
});

function scripted(answers: SyncAnswer[]): { call: (r: SyncRequest) => Promise<SyncAnswer>; requests: SyncRequest[] } {
  const requests: SyncRequest[] = [];
  return {
    requests,
    call: async (r) => {
      requests.push(r);
      const a = answers.shift();
      if (!a) throw new Error('asked once too often');
      return a;
    },
  };
}

describe('catchUp', () => {
  it('follows `next` until an answer has none, applying every page in order', async () => {
    const server = scripted([page(['a', 'b'], 'c1'), page(['c'], 'c2'), page([])]);
    const applied: string[] = [];
    const outcome = await catchUp(server.call, '2026-11-24T18:00:00.000Z', { apply: (p) => applied.push(...p.incidents.map((i) => i.id), ...p.entries.map((e) => e.id)) });
    expect(outcome).toEqual({ done: true, pages: 3 });
    expect(applied).toEqual(['a', 'b', 'e-a', 'e-b', 'c', 'e-c']);
    expect(server.requests).toEqual([
      { since: '2026-11-24T18:00:00.000Z' },
      { since: '2026-11-24T18:00:00.000Z', cursor: 'c1' },
      { since: '2026-11-24T18:00:00.000Z', cursor: 'c2' },
    ]);
  });

  it('waits out busy and rate-limited refusals, then asks for the same page again', async () => {
    const server = scripted([
      page(['a'], 'c1'),
      { error: 'busy', code: 'sync_busy', retryAfterMs: 500 },
      { error: 'slow down', code: 'sync_rate_limited', retryAfterMs: 4_000 },
      page(['b']),
    ]);
    const waits: number[] = [];
    const outcome = await catchUp(server.call, 'x', { apply: () => undefined, wait: async (ms) => { waits.push(ms); } });
    expect(outcome).toEqual({ done: true, pages: 2 });
    expect(waits).toEqual([500, 4_000]);
    expect(server.requests.slice(1).map((r) => r.cursor)).toEqual(['c1', 'c1', 'c1']);
  });

  it('gives up on an invalid request, on endless refusals, on a lost link, and when cancelled', async () => {
    expect(await catchUp(scripted([{ error: 'sync needs {since}', code: 'invalid_request' }]).call, 'x', { apply: () => undefined }))
      .toEqual({ done: false, cancelled: false, error: 'sync needs {since}' });
    const busy = Array.from({ length: 5 }, (): SyncAnswer => ({ error: 'busy', code: 'sync_busy', retryAfterMs: 1 }));
    expect(await catchUp(scripted(busy).call, 'x', { apply: () => undefined, maxRefusals: 3, wait: async () => undefined }))
      .toMatchObject({ done: false, error: 'busy' });
    expect(await catchUp(async () => { throw new Error('operation has timed out'); }, 'x', { apply: () => undefined }))
      .toEqual({ done: false, cancelled: false, error: 'operation has timed out' });
    let live = true;
    const applied: string[] = [];
    const server = scripted([page(['a'], 'c1'), page(['b'], 'c2')]);
    const outcome = await catchUp(async (r) => { const a = await server.call(r); live = false; return a; }, 'x', {
      apply: (p) => applied.push(...p.incidents.map((i) => i.id)), cancelled: () => !live,
    });
    expect(outcome).toMatchObject({ done: false, cancelled: true });
    expect(applied).toEqual([]);
  });
});
