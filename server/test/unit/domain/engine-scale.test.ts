// The incremental engine equals the batch projection with 10,000 other services open: whatever the
// arrival order of a scenario's signals (duplicates included), however they are cut into batches,
// and with ticks in between that resolve and forget other services around them.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Engine, project } from '../../../src/domain/engine.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { ENGINE_OPTIONS, alert, seedOutage, twoServices } from './sequences.ts';
import { applyDecisions, asProjection, emptyStore } from './store-model.ts';

const OPTIONS = { ...ENGINE_OPTIONS, retainMs: Number.MAX_SAFE_INTEGER };
const SERVICES = 10_000;
const START = Date.parse('2026-11-24T18:30:00.000Z');

/**
 * 10,000 services with an alert each, 18:30 to 18:40, one every 60 ms; every third one resolves a
 * second later, so its quiet period ends (a deadline in the heap) while the scenario runs.
 */
function background(): Signal[] {
  const template = alert({
    status: 'firing', alertname: 'Background', labels: { severity: 'warning' }, summary: 'background',
    fingerprint: 'template', startsAt: '2026-11-24T18:30:00.000Z', receivedAt: '2026-11-24T18:30:00.000Z',
  });
  const resolvedTemplate = alert({
    status: 'resolved', alertname: 'Background', labels: { severity: 'warning' }, summary: 'background',
    fingerprint: 'template', startsAt: '2026-11-24T18:30:00.000Z', endsAt: '2026-11-24T18:30:01.000Z', receivedAt: '2026-11-24T18:30:01.000Z',
  });
  const out: Signal[] = [];
  for (let i = 0; i < SERVICES; i += 1) {
    const service = `bg-${i}`;
    const at = new Date(START + i * 60).toISOString();
    const labels = { alertname: 'Background', service, severity: 'warning' };
    const fingerprint = `bg${i.toString(16).padStart(8, '0')}`;
    out.push({ ...template, id: `${fingerprint}-f`, service, at, receivedAt: at, attributes: { ...template.attributes, fingerprint, labels } });
    if (i % 3 === 0) {
      const end = new Date(START + i * 60 + 1_000).toISOString();
      out.push({ ...resolvedTemplate, id: `${fingerprint}-r`, service, at: end, receivedAt: end, attributes: { ...resolvedTemplate.attributes, fingerprint, labels } });
    }
  }
  return out.sort((a, b) => ((a.receivedAt ?? '') < (b.receivedAt ?? '') ? -1 : 1));
}

const scenario = [...seedOutage(), ...twoServices()];
const noise = background();
const until = '2026-11-24T18:50:00.000Z';
const expected = project([...noise, ...scenario], { ...OPTIONS, now: until });

/** The scenario shuffled with duplicates, cut into batches, each batch after the background up to its time and a tick. */
const arrivals = fc.array(fc.integer({ min: 0, max: scenario.length - 1 }), { maxLength: 8 })
  .chain((dups) => {
    const all = [...scenario, ...dups.map((i) => scenario[i] as Signal)];
    return fc.tuple(
      fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: all.length, maxLength: all.length }),
    );
  });

describe(`with ${SERVICES.toLocaleString('en')} other services open`, () => {
  test('the background is what it should be', () => {
    expect(expected.incidents.length).toBeGreaterThan(SERVICES);
    expect(expected.incidents.filter((i) => i.service.startsWith('bg-') && i.status === 'resolved').length).toBe(Math.ceil(SERVICES / 3));
  });

  test('any arrival order, in batches, with ticks in between: the store ends as project() says', () => {
    fc.assert(fc.property(arrivals, ([order, sizes]) => {
      const engine = new Engine(OPTIONS);
      const store = emptyStore();
      let next = 0;
      let taken = 0;
      for (const size of sizes) {
        if (taken >= order.length) break;
        const batch = order.slice(taken, taken + size);
        taken += batch.length;
        // The background arrives, in time, up to the latest of the batch; then time passes to there.
        const upTo = batch.reduce((max, s) => ((s.receivedAt ?? s.at) > max ? (s.receivedAt ?? s.at) : max), '');
        const before: Signal[] = [];
        while (next < noise.length && (noise[next]?.receivedAt ?? '') <= upTo) before.push(noise[next++] as Signal);
        applyDecisions(store, engine.apply(before));
        applyDecisions(store, engine.tick(upTo));
        applyDecisions(store, engine.apply(batch));
      }
      applyDecisions(store, engine.apply(noise.slice(next)));
      applyDecisions(store, engine.tick(until));
      expect(engine.serviceCount).toBeGreaterThan(SERVICES);
      expect(asProjection(store)).toEqual(expected);
    }), { numRuns: 12 });
  }, 120_000);
});
