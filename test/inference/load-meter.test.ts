import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CropSlab } from '../../src/inference/crop-slab.ts';
import { LoadMeter, type MeteredPool } from '../../src/inference/load-meter.ts';
import { OverloadGovernor } from '../../src/inference/overload.ts';
import { LatencyHistogram, PoolMeasurements } from '../../src/inference/pool-stats.ts';
import type { CameraQueueCounters } from '../../src/inference/scheduler.ts';
import { TestCamera } from './fixtures/test-camera.ts';

/** A pool stand-in whose measurements the test writes, as the real pool would after tasks. */
function fakePool(threads: number): MeteredPool & { m: PoolMeasurements } {
  const m = new PoolMeasurements();
  return {
    m,
    threads,
    stats: () => ({ counters: { ...m.counters }, queueWaitMs: m.queueWait.snapshot(), runMs: m.run.snapshot() }),
  };
}

function counters(submitted: number): CameraQueueCounters {
  return { submitted, dispatched: 0, rateLimited: 0, superseded: 0, pending: 0 };
}

test('the load meter reports each interval by difference: offered, served, drops, queue wait and utilisation', () => {
  let now = 0;
  const pool = fakePool(2);
  const submitted = new Map([
    ['a', 0],
    ['b', 0],
  ]);
  const meter = new LoadMeter(pool, { counters: (id) => counters(submitted.get(id) ?? 0) }, () => now);
  const a = new TestCamera('a', 2);
  const b = new TestCamera('b', 2);
  const slabs = new Map<string, CropSlab>([
    ['a', a.slab],
    ['b', b.slab],
  ]);
  // Interval 1: a sends 5 (3 replaced in its 2-slot slab), b sends 1; 4 crops served; 1.5 s of busy worker time.
  for (let i = 0; i < 5; i++) a.emit();
  b.emit();
  submitted.set('a', 5).set('b', 1);
  pool.m.counters.crops = 3;
  pool.m.counters.fallbackCrops = 1;
  for (const ms of [400, 500, 600]) pool.m.run.observe(ms);
  for (let i = 0; i < 10; i++) pool.m.queueWait.observe(i < 9 ? 1 : 400);
  now = 1000;
  const first = meter.sample(slabs);
  assert.deepEqual(
    [...first.offered],
    [
      ['a', 5],
      ['b', 1],
    ],
  );
  assert.equal(first.served, 4);
  assert.equal(first.dropped, 3);
  assert.equal(first.utilization, 1500 / (1000 * 2));
  assert.ok(first.queueWaitMs <= 1, `p90 ${first.queueWaitMs}: nine of ten waits were 1 ms`);
  // Interval 2: nothing new.
  now = 2000;
  const second = meter.sample(slabs);
  assert.deepEqual(
    [...second.offered],
    [
      ['a', 0],
      ['b', 0],
    ],
  );
  assert.deepEqual([second.served, second.dropped, second.utilization, second.queueWaitMs], [0, 0, 0, 0]);
});

test('a tick hands the governor its sample and writes the multipliers into the camera slabs', () => {
  let now = 0;
  const pool = fakePool(1);
  const submitted = new Map([
    ['windy', 0],
    ['calm', 0],
  ]);
  const meter = new LoadMeter(pool, { counters: (id) => counters(submitted.get(id) ?? 0) }, () => now);
  const governor = new OverloadGovernor({ warmUpMs: 0 }, () => now);
  const windy = new TestCamera('windy', 4);
  const calm = new TestCamera('calm', 4);
  const slabs = new Map<string, CropSlab>([
    ['windy', windy.slab],
    ['calm', calm.slab],
  ]);
  for (let i = 0; i < 40; i++) windy.emit();
  submitted.set('windy', 40).set('calm', 2);
  pool.m.counters.crops = 10;
  pool.m.run.observe(1000);
  now = 1000;
  meter.tick(governor, slabs);
  assert.ok(windy.slab.rateMultiplier < 0.3, `windy lowered to ${windy.slab.rateMultiplier}`);
  assert.equal(calm.slab.rateMultiplier, 1);
  assert.equal(governor.atCapacity, true);
});

test('latency histograms put each observation in its bucket and keep sum and count', () => {
  const h = new LatencyHistogram();
  for (const ms of [0.2, 0.5, 3, 4000]) h.observe(ms);
  const s = h.snapshot();
  assert.equal(s.count, 4);
  assert.equal(s.sum, 4003.7);
  assert.equal(s.buckets[0], 2, '0.2 and 0.5 are in the first bucket (<= 0.5 ms)');
  assert.equal(s.buckets[3], 1, '3 ms is in (2, 5]');
  assert.equal(s.buckets.at(-1), 1, '4 s is above the last edge');
});
