import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QuietAreas } from '../../src/analytics/quiet-areas.ts';
import { MAX_QUIET_AREAS } from '../../src/channel/tracked-boxes.ts';
import type { Detection } from '../../src/inference/types.ts';

const region = { x: 0, y: 0, width: 256, height: 256 };
const person = (x: number, y: number): Detection => ({ label: 'person', classId: 0, score: 0.8, box: { x, y, width: 40, height: 100 } });

describe('quiet areas', () => {
  test('an empty result makes its motion boxes quiet, clipped to the region the detector saw', () => {
    const q = new QuietAreas();
    q.observe(
      1000,
      region,
      [
        { x: 10, y: 20, width: 30, height: 40 },
        { x: 240, y: 0, width: 40, height: 10 },
      ],
      [],
    );
    assert.deepEqual(q.areas, [
      { x: 10, y: 20, width: 30, height: 40, timeMs: 1000 },
      { x: 240, y: 0, width: 16, height: 10, timeMs: 1000 },
    ]);
  });

  test('a detection ends the areas it touches and keeps the others', () => {
    const q = new QuietAreas();
    q.observe(
      1000,
      region,
      [
        { x: 10, y: 20, width: 30, height: 40 },
        { x: 200, y: 200, width: 20, height: 20 },
      ],
      [],
    );
    q.observe(1200, region, [{ x: 10, y: 20, width: 40, height: 40 }], [person(20, 30)]);
    assert.deepEqual(
      q.areas.map((a) => a.x),
      [200],
    );
  });

  test('a result older than the newest detection adds nothing (results come back out of order)', () => {
    const q = new QuietAreas();
    q.observe(1400, region, [{ x: 10, y: 20, width: 40, height: 40 }], [person(20, 30)]);
    q.observe(1200, region, [{ x: 10, y: 20, width: 30, height: 40 }], []);
    assert.equal(q.areas.length, 0);
    q.observe(1600, region, [{ x: 100, y: 20, width: 30, height: 40 }], []);
    assert.equal(q.areas.length, 1);
  });

  test('areas expire after the track gate stops trusting them, and only the newest are kept', () => {
    const q = new QuietAreas();
    q.observe(0, region, [{ x: 1, y: 1, width: 5, height: 5 }], []);
    q.observe(6000, region, [{ x: 2, y: 1, width: 5, height: 5 }], []);
    assert.deepEqual(
      q.areas.map((a) => a.timeMs),
      [6000],
    );
    for (let i = 0; i < MAX_QUIET_AREAS + 4; i++) q.observe(7000 + i, region, [{ x: i, y: 0, width: 5, height: 5 }], []);
    assert.equal(q.areas.length, MAX_QUIET_AREAS);
    assert.equal(q.areas.at(-1)?.timeMs, 7000 + MAX_QUIET_AREAS + 3);
  });
});
