import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { iou, Tracker, trackerOptionsSchema, type TrackerUpdate } from '../../src/analytics/tracker.ts';
import type { Detection } from '../../src/inference/types.ts';
import { MotionDetector } from '../../src/native/index.ts';
import { renderMovingBoxes, truthBox, type MovingBoxesScene } from '../support/moving-boxes.ts';

/**
 * Tracked boxes must overlap the drawn boxes at least this much in every frame, and this much on
 * average. With the noise below, noise pixels touching a box join its motion component now and then
 * (measured: worst 0.64, mean 0.98), so the boxes are not simply the drawn ones.
 */
const MIN_IOU = 0.5;
const MEAN_IOU = 0.9;
const FRAME_MS = 100;

/**
 * Three objects at 10 fps over a dark background with temporal noise: a large box leaving through the
 * right edge, a small fast one (8x8, 12 px a frame: consecutive boxes never overlap) and a box that
 * vanishes mid-frame. Paths do not touch, so motion never merges two objects into one component.
 * Frames 0-1 have no objects: the background to learn.
 */
const scene: MovingBoxesScene = {
  width: 320,
  height: 180,
  fps: 10,
  frameCount: 80,
  background: 32,
  noise: 12,
  boxes: [
    { name: 'large', width: 40, height: 30, luma: 220, x0: 10, y0: 20, dx: 6, dy: 0, firstFrame: 2, lastFrame: 79 },
    { name: 'small-fast', width: 8, height: 8, luma: 160, x0: 10, y0: 150, dx: 12, dy: -2, firstFrame: 2, lastFrame: 79 },
    { name: 'vanishing', width: 30, height: 36, luma: 120, x0: 280, y0: 56, dx: -4, dy: 0, firstFrame: 10, lastFrame: 56 },
  ],
};

/** The last frame in which each object is visible (drawn and inside the frame). */
function lastVisible(index: number): number {
  const box = scene.boxes[index]!;
  let last = -1;
  for (let n = 0; n < scene.frameCount; n++) if (truthBox(scene, box, n)) last = n;
  return last;
}

/** Motion detections from the native kernel: a near-static background, so whole boxes are foreground. */
function motionDetections(frames: Uint8Array[]): Detection[][] {
  const motion = new MotionDetector({ width: scene.width, height: scene.height, threshold: 25, minArea: 16, alpha: 0.005 });
  return frames.map((frame) => {
    motion.detect(frame);
    return motion.result().boxes.map((b) => ({
      label: 'motion',
      classId: -1,
      score: 1,
      box: { x: b.x, y: b.y, width: b.width, height: b.height },
    }));
  });
}

describe('tracking moving boxes from real motion detections', () => {
  let detections: Detection[][] = [];
  let updates: TrackerUpdate[] = [];

  function track(maxAgeMs: number): TrackerUpdate[] {
    const tracker = new Tracker({ maxAgeMs, minHits: 2 });
    return detections.map((d, n) => tracker.update(d, n * FRAME_MS));
  }

  before(() => {
    detections = motionDetections(renderMovingBoxes(scene).frames);
    updates = track(2000);
  });

  /** For each object, the ids of the tracks whose box matched its truth box, frame by frame. */
  function idsByObject(list = updates): Map<string, Set<number>> {
    const ids = new Map(scene.boxes.map((b) => [b.name, new Set<number>()]));
    list.forEach((u, n) => {
      for (const b of scene.boxes) {
        const truth = truthBox(scene, b, n);
        if (!truth) continue;
        for (const t of u.updated) if (iou(t.box, truth) >= MIN_IOU) ids.get(b.name)!.add(t.id);
      }
    });
    return ids;
  }

  test('each object keeps one track id over its whole path, and the objects have different ids', () => {
    const ids = idsByObject();
    for (const [name, set] of ids) assert.equal(set.size, 1, `${name}: ids ${[...set].join(', ')}`);
    const all = [...ids.values()].map((s) => [...s][0]);
    assert.equal(new Set(all).size, scene.boxes.length);
  });

  test('the tracker starts exactly as many tracks as there are objects, with ids counted from 1', () => {
    const started = updates.flatMap((u) => u.started.map((t) => t.id));
    assert.deepEqual(started.sort(), [1, 2, 3]);
  });

  test(`in every frame after confirmation each visible object has a tracked box with IoU >= ${MIN_IOU}, ${MEAN_IOU} on average`, () => {
    let checked = 0;
    let sum = 0;
    updates.forEach((u, n) => {
      for (const b of scene.boxes) {
        const truth = truthBox(scene, b, n);
        // minHits 2: a track is confirmed (and reported) from the object's second frame on.
        if (!truth || n < b.firstFrame + 1) continue;
        const best = Math.max(0, ...u.updated.map((t) => iou(t.box, truth)));
        assert.ok(best >= MIN_IOU, `frame ${n}, ${b.name}: best IoU ${best.toFixed(3)} with ${JSON.stringify(truth)}`);
        checked++;
        sum += best;
      }
    });
    assert.ok(checked > 100, `checked ${checked} object-frames`);
    assert.ok(sum / checked >= MEAN_IOU, `mean IoU ${sum / checked}`);
  });

  test("a track starts on its object's second frame (minHits 2)", () => {
    const ids = idsByObject();
    scene.boxes.forEach((b) => {
      const id = [...ids.get(b.name)!][0];
      const n = updates.findIndex((u) => u.started.some((t) => t.id === id));
      assert.equal(n, b.firstFrame + 1, b.name);
    });
  });

  for (const maxAgeMs of [2000, 500]) {
    test(`a track ends maxAgeMs (${maxAgeMs} ms) after its object was last seen, and not a frame earlier`, () => {
      const list = maxAgeMs === 2000 ? updates : track(maxAgeMs);
      const ids = idsByObject(list);
      scene.boxes.forEach((b, index) => {
        const id = [...ids.get(b.name)!][0];
        const last = lastVisible(index);
        const endFrame = list.findIndex((u) => u.ended.some((t) => t.id === id));
        assert.equal(endFrame, last + maxAgeMs / FRAME_MS, `${b.name} was last visible in frame ${last}`);
        const ended = list[endFrame]!.ended.find((t) => t.id === id)!;
        assert.equal(ended.lastSeenMs, last * FRAME_MS);
        assert.ok(
          list[endFrame - 1]!.active.some((t) => t.id === id),
          `${b.name} is still active a frame before`,
        );
        assert.ok(!list[endFrame]!.active.some((t) => t.id === id), `${b.name} is not active once ended`);
      });
    });
  }
});

describe('tracker rules', () => {
  const det = (x: number, label = 'car'): Detection => ({ label, classId: 0, score: 0.9, box: { x, y: 10, width: 20, height: 20 } });

  test('a detection seen in one frame only never becomes a track', () => {
    const tracker = new Tracker({ minHits: 2 });
    const first = tracker.update([det(10)], 0);
    const second = tracker.update([], 100);
    assert.deepEqual([first.started, second.started, second.active], [[], [], []]);
    assert.deepEqual(tracker.update([det(12)], 200).started, []);
  });

  test('a car and a person at the same place get separate tracks', () => {
    const tracker = new Tracker({ minHits: 1 });
    const u = tracker.update([det(10, 'car'), det(10, 'person')], 0);
    assert.deepEqual(
      u.started.map((t) => [t.id, t.label]),
      [
        [1, 'car'],
        [2, 'person'],
      ],
    );
    const next = tracker.update([det(12, 'person'), det(11, 'car')], 100);
    assert.deepEqual(next.updated.map((t) => [t.id, t.label]).sort(), [
      [1, 'car'],
      [2, 'person'],
    ]);
  });

  test('endAll ends every confirmed track at once', () => {
    const tracker = new Tracker({ minHits: 1 });
    tracker.update([det(10), det(100)], 0);
    assert.deepEqual(
      tracker.endAll().map((t) => t.id),
      [1, 2],
    );
    assert.deepEqual(tracker.update([], 100).active, []);
  });

  test('a confirmed track coasts through missed frames on its predicted path and keeps its id', () => {
    const tracker = new Tracker({ minHits: 2 });
    const at = (n: number): Detection => ({ label: 'car', classId: 0, score: 0.9, box: { x: 10 + 10 * n, y: 10, width: 20, height: 20 } });
    for (let n = 0; n < 5; n++) tracker.update([at(n)], n * 100);
    // Five frames without the car (0.5 s), then it is 100 px on, far beyond its last box.
    let coasting = null;
    for (let n = 5; n < 10; n++) coasting = tracker.update([], n * 100).active[0]!;
    assert.ok(Math.abs(coasting!.predicted.x - 100) < 5, `predicted at ${coasting!.predicted.x}`);
    assert.equal(coasting!.box.x, 50, 'box stays the last detection');
    const back = tracker.update([at(10)], 1000);
    assert.deepEqual(
      back.updated.map((t) => t.id),
      [1],
    );
    assert.deepEqual(back.started, []);
  });

  test('two exact tracks crossing head-on keep their ids where both boxes overlap', () => {
    const tracker = new Tracker({ minHits: 1 });
    const a = (n: number): Detection => ({
      label: 'person',
      classId: 0,
      score: 0.9,
      box: { x: 10 + 10 * n, y: 20, width: 20, height: 40 },
    });
    const b = (n: number): Detection => ({
      label: 'person',
      classId: 0,
      score: 0.9,
      box: { x: 210 - 10 * n, y: 24, width: 20, height: 40 },
    });
    for (let n = 0; n <= 20; n++) {
      // Detection order alternates, so order cannot carry identity.
      const u = tracker.update(n % 2 === 0 ? [a(n), b(n)] : [b(n), a(n)], n * 100);
      const idOfA = u.updated.find((t) => t.detection === (n % 2 === 0 ? 0 : 1))!.id;
      assert.equal(idOfA, 1, `frame ${n}`);
    }
  });

  test('low-score detections keep a confirmed track but never start one or confirm noise', () => {
    const tracker = new Tracker({ minHits: 2, highScore: 0.5, lowScore: 0.1 });
    const d = (x: number, score: number): Detection => ({ label: 'car', classId: 0, score, box: { x, y: 10, width: 20, height: 20 } });
    assert.deepEqual(tracker.update([d(10, 0.3)], 0).active, []);
    assert.deepEqual(tracker.update([d(12, 0.3)], 100).active, [], 'low scores alone start nothing');
    tracker.update([d(14, 0.9)], 200);
    assert.deepEqual(
      tracker.update([d(16, 0.9)], 300).started.map((t) => t.id),
      [1],
    );
    const low = tracker.update([d(18, 0.2)], 400);
    assert.deepEqual(
      low.updated.map((t) => [t.id, t.score]),
      [[1, 0.2]],
    );
    const ignored = tracker.update([d(20, 0.05)], 500);
    assert.deepEqual([ignored.updated, ignored.active.map((t) => t.lastSeenMs)], [[], [400]]);
  });

  test('a low-score detection only a little away from a track is not taken: the second stage gate is stricter', () => {
    const tracker = new Tracker({ minHits: 1 });
    const d = (x: number, score: number): Detection => ({ label: 'car', classId: 0, score, box: { x, y: 10, width: 20, height: 20 } });
    tracker.update([d(10, 0.9)], 0);
    // 20 px (one side) away 0.4 s later: within the first stage's gate (reach 0.5 + 1.5 x 0.4 sides), beyond the second's.
    assert.deepEqual(tracker.update([d(30, 0.3)], 400).updated, []);
    assert.deepEqual(
      tracker.update([d(30, 0.9)], 500).updated.map((t) => t.id),
      [1],
    );
  });

  test('a confirmed track reaches only as far from its prediction as its object can walk since it was last seen', () => {
    const tracker = new Tracker({ minHits: 1 });
    const d = (x: number): Detection => ({ label: 'person', classId: 0, score: 0.9, box: { x, y: 10, width: 20, height: 40 } });
    tracker.update([d(100)], 0);
    // 48 px (1.2 heights) off a still person 0.2 s later: further than 0.5 + 1.5 x 0.2 heights, a neighbour, not them.
    const near = tracker.update([d(148)], 200);
    assert.deepEqual([near.updated.map((t) => t.id), near.active.map((t) => t.box.x)], [[2], [100, 148]]);
    // The same distance after 0.6 s of not being seen (a missed detection or two) is within reach.
    const later = new Tracker({ minHits: 1 });
    later.update([d(100)], 0);
    assert.deepEqual(
      later.update([d(148)], 600).updated.map((t) => t.id),
      [1],
    );
    // maxSpeed is the knob: a fast object's track may reach further.
    const fast = new Tracker({ minHits: 1, maxSpeed: 5 });
    fast.update([d(100)], 0);
    assert.deepEqual(
      fast.update([d(148)], 200).updated.map((t) => t.id),
      [1],
    );
  });

  test('the options schema fills defaults and rejects unknown keys and out-of-range values', () => {
    assert.deepEqual(trackerOptionsSchema.parse({}), {
      maxAgeMs: 2000,
      minHits: 2,
      centroidGate: 2,
      maxSpeed: 1.5,
      maxAreaRatio: 4,
      highScore: 0.5,
      lowScore: 0.1,
    });
    assert.throws(() => trackerOptionsSchema.parse({ maxAge: 5 }), /maxAge/);
    assert.throws(() => trackerOptionsSchema.parse({ minIou: 0.3 }), /minIou/);
    assert.throws(() => new Tracker({ minHits: 0 }), /minHits/);
    assert.throws(() => new Tracker({ centroidGate: 0 }), /centroidGate/);
    assert.throws(() => new Tracker({ highScore: 0.3, lowScore: 0.4 }), /lowScore must not exceed highScore/);
  });
});
