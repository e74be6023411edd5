import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Candidates } from '../../src/inference/decode/candidates.ts';
import { nonMaxSuppression } from '../../src/inference/nms.ts';

type Box = readonly [x1: number, y1: number, x2: number, y2: number, score: number, classId: number];

function candidates(boxes: readonly Box[]): Candidates {
  const c = new Candidates(1);
  c.reset(boxes.length);
  for (const b of boxes) c.push(...b);
  return c;
}

const kept = (boxes: readonly Box[], iou = 0.45, max = 100): number[] => [...nonMaxSuppression(candidates(boxes), iou, max)];

test('a box overlapping a higher-scored box of its class is dropped, one of another class is kept', () => {
  assert.deepEqual(
    kept([
      [0, 0, 10, 10, 0.8, 0],
      [1, 0, 11, 10, 0.9, 0],
      [0, 1, 10, 11, 0.7, 1],
    ]),
    [1, 2],
  );
});

test('kept boxes come highest score first', () => {
  assert.deepEqual(
    kept([
      [0, 0, 1, 1, 0.3, 0],
      [5, 5, 6, 6, 0.9, 0],
      [9, 9, 10, 10, 0.6, 0],
    ]),
    [1, 2, 0],
  );
});

test('an IoU exactly at the threshold does not suppress; only above it does', () => {
  // Intersection 50, union 100.
  const pair: Box[] = [
    [0, 0, 10, 10, 0.9, 0],
    [0, 0, 10, 5, 0.8, 0],
  ];
  assert.deepEqual(kept(pair, 0.5), [0, 1]);
  assert.deepEqual(kept(pair, 0.49), [0]);
});

test('a suppressed box suppresses nothing (greedy): A drops B, and C that only B overlaps stays', () => {
  assert.deepEqual(
    kept(
      [
        [0, 0, 10, 10, 0.9, 0],
        [4, 0, 14, 10, 0.8, 0],
        [8, 0, 18, 10, 0.7, 0],
      ],
      0.4,
    ),
    [0, 2],
  );
});

test('equal scores keep candidate order, so the earlier of two identical boxes wins', () => {
  assert.deepEqual(
    kept([
      [20, 20, 30, 30, 0.5, 0],
      [0, 0, 10, 10, 0.5, 0],
      [0, 0, 10, 10, 0.5, 0],
    ]),
    [0, 1],
  );
});

test('maxDetections keeps the highest-scored survivors', () => {
  assert.deepEqual(
    kept(
      [
        [0, 0, 1, 1, 0.3, 0],
        [5, 5, 6, 6, 0.9, 0],
        [9, 9, 10, 10, 0.6, 0],
      ],
      0.45,
      2,
    ),
    [1, 2],
  );
});

test('no candidates give no detections', () => {
  assert.deepEqual(kept([]), []);
});
