// The promise: the same signals in any arrival order and with duplicates produce the same
// incidents and the same timelines — through project() and through the incremental path alike.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Engine, project } from '../../../src/domain/engine.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { ENGINE_OPTIONS, alertOnly, crashLoopWithBreaker, recordedDocker, seedOutage, supervisorHeal, twoServices } from './sequences.ts';
import { applyDecisions, asProjection, emptyStore } from './store-model.ts';

// Nothing is forgotten during a property run: every service stays re-derivable.
const OPTIONS = { ...ENGINE_OPTIONS, retainMs: Number.MAX_SAFE_INTEGER };

const SCENARIOS: Record<string, () => Signal[]> = {
  'the seed outage': seedOutage,
  'a supervisor heal': supervisorHeal,
  'a crash loop with the breaker': crashLoopWithBreaker,
  'an alert with no container event': alertOnly,
  'two services failing at once': twoServices,
  'a flapping container': () => recordedDocker('events-lifecycle.json'),
  'everything on one afternoon': () => [...seedOutage(), ...supervisorHeal(), ...twoServices(), ...crashLoopWithBreaker()],
};

const msOf = (s: Signal) => Date.parse(s.receivedAt ?? s.at);

/** An arrival: the signals shuffled, some of them twice, with ticks at moments in between. */
function arrival(signals: readonly Signal[]) {
  const n = signals.length;
  return fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: n })
    .chain((dups) => {
      const all = [...signals, ...dups.map((i) => signals[i] as Signal)];
      return fc.tuple(
        fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: all.length }), fc.integer({ min: 0, max: 180_000 })), { maxLength: 6 }),
      );
    });
}

function incremental(order: readonly Signal[], ticks: ReadonlyArray<readonly [number, number]>, until: string) {
  const engine = new Engine(OPTIONS);
  const store = emptyStore();
  let clock = Number.NEGATIVE_INFINITY;
  order.forEach((signal, i) => {
    for (const [at, offset] of ticks) {
      if (at !== i) continue;
      clock = Math.max(clock, msOf(order[Math.max(0, i - 1)] ?? signal) + offset);
      applyDecisions(store, engine.tick(new Date(clock).toISOString()));
    }
    applyDecisions(store, engine.apply([signal]));
  });
  applyDecisions(store, engine.tick(until));
  return asProjection(store);
}

describe.each(Object.entries(SCENARIOS))('%s', (_name, make) => {
  const signals = make();
  const until = new Date(Math.max(...signals.map(msOf)) + 10 * 60_000).toISOString();
  const expected = project(signals, { ...OPTIONS, now: until });

  test('the scenario is not trivial', () => {
    expect(expected.incidents.length).toBeGreaterThan(0);
    expect(Object.values(expected.timelines).flat().length).toBeGreaterThan(expected.incidents.length);
  });

  test('project() of any permutation with duplicates is the same', () => {
    fc.assert(fc.property(arrival(signals), ([order]) => {
      expect(project(order, { ...OPTIONS, now: until })).toEqual(expected);
    }), { numRuns: 60 });
  });

  test('the incremental path with ticks in between leaves the store with what project() derives', () => {
    fc.assert(fc.property(arrival(signals), ([order, ticks]) => {
      expect(incremental(order, ticks, until)).toEqual(expected);
    }), { numRuns: 60 });
  });
});
