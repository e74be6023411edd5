import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameAssembler, type RegionOutcome } from '../../src/analytics/frame-assembler.ts';
import type { Detection } from '../../src/inference/types.ts';

const det = (label: string, x: number, score = 0.8): Detection => ({ label, classId: 0, score, box: { x, y: 10, width: 20, height: 20 } });
const WHOLE = { x: 0, y: 0, width: 1280, height: 720 };
const region = (captureMs: number, regionCount: number, detections: Detection[], rect = WHOLE): RegionOutcome<string> => ({
  captureMs,
  regionCount,
  region: rect,
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
  assert.equal(a.isLate(100), true);
  assert.equal(a.isLate(201), false);
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
  assert.deepEqual(frame?.discarded, ['person@0'], 'the twin dropped is handed back, so what it holds can be let go');
});

test("a slice of a person cut by one region's edge is dropped when another region saw the person whole", () => {
  // Measured at 320 (scene pair, t = 3.0 s): the right person's region cuts the left person, and
  // NanoDet reports the slice as a narrow person scoring above the whole one.
  const left = { x: 23, y: 320, width: 320, height: 320 };
  const right = { x: 183, y: 320, width: 320, height: 320 };
  const person = (x: number, width: number, score: number): Detection => ({
    label: 'person',
    classId: 0,
    score,
    box: { x, y: 380, width, height: 220 },
  });
  const a = new FrameAssembler<string>();
  a.add(region(100, 2, [person(116, 131, 0.53)], left));
  const [frame] = a.add(region(100, 2, [person(184, 67, 0.7), person(303, 81, 0.84)], right));
  assert.deepEqual(
    frame?.detections.map((d) => `${d.box.x}:${d.score}`),
    ['116:0.53', '303:0.84'],
  );
  assert.deepEqual(frame?.extras, ['person@116', 'person@303']);
  assert.deepEqual(frame?.discarded, ['person@184']);
});

test('a person cut by the edges of both regions that hold it keeps both pieces: neither region saw it whole', () => {
  const a = new FrameAssembler<string>();
  const piece = (x: number): Detection => ({ label: 'person', classId: 0, score: 0.6, box: { x, y: 100, width: 100, height: 300 } });
  a.add(region(100, 2, [piece(220)], { x: 0, y: 0, width: 320, height: 720 }));
  const [frame] = a.add(region(100, 2, [piece(300)], { x: 300, y: 0, width: 320, height: 720 }));
  assert.equal(frame?.detections.length, 2);
});
