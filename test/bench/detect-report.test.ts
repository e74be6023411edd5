/** The detect bench's verdict on a measured level: what fails it and what does not. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectLevelResult } from '../../bench/fixtures/detect-protocol.ts';
import { levelOf, lostRegions, shareLowerBound } from '../../bench/fixtures/detect-report.ts';
import { LATENCY_BUCKETS_MS } from '../../src/stats/latency-histogram.ts';

const BUDGET = { p99Ms: 500, lostShare: 0.01 };
const q = { count: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN };

/** A clean 30 s level of `cameras` cameras at 5 fps with `committed` crops, every result within 100 ms. */
function result(cameras: number, committed: number, throttledFrames: number, over500 = 0): DetectLevelResult {
  const buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  buckets[LATENCY_BUCKETS_MS.indexOf(100)] = committed - over500;
  buckets[LATENCY_BUCKETS_MS.indexOf(1000)] = over500;
  return {
    config: {
      pipeline: 'gated',
      cameras,
      width: 640,
      height: 360,
      fps: 5,
      settleTimeoutMs: 1,
      warmupMs: 1,
      catchUpTimeoutMs: 1,
      holdMs: 30_000,
    },
    poolThreads: 2,
    settleMs: 1000,
    warmupMs: 10_000,
    caughtUp: true,
    wallMs: 30_000,
    online: cameras,
    reconnects: 0,
    framesIn: cameras * 150,
    analysed: cameras * 150,
    ringFull: 0,
    event: q,
    personScores: q,
    captureToResult: { buckets, sum: 0, count: committed },
    inferences: committed,
    fallbackInferences: 0,
    poolBusyMs: 1000,
    regions: { committed, fullFramePasses: 6, lost: { maxRegions: 0, throttledFrames, queueFull: 0, inFlightFull: 0, discarded: 0 } },
    cpuMs: { own: 1000, ffmpeg: 100, server: 10, other: 0 },
    warnings: [],
  };
}

test('one candidate frame skipped by the governor in twenty regions does not fail a level; fourteen in three hundred do', () => {
  const quiet = levelOf(result(1, 19, 1), BUDGET);
  assert.equal(quiet.lostShare, 0.05);
  assert.equal(quiet.sustained, true, quiet.failures.join('; '));

  const busy = levelOf(result(2, 286, 14), BUDGET);
  assert.equal(busy.sustained, false);
  assert.match(busy.failures.join('; '), /^4\.7% of regions skipped \(14 of 300; > 1% with 95% confidence\)$/);
});

test('a level fails when more than 1% of crops came back over 500 ms after capture, a camera reconnected, or the start was never worked off', () => {
  assert.equal(levelOf(result(2, 300, 0, 3), BUDGET).sustained, true, '3 of 300 is 1%');
  assert.match(levelOf(result(2, 300, 0, 4), BUDGET).failures.join('; '), /p99 capture->result above 500 ms \(1\.3% of crops\)/);
  const reconnected = { ...result(2, 300, 0), reconnects: 1 };
  assert.deepEqual(levelOf(reconnected, BUDGET).failures, ['1 reconnects']);
  const behind = { ...result(2, 300, 0), caughtUp: false, warmupMs: 40_000 };
  assert.deepEqual(levelOf(behind, BUDGET).failures, [
    "the pool had not worked off the start's backlog 40 s after every camera was online",
  ]);
});

test('regions wanted count the committed crops, the dropped before commit and the skipped; lost counts every reason', () => {
  const counts = {
    committed: 100,
    fullFramePasses: 6,
    lost: { maxRegions: 2, throttledFrames: 3, queueFull: 4, inFlightFull: 5, discarded: 6 },
  };
  assert.deepEqual(lostRegions(counts), { wanted: 110, lost: 20 });
  assert.equal(shareLowerBound(0, 0), 0);
  assert.ok(shareLowerBound(1, 20) < 0.01 && shareLowerBound(14, 300) > 0.01);
});
