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
  assert.match(g.reason ?? '', /at capacity: 25 crops dropped for capacity, pool 100% busy > 95%/);
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

test('during the warm-up after the first crops, slow queues and a busy pool are not overload; drops are', () => {
  const { g, tick } = governor({ warmUpMs: 3000 });
  tick({ offered: offered({ a: 0 }), served: 0 });
  // Start-up: the first crops wait while threads compile their hot code.
  tick({ offered: offered({ a: 5 }), served: 5, queueWaitMs: 900, utilization: 1 });
  assert.equal(g.atCapacity, false);
  assert.equal(g.multiplier('a'), 1);
  tick({ offered: offered({ a: 5 }), served: 5, queueWaitMs: 900, utilization: 1 });
  assert.equal(g.atCapacity, false);
  tick({ offered: offered({ a: 8, b: 2 }), served: 5, dropped: 5, queueWaitMs: 900 });
  assert.equal(g.atCapacity, true, 'a crop dropped for capacity is overload even while warming up');
  assert.equal(g.reason, 'inference at capacity: 5 crops dropped for capacity');
  // 3 s after the first crops the same slow queue counts.
  tick({ offered: offered({ a: 5 }), served: 5, queueWaitMs: 900 });
  assert.match(g.reason ?? '', /queue wait 900 ms > 200 ms/);
});
