import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OverloadGovernor, fairLevel, type LoadSample } from '../../src/inference/overload.ts';

/** A governor on a clock the test moves one second a tick. */
function governor(options: ConstructorParameters<typeof OverloadGovernor>[0] = {}): {
  g: OverloadGovernor;
  tick: (s: Partial<LoadSample> & Pick<LoadSample, 'offered'>) => void;
} {
  let clock = 0;
  // No warm-up unless a test asks for one: these tests read the first tick.
  const g = new OverloadGovernor({ warmUpMs: 0, ...options }, () => clock);
  return {
    g,
    tick: (s) => {
      clock += 1000;
      g.observe({ served: 0, dropped: 0, queueWaitMs: 0, utilization: 0, ...s });
    },
  };
}

const offered = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

test('fair level shares a budget max-min fairly over demands', () => {
  assert.equal(fairLevel([5, 5, 5, 40], 27), 12);
  assert.equal(fairLevel([10, 10], 30), Infinity, 'a budget that covers every demand sets no level');
  assert.equal(fairLevel([10, 10, 10, 10], 2), 0.5);
});

test('a light load changes no camera and does not report capacity', () => {
  const { g, tick } = governor();
  tick({ offered: offered({ a: 5, b: 5 }), served: 10, utilization: 0.3, queueWaitMs: 5 });
  assert.equal(g.multiplier('a'), 1);
  assert.equal(g.multiplier('b'), 1);
  assert.equal(g.atCapacity, false);
  assert.equal(g.reason, null);
});

test('overload lowers only the camera above the fair share, to that share', () => {
  const { g, tick } = governor();
  // Capacity 30 crops/s (x 0.9 headroom = 27): three cameras at 5/s fit, the one at 40/s gets the rest (12/s).
  tick({ offered: offered({ windy: 40, a: 5, b: 5, c: 5 }), served: 30, dropped: 25, utilization: 1 });
  assert.equal(g.multiplier('a'), 1);
  assert.equal(g.multiplier('b'), 1);
  assert.equal(g.multiplier('c'), 1);
  assert.ok(Math.abs(g.multiplier('windy') - 12 / 40) < 1e-9, `windy at ${g.multiplier('windy')}`);
  assert.equal(g.atCapacity, true);
  assert.equal(g.reason, 'inference at capacity: 25 crops dropped for capacity', 'one busy second alone is not named');
});

test('cameras with equal demand are lowered equally and never below the floor', () => {
  const { g, tick } = governor({ floor: 0.2 });
  tick({ offered: offered({ a: 10, b: 10, c: 10, d: 10 }), served: 2, dropped: 38, queueWaitMs: 900, utilization: 1 });
  const ms = ['a', 'b', 'c', 'd'].map((c) => g.multiplier(c));
  assert.deepEqual(ms, [0.2, 0.2, 0.2, 0.2]);
  // Still overloaded at the floor (demand measured at the lowered rate): it stays at the floor.
  tick({ offered: offered({ a: 2, b: 2, c: 2, d: 2 }), served: 2, dropped: 6, queueWaitMs: 900, utilization: 1 });
  assert.deepEqual(
    ['a', 'b', 'c', 'd'].map((c) => g.multiplier(c)),
    [0.2, 0.2, 0.2, 0.2],
  );
});

test('a burst that throughput explains cuts the heavier cameras by the decrease factor', () => {
  const { g, tick } = governor({ decrease: 0.5 });
  // Served covers demand, but the queue wait is long: the cameras at or above the mean demand pay.
  tick({ offered: offered({ a: 20, b: 2 }), served: 40, queueWaitMs: 500, utilization: 0.5 });
  assert.equal(g.multiplier('a'), 0.5);
  assert.equal(g.multiplier('b'), 1);
  assert.match(g.reason ?? '', /queue wait 500 ms > 200 ms/);
});

test('calm intervals restore the rates gradually and capacity is reported until fully restored', () => {
  const { g, tick } = governor({ increaseStep: 0.25 });
  tick({ offered: offered({ a: 10, b: 10 }), served: 4, dropped: 10, utilization: 1 });
  const lowered = g.multiplier('a');
  assert.ok(lowered < 0.3, `lowered to ${lowered}`);
  const seen: number[] = [];
  while (g.multiplier('a') < 1) {
    tick({ offered: offered({ a: 1, b: 1 }), served: 2, utilization: 0.2 });
    seen.push(g.multiplier('a'));
    if (g.multiplier('a') < 1) assert.match(g.reason ?? '', /recovering: analysis rate still lowered on 2 camera/);
  }
  assert.deepEqual(
    seen,
    seen.map((_, i) => Math.min(1, lowered + 0.25 * (i + 1))),
    'one step a calm tick',
  );
  assert.equal(g.atCapacity, false);
});

test('an interval between calm and overloaded holds the rates', () => {
  const { g, tick } = governor();
  tick({ offered: offered({ a: 10 }), served: 5, dropped: 5, utilization: 1 });
  const m = g.multiplier('a');
  tick({ offered: offered({ a: 5 }), served: 5, utilization: 0.85, queueWaitMs: 150 });
  assert.equal(g.multiplier('a'), m);
});

test('a start-up is not overload: nothing counts until the warm-up after the last starting camera ends', () => {
  const { g, tick } = governor({ warmUpMs: 3000 });
  tick({ offered: offered({ a: 0, b: 0 }), served: 0 });
  // t=2 s: a's first crops, with every start-up symptom: drops, a slow queue, a busy cold pool.
  tick({ offered: offered({ a: 8, b: 0 }), served: 2, dropped: 6, queueWaitMs: 900, utilization: 1 });
  assert.equal(g.atCapacity, false);
  assert.equal(g.multiplier('a'), 1);
  // t=4 s: b starts within a's warm-up, which now lasts until 7 s.
  tick({ offered: offered({ a: 5, b: 0 }), served: 5, queueWaitMs: 900, utilization: 1 });
  tick({ offered: offered({ a: 5, b: 8 }), served: 5, dropped: 8, queueWaitMs: 900, utilization: 1 });
  tick({ offered: offered({ a: 5, b: 5 }), served: 5, dropped: 5, queueWaitMs: 900, utilization: 1 });
  tick({ offered: offered({ a: 5, b: 5 }), served: 5, dropped: 5, queueWaitMs: 900, utilization: 1 });
  assert.equal(g.atCapacity, false, 'still within the warm-up b extended');
  assert.equal(g.multiplier('b'), 1);
  // t=7 s: the warm-up is over but the start's backlog is not drained yet: still the start.
  tick({ offered: offered({ a: 5, b: 5 }), served: 5, dropped: 5, queueWaitMs: 900, utilization: 1 });
  assert.equal(g.atCapacity, false, 'the backlog of the start');
  // t=8 s: the pool caught up once; from then on the same drops count.
  tick({ offered: offered({ a: 5, b: 5 }), served: 10, queueWaitMs: 50, utilization: 0.5 });
  tick({ offered: offered({ a: 5, b: 5 }), served: 5, dropped: 5, queueWaitMs: 900, utilization: 1 });
  assert.equal(g.atCapacity, true);
  assert.match(g.reason ?? '', /^inference at capacity: 5 crops dropped for capacity, queue wait 900 ms > 200 ms$/);
  // A camera added after the warm-up gets none: its drops count at once.
  const later = governor({ warmUpMs: 3000 });
  later.tick({ offered: offered({ a: 5 }), served: 5, utilization: 0.2 });
  for (let i = 0; i < 3; i++) later.tick({ offered: offered({ a: 5 }), served: 5, utilization: 0.2 });
  later.tick({ offered: offered({ a: 5, c: 10 }), served: 10, dropped: 5, utilization: 0.5 });
  assert.equal(later.g.reason, 'inference at capacity: 5 crops dropped for capacity');
  // A site overloaded from its start never catches up: its overload counts 2 x warmUpMs after the warm-up.
  const never = governor({ warmUpMs: 3000 });
  const overloaded = (): void => never.tick({ offered: offered({ a: 10 }), served: 5, dropped: 5, queueWaitMs: 900, utilization: 1 });
  for (let i = 0; i < 9; i++) overloaded();
  assert.equal(never.g.atCapacity, false, 't=9 s: within warm-up (until 4 s) + 6 s');
  overloaded();
  assert.equal(never.g.atCapacity, true, 't=10 s');
});

test('a queue wait over the limit is overload for two ticks in a row, or at once above twice the limit', () => {
  const { g, tick } = governor();
  const wait = (ms: number): void => tick({ offered: offered({ a: 20 }), served: 20, queueWaitMs: ms, utilization: 0.8 });
  wait(300);
  wait(50);
  wait(300);
  assert.equal(g.atCapacity, false, 'single slow seconds');
  wait(300);
  assert.equal(g.reason, 'inference at capacity: queue wait 300 ms > 200 ms');
  const severe = governor();
  severe.tick({ offered: offered({ a: 20 }), served: 20, queueWaitMs: 450, utilization: 0.8 });
  assert.equal(severe.g.reason, 'inference at capacity: queue wait 450 ms > 200 ms');
});

test('a busy pool alone is overload only when it stays busy for busyTicks ticks', () => {
  const { g, tick } = governor({ busyTicks: 3 });
  const busy = (): void => tick({ offered: offered({ a: 20 }), served: 20, queueWaitMs: 50, utilization: 0.99 });
  busy();
  busy();
  tick({ offered: offered({ a: 20 }), served: 20, queueWaitMs: 50, utilization: 0.9 });
  busy();
  busy();
  assert.equal(g.atCapacity, false, 'bursts of busy seconds served in time');
  busy();
  assert.equal(g.reason, 'inference at capacity: pool 99% busy > 95% for 3 s');
  assert.ok(g.multiplier('a') < 1);
});
