import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectRegions, type RegionOptions } from '../../src/channel/regions.ts';

const o: RegionOptions = { frameWidth: 640, frameHeight: 360, padding: 0.1, minSide: 160, maxRegions: 4 };

test('a small box becomes a detector-sized square centred on it', () => {
  const [r] = selectRegions([{ x: 300, y: 150, width: 20, height: 40 }], o);
  assert.deepEqual(r, { x: 230, y: 90, width: 160, height: 160 });
});

test('a square near the edge is shifted inside the frame, never cut', () => {
  const [r] = selectRegions([{ x: 0, y: 340, width: 10, height: 20 }], o);
  assert.deepEqual(r, { x: 0, y: 200, width: 160, height: 160 });
});

test('touching boxes merge into one region and distant boxes stay apart', () => {
  const regions = selectRegions(
    [
      { x: 100, y: 100, width: 30, height: 30 },
      { x: 125, y: 110, width: 30, height: 30 },
      { x: 500, y: 20, width: 20, height: 20 },
    ],
    { ...o, minSide: 40 },
  );
  assert.equal(regions.length, 2);
  assert.ok(regions.every((r) => r.width === r.height), 'squares');
  assert.ok(regions.some((r) => r.x <= 100 && r.x + r.width >= 155), 'the merged region covers both boxes');
});

test('no more than maxRegions come back, largest first', () => {
  const boxes = Array.from({ length: 10 }, (_, i) => ({ x: i * 64, y: 10 + (i % 2) * 200, width: 10 + i, height: 10 + i }));
  const regions = selectRegions(boxes, { ...o, minSide: 8, padding: 0, maxRegions: 3 });
  assert.equal(regions.length, 3);
  const areas = regions.map((r) => r.width * r.height);
  assert.deepEqual(areas, [...areas].sort((a, b) => b - a));
  assert.equal(regions[0]?.width, 19);
});

test('a box wider than the frame is tall grows to a square as far as the frame allows', () => {
  const [r] = selectRegions([{ x: 0, y: 0, width: 600, height: 360 }], { ...o, padding: 0 });
  assert.deepEqual(r, { x: 0, y: 0, width: 600, height: 360 });
});
