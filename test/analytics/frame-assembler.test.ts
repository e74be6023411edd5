import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameAssembler, type RegionOutcome } from '../../src/analytics/frame-assembler.ts';
import type { Detection } from '../../src/inference/types.ts';

const det = (label: string, x: number, score = 0.8): Detection => ({ label, classId: 0, score, box: { x, y: 10, width: 20, height: 20 } });
const region = (captureMs: number, regionCount: number, detections: Detection[]): RegionOutcome<string> => ({
  captureMs,
  regionCount,
  detections,
  extras: detections.map((d) => `${d.label}@${d.box.x}`),
});

test('a frame is released only when all its regions are back, with every detection of them', () => {
  const a = new FrameAssembler<string>();
  assert.deepEqual(a.add(region(100, 2, [det('person', 0)])), []);
  const out = a.add(region(100, 2, [det('car', 100)]));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.complete, true);
  assert.deepEqual(
    out[0]?.detections.map((d) => d.label),
    ['person', 'car'],
  );
  assert.deepEqual(out[0]?.extras, ['person@0', 'car@100']);
});

test('an older incomplete frame goes out first, marked incomplete, when a newer one completes', () => {
  const a = new FrameAssembler<string>();
  a.add(region(100, 3, [det('person', 0)]));
  const out = a.add(region(200, 1, [det('person', 5)]));
  assert.deepEqual(
    out.map((f) => [f.captureMs, f.complete]),
    [
      [100, false],
      [200, true],
    ],
  );
  assert.equal(a.incomplete, 1);
  assert.equal(a.size, 0);
});

test('a region of a frame already released is counted late and never released out of order', () => {
  const a = new FrameAssembler<string>();
  a.add(region(100, 2, [det('person', 0)]));
  a.add(region(200, 1, []));
  assert.deepEqual(a.add(region(100, 2, [det('car', 50)])), []);
  assert.equal(a.late, 1);
});

test('flush releases frames captured before the given time, oldest first, and keeps newer ones', () => {
  const a = new FrameAssembler<string>();
  a.add(region(100, 2, []));
  a.add(region(150, 2, []));
  a.add(region(300, 2, []));
  assert.deepEqual(
    a.flush(200).map((f) => f.captureMs),
    [100, 150],
  );
  assert.equal(a.size, 1);
});

test('two crops seeing the same object keep the higher-scored detection; other labels and places stay', () => {
  const a = new FrameAssembler<string>();
  a.add(region(100, 2, [det('person', 0, 0.6), det('car', 0, 0.9)]));
  const [frame] = a.add(region(100, 2, [det('person', 2, 0.7), det('person', 200, 0.5)]));
  assert.deepEqual(
    frame?.detections.map((d) => `${d.label}@${d.box.x}:${d.score}`),
    ['car@0:0.9', 'person@2:0.7', 'person@200:0.5'],
  );
  assert.deepEqual(frame?.extras, ['car@0', 'person@2', 'person@200']);
});
