import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullFrameRegions, selectRegions, type RegionOptions } from '../../src/channel/regions.ts';
import type { Rect } from '../../src/native/index.ts';

/** A 1280x720 detect frame and a 416x416 detector. */
const o: RegionOptions = { frameWidth: 1280, frameHeight: 720, padding: 0.1, minSide: 416, maxRegions: 4 };

const box = (x: number, y: number, width: number, height: number, area = width * height) => ({ x, y, width, height, area });

test('a small box becomes a detector-sized square centred on it', () => {
  const { regions, skipped } = selectRegions([box(600, 300, 40, 80)], o);
  assert.deepEqual(regions, [{ x: 412, y: 132, width: 416, height: 416 }]);
  assert.equal(skipped, 0);
});

test('a square near the edge is shifted inside the frame, never cut', () => {
  const { regions } = selectRegions([box(1270, 700, 10, 20)], o);
  assert.deepEqual(regions, [{ x: 864, y: 304, width: 416, height: 416 }]);
});

test('a person whose motion splits into torso and legs is one region', () => {
  // Torso and legs 30 px apart (the belt matches the background), one 200 px person.
  const { regions } = selectRegions([box(500, 200, 60, 80), box(505, 310, 50, 90)], o);
  assert.equal(regions.length, 1);
  const [r] = regions as [Rect];
  assert.ok(r.x <= 500 && r.y <= 200 && r.x + r.width >= 560 && r.y + r.height >= 400, 'covers both pieces');
  assert.equal(r.width, 416);
});

test('pieces of an object larger than a region merge when close, and far-apart objects stay apart', () => {
  // A near truck: two 300 px pieces 20 px apart (under a tenth of the region side) are one object ...
  const truck = selectRegions([box(100, 100, 300, 300), box(420, 120, 300, 280)], o);
  assert.equal(truck.regions.length, 1);
  assert.ok((truck.regions[0] as Rect).width >= 620);
  // ... and two people 700 px apart are two regions.
  const two = selectRegions([box(100, 300, 40, 100), box(900, 300, 40, 100)], o);
  assert.equal(two.regions.length, 2);
  assert.ok(two.regions.every((r) => r.width === 416 && r.height === 416));
});

test('no more than maxRegions a frame, most motion first, and the rest are counted as skipped', () => {
  const boxes = Array.from({ length: 6 }, (_, i) => box(i * 210, (i % 2) * 500, 20, 20, 100 + i));
  const { regions, skipped } = selectRegions(boxes, { ...o, minSide: 100, padding: 0, maxRegions: 3 });
  assert.equal(regions.length, 3);
  assert.equal(skipped, 3);
  assert.deepEqual(
    regions.map((r) => r.x + 50),
    [5 * 210 + 10, 4 * 210 + 10, 3 * 210 + 10],
    'the three largest areas',
  );
});

test('a cluster already inside a region with more motion is not a region of its own', () => {
  const big = box(200, 200, 500, 300);
  const inside = box(600, 100, 30, 30, 10); // inside big's padded square, 70 px away: too far to merge
  const { regions, skipped } = selectRegions([big, inside], { ...o, maxRegions: 1 });
  assert.equal(regions.length, 1);
  assert.equal(skipped, 0);
});

test('a region larger than the frame on one axis spans the frame on that axis', () => {
  const { regions } = selectRegions([box(0, 0, 600, 360)], { ...o, frameWidth: 640, frameHeight: 360, padding: 0 });
  assert.deepEqual(regions, [{ x: 0, y: 0, width: 600, height: 360 }]);
});

/** Every pixel of the frame lies in some tile. */
function covers(tiles: Rect[], width: number, height: number): boolean {
  for (let y = 0; y < height; y += 7) {
    for (let x = 0; x < width; x += 7) {
      if (!tiles.some((t) => x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height)) return false;
    }
  }
  return true;
}

test('the full-frame pass is the whole frame up to twice the detector size, else overlapping squares of the shorter side', () => {
  assert.deepEqual(fullFrameRegions(640, 360, 416), [{ x: 0, y: 0, width: 640, height: 360 }]);
  assert.deepEqual(fullFrameRegions(832, 468, 416), [{ x: 0, y: 0, width: 832, height: 468 }]);
  assert.deepEqual(fullFrameRegions(1280, 720, 416), [
    { x: 0, y: 0, width: 720, height: 720 },
    { x: 560, y: 0, width: 720, height: 720 },
  ]);
  const wide = fullFrameRegions(2560, 720, 416);
  assert.equal(wide.length, 4);
  assert.ok(covers(wide, 2560, 720));
  const portrait = fullFrameRegions(720, 1280, 320);
  assert.deepEqual(
    portrait.map((t) => [t.x, t.y, t.width, t.height]),
    [
      [0, 0, 720, 720],
      [0, 560, 720, 720],
    ],
  );
  const smallModel = fullFrameRegions(1920, 1080, 128);
  assert.ok(smallModel.every((t) => t.width === 1080 && t.height === 1080) && covers(smallModel, 1920, 1080));
});
