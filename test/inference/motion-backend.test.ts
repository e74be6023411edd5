import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MotionDetector } from '../../src/native/index.ts';
import { MotionBackend, mergeOverlapping, motionScore } from '../../src/inference/backends/motion.ts';
import { changedContrast } from '../../src/inference/contrast.ts';
import type { DetectorInput } from '../../src/inference/types.ts';

const input = (motion: DetectorInput['motion'], contrast: number): DetectorInput => ({
  tensor: null,
  motion,
  contrast,
  region: { x: 0, y: 0, width: 100, height: 100 },
  mapping: { roi: { x: 0, y: 0, width: 100, height: 100 }, scaleX: 1, scaleY: 1, padX: 0, padY: 0, contentWidth: 100, contentHeight: 100 },
});

test('overlapping motion boxes merge into one, chains included, and their areas add up', () => {
  const merged = mergeOverlapping([
    { x: 0, y: 0, width: 10, height: 10, area: 30 },
    { x: 50, y: 50, width: 5, height: 5, area: 10 },
    { x: 8, y: 8, width: 10, height: 10, area: 40 },
    { x: 16, y: 0, width: 4, height: 10, area: 5 },
  ]);
  assert.deepEqual(merged, [
    { x: 0, y: 0, width: 20, height: 18, area: 75 },
    { x: 50, y: 50, width: 5, height: 5, area: 10 },
  ]);
});

test('with no gap allowed, boxes that only touch stay apart', () => {
  assert.equal(
    mergeOverlapping([
      { x: 0, y: 0, width: 10, height: 10, area: 1 },
      { x: 10, y: 0, width: 10, height: 10, area: 1 },
    ]).length,
    2,
  );
});

test('pieces of one object a few pixels apart (a trail split by the threshold) become one detection; farther boxes do not', async () => {
  const backend = new MotionBackend();
  const piece = (x: number, width: number): { x: number; y: number; width: number; height: number; area: number } => ({
    x,
    y: 120,
    width,
    height: 40,
    area: width * 40,
  });
  const [split] = await backend.detect([
    {
      tensor: null,
      mapping: null as never,
      region: { x: 0, y: 100, width: 320, height: 80 },
      contrast: 80,
      motion: [piece(60, 78), piece(140, 40)],
    },
  ]);
  assert.deepEqual(
    split?.map((d) => d.box),
    [{ x: 60, y: 120, width: 120, height: 40 }],
  );
  const [apart] = await backend.detect([
    {
      tensor: null,
      mapping: null as never,
      region: { x: 0, y: 100, width: 320, height: 80 },
      contrast: 80,
      motion: [piece(20, 40), piece(100, 40)],
    },
  ]);
  assert.equal(apart?.length, 2);
});

test('the motion score grows with area and contrast, stays in 0..1 and follows the documented formula', () => {
  assert.equal(motionScore(0, 100, 400, 40), 0);
  assert.equal(motionScore(400, 0, 400, 40), 0);
  assert.ok(Math.abs(motionScore(400, 40, 400, 40) - (1 - Math.exp(-1)) ** 2) < 1e-12);
  assert.ok(motionScore(1600, 40, 400, 40) > motionScore(400, 40, 400, 40));
  assert.ok(motionScore(400, 80, 400, 40) > motionScore(400, 40, 400, 40));
  assert.ok(motionScore(1e9, 255, 400, 40) <= 1);
  assert.ok(motionScore(16, 26, 400, 40) < 0.05, 'a speck just over the threshold is nearly nothing');
});

test('the motion backend needs no tensor and labels every merged box motion', async () => {
  const backend = new MotionBackend({ areaScale: 100, contrastScale: 20 });
  assert.equal(backend.tensor, null);
  const [first, second] = await backend.detect([
    input(
      [
        { x: 0, y: 0, width: 10, height: 10, area: 100 },
        { x: 5, y: 5, width: 10, height: 10, area: 100 },
      ],
      20,
    ),
    input([], 50),
  ]);
  assert.deepEqual(first, [
    { label: 'motion', classId: -1, score: (1 - Math.exp(-2)) * (1 - Math.exp(-1)), box: { x: 0, y: 0, width: 15, height: 15 } },
  ]);
  assert.deepEqual(second, []);
});

test('motion backend options are validated', () => {
  assert.throws(() => new MotionBackend({ areaScale: -1 }));
  assert.throws(() => new MotionBackend({ bogus: 1 } as never));
});

test('changed contrast recovers the luma step of a moving square after the background was blended', () => {
  const width = 64;
  const height = 48;
  const still = new Uint8Array(width * height).fill(100);
  const moved = still.slice();
  for (let y = 10; y < 30; y++) for (let x = 20; x < 40; x++) moved[y * width + x] = 160;
  const alpha = 0.2;
  const detector = new MotionDetector({ width, height, alpha, threshold: 25, minArea: 16 });
  detector.detect(still);
  detector.detect(still);
  detector.detect(moved);
  const [box] = detector.result().boxes;
  assert.deepEqual(box, { x: 20, y: 10, width: 20, height: 20, area: 400 });
  const contrast = changedContrast(moved, detector.referencePlane, width, box, 25, alpha);
  assert.ok(Math.abs(contrast - 60) < 1e-3, `contrast ${contrast}`);
  assert.equal(changedContrast(still, still, width, box, 25), 0, 'no changed pixel, no contrast');
});

test('changed contrast averages only the pixels over the threshold and clips the box to the plane', () => {
  const width = 8;
  const cur = new Uint8Array(64).fill(0);
  const ref = new Uint8Array(64).fill(0);
  cur[9] = 30; // over 25
  cur[10] = 90;
  cur[11] = 20; // under: ignored
  assert.equal(changedContrast(cur, ref, width, { x: -4, y: -4, width: 100, height: 100 }, 25), 60);
  assert.throws(() => changedContrast(cur, ref, width, { x: 0, y: 0, width: 1, height: 1 }, 25, 1), RangeError);
});
