/**
 * One camera's analytics end to end on rendered colour video: motion detections of a textured object
 * walking through (merged as the motion backend merges them, relabelled as a detector would), frame
 * assembly, tracking, best shot from the yuv420p frame (whole, as a crop slab with whole snapshots
 * holds it), the decision engine, the snapshot store.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { CameraAnalytics } from '../../src/analytics/camera-analytics.ts';
import { DecisionEngine } from '../../src/analytics/decisions/engine.ts';
import { createEventIdSource } from '../../src/analytics/decisions/event-id.ts';
import { cameraDecisionsSchema, globalDecisionsSchema } from '../../src/analytics/decisions/options.ts';
import { EventBus, type EventMessage } from '../../src/analytics/events.ts';
import { FramePool } from '../../src/analytics/frame-pool.ts';
import { SnapshotStore } from '../../src/analytics/snapshot-store.ts';
import { BOX_FIELDS, MAX_QUIET_AREAS, MAX_TRACKED_BOXES, QUIET_FIELDS, TrackedBoxes } from '../../src/channel/tracked-boxes.ts';
import { mergeOverlapping } from '../../src/inference/backends/motion.ts';
import type { Detection, Face } from '../../src/inference/types.ts';
import { cropResize, MotionDetector, type Rect } from '../../src/native/index.ts';
import { lavfiGraphFrames } from '../support/video.ts';

const W = 320,
  H = 180,
  FPS = 10,
  COUNT = 48;
/** Frames in which the walker faces the camera: a face detector finds its face there. */
const FACING = [18, 19, 20, 21];

/**
 * A 40x60 testsrc2 patch entering through the left edge at 8 px a frame and leaving through the right
 * one, over a flat gray background; frames 0-1 are the background alone.
 */
const GRAPH =
  `color=c=0x404040:size=${W}x${H}:rate=${FPS}[bg];testsrc2=size=40x60:rate=${FPS}[p];` +
  `[bg][p]overlay=x='-40+8*(n-2)':y=60:enable='gte(n,2)',format=yuv420p`;

/** A face at the top of the person's box, with five landmarks. */
function faceIn(box: Rect): Face {
  const w = box.width * 0.5,
    x = box.x + box.width * 0.25,
    y = box.y + 2;
  return {
    box: { x, y, width: w, height: w * 1.2 },
    score: 0.85,
    keypoints: [
      [0.3, 0.4],
      [0.7, 0.4],
      [0.5, 0.6],
      [0.35, 0.8],
      [0.65, 0.8],
    ].map(([fx, fy]) => ({ x: x + fx! * w, y: y + fy! * w * 1.2 })),
  };
}

// Results as fast as the pool gives them on a quiet machine, and falling 3 s behind capture from the
// 16th frame on as on a loaded one, with the gateway's timer ticking on the wall clock meanwhile: one
// track and one event either way. Every frame is captured from one buffer that is overwritten once its
// region is handed over (a crop slot released and refilled); `split`: each frame arrives as two regions,
// the empty second one after the slot was refilled, so the frame is tracked only after its pixels are gone.
for (const { lagMs, split } of [
  { lagMs: 0, split: false },
  { lagMs: 3000, split: false },
  { lagMs: 0, split: true },
])
  describe(`one person walking through the scene${lagMs > 0 ? ', detections 3 s behind capture' : ''}${split ? ', each frame in two regions' : ''}`, () => {
    let analytics: CameraAnalytics;
    const messages: EventMessage[] = [];
    const store = new SnapshotStore();
    const detections: Detection[][] = [];
    const frames: Uint8Array[] = [];
    const lagAt = (n: number): number => (n < 16 ? 0 : lagMs);

    before(() => {
      const bus = new EventBus();
      bus.subscribe((m) => messages.push(m));
      const engine = new DecisionEngine({
        publisher: bus,
        global: globalDecisionsSchema.parse({ rateLimit: null }),
        newEventId: createEventIdSource('t'),
      });
      engine.addCamera(
        'gate',
        cameraDecisionsSchema.parse({
          rateLimit: null,
          zones: {
            left: {
              points: [
                [0, 0],
                [0.5, 0],
                [0.5, 1],
                [0, 1],
              ],
            },
            right: {
              points: [
                [0.5, 0],
                [1, 0],
                [1, 1],
                [0.5, 1],
              ],
            },
          },
        }),
        { width: W, height: H },
      );
      analytics = new CameraAnalytics('gate', {}, engine, store);
      const motion = new MotionDetector({ width: W, height: H, threshold: 25, minArea: 16, alpha: 0.005 });
      const slot = new Uint8Array((W * H * 3) / 2);
      lavfiGraphFrames(GRAPH, W, H, 'yuv420p', COUNT).forEach((data, n) => {
        frames.push(data);
        motion.detect(data.subarray(0, W * H));
        const found = mergeOverlapping(motion.result().boxes, 8).map((b): Detection => {
          const box = { x: b.x, y: b.y, width: b.width, height: b.height };
          return FACING.includes(n)
            ? { label: 'person', classId: 0, score: 0.8, box, face: faceIn(box) }
            : { label: 'person', classId: 0, score: 0.8, box };
        });
        detections.push(found);
        const captureMs = 1_000_000 + n * 100;
        slot.set(data);
        const whole = { data: slot, format: 'yuv420p' as const, width: W, height: H, timeMs: captureMs, whole: true };
        const extras = analytics.capture(found, whole);
        const region = { x: 0, y: 0, width: W, height: H };
        const regionCount = split ? 2 : 1;
        analytics.onRegion({ captureMs, regionCount, region, detections: found, extras }, captureMs + lagAt(n));
        slot.fill(n % 2 === 0 ? 0 : 255);
        if (split) analytics.onRegion({ captureMs, regionCount, region, detections: [], extras: [] }, captureMs + lagAt(n));
        analytics.tick(captureMs + lagAt(n));
      });
      // Time passes with nothing in view: the track ends after maxAgeMs (2 s).
      for (let t = 1_000_000 + COUNT * 100; t <= 1_000_000 + COUNT * 100 + 2500; t += 250) analytics.tick(t + lagMs);
    });

    test(
      split
        ? 'a frame tracked after its slot was refilled copied its pictures before: one whole frame a frame'
        : "only views that became the track's best copied pixels: fewer whole frames than frames seen",
      () => {
        const seen = detections.filter((d) => d.length > 0).length;
        if (split) assert.equal(analytics.frames.copies, seen);
        else
          assert.ok(
            analytics.frames.copies > 0 && analytics.frames.copies < seen * 0.75,
            `${analytics.frames.copies} copies, ${seen} frames`,
          );
      },
    );

    test('it becomes one track and one event: a start and an end, no duplicate', () => {
      assert.ok(detections.filter((d) => d.length > 0).length >= 40, 'the motion kernel saw the walker');
      assert.deepEqual(
        messages.filter((m) => m.type !== 'update').map((m) => `${m.type}:${m.event.trackId}`),
        ['start:1', 'end:1'],
      );
      assert.equal(new Set(messages.map((m) => m.event.id)).size, 1);
    });

    test('the event carries label, score, zones entered in order, and its best shot with the face', () => {
      const end = messages.at(-1)!.event;
      assert.equal(end.label, 'person');
      assert.equal(end.score, 0.8);
      assert.deepEqual(end.zones, ['left', 'right']);
      const shot = end.bestShot!;
      assert.ok(FACING.map((n) => 1_000_000 + n * 100).includes(shot.timeMs), `best shot at ${shot.timeMs}: a frame with a face`);
      assert.equal(shot.truncated, false);
      assert.ok(shot.face, 'the best shot has the face');
      assert.deepEqual(end.face, shot.face);
      assert.equal(shot.face.keypoints.length, 5);
      const inside = (a: Rect, b: Rect): boolean =>
        a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;
      assert.ok(
        inside(shot.box, shot.region) &&
          inside({ ...shot.face.box, x: Math.floor(shot.face.box.x), y: Math.floor(shot.face.box.y) }, shot.region),
      );
    });

    test('the best shot JPEG is stored in colour, the size of the picture region', async () => {
      const shot = messages.at(-1)!.event.bestShot!;
      assert.ok(shot.jpeg);
      const jpeg = await store.get(shot.jpeg);
      assert.ok(jpeg);
      const meta = await sharp(jpeg).metadata();
      assert.deepEqual([meta.format, meta.channels, meta.width, meta.height], ['jpeg', 3, shot.region.width, shot.region.height]);
      // testsrc2 is colourful: the picture is not gray.
      const { channels } = await sharp(jpeg).stats();
      assert.ok(
        Math.abs(channels[0]!.mean - channels[2]!.mean) > 5 || Math.abs(channels[1]!.mean - channels[2]!.mean) > 5,
        'colour channels differ',
      );
    });

    test("the event's full-frame JPEG is the whole frame at the best-shot moment, not a neighbour", async () => {
      const shot = messages.at(-1)!.event.bestShot!;
      assert.ok(shot.frameJpeg);
      const jpeg = await store.get(shot.frameJpeg);
      assert.ok(jpeg);
      const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [W, H, 3], 'the whole frame, at its own size (frameWidth 1280 is wider)');
      const n = (shot.timeMs - 1_000_000) / 100;
      // Mean absolute difference over the best-shot box against a frame decoded as the gateway decodes it.
      const difference = (index: number): number => {
        const rgb = cropResize(frames[index]!, 'yuv420p', W, H, {
          roi: { x: 0, y: 0, width: W, height: H },
          width: W,
          height: H,
          layout: 'nhwc-u8',
        }).tensor as Uint8Array;
        let sum = 0;
        let count = 0;
        for (let y = shot.box.y; y < shot.box.y + shot.box.height; y++)
          for (let x = shot.box.x; x < shot.box.x + shot.box.width; x++)
            for (let c = 0; c < 3; c++, count++) sum += Math.abs(data[(y * W + x) * 3 + c]! - rgb[(y * W + x) * 3 + c]!);
        return sum / count;
      };
      const same = difference(n);
      // JPEG's loss on testsrc2's saturated edges is about 9; a neighbour (the walker 8 px away) about 78.
      assert.ok(same < 16, `the picture matches frame ${n} at the box (mean difference ${same.toFixed(1)})`);
      for (const other of [n - 1, n + 1])
        assert.ok(
          difference(other) > 3 * same,
          `frame ${other} differs at the box (${difference(other).toFixed(1)} vs ${same.toFixed(1)})`,
        );
    });
  });

test('with bestShot.frameWidth 0 no frame is copied and shots keep no frame', () => {
  const engine = new DecisionEngine({ publisher: new EventBus(), global: globalDecisionsSchema.parse({}) });
  const analytics = new CameraAnalytics('off', { bestShot: { frameWidth: 0 } }, engine, new SnapshotStore());
  const data = new Uint8Array((W * H * 3) / 2).fill(128);
  const found: Detection[] = [{ label: 'person', classId: 0, score: 0.9, box: { x: 10, y: 10, width: 40, height: 60 } }];
  const [shot] = analytics.capture(found, { data, format: 'yuv420p', width: W, height: H, timeMs: 1, whole: true });
  assert.ok(shot);
  assert.equal(shot.frame, null);
  assert.equal(analytics.frames.copies, 0);
});

test("a track that never became an event encodes no JPEG when it ends; an event's track encodes its best shot and frame", () => {
  const store = new SnapshotStore();
  const messages: EventMessage[] = [];
  const bus = new EventBus();
  bus.subscribe((m) => messages.push(m));
  const engine = new DecisionEngine({ publisher: bus, global: globalDecisionsSchema.parse({ rateLimit: null }) });
  // Only cars may start events: the person's track is followed and ends, but is no event.
  engine.addCamera('lot', cameraDecisionsSchema.parse({ rateLimit: null, labels: ['car'] }), { width: W, height: H });
  const analytics = new CameraAnalytics('lot', {}, engine, store);
  const data = new Uint8Array((W * H * 3) / 2).fill(128);
  const walk = (label: string, startMs: number): void => {
    for (let n = 0; n < 6; n++) {
      const captureMs = startMs + n * 100;
      const found: Detection[] = [{ label, classId: 0, score: 0.9, box: { x: 20 + 8 * n, y: 40, width: 40, height: 60 } }];
      const frame = { data, format: 'yuv420p' as const, width: W, height: H, timeMs: captureMs, whole: true };
      const extras = analytics.capture(found, frame);
      analytics.onRegion({ captureMs, regionCount: 1, region: { x: 0, y: 0, width: W, height: H }, detections: found, extras }, captureMs);
    }
    for (let t = startMs + 600; t <= startMs + 3500; t += 250) analytics.tick(t);
  };
  walk('person', 1_000_000);
  assert.equal(messages.length, 0, 'the person is no event');
  assert.equal(store.size, 0, 'and its ended track encoded nothing');
  walk('car', 2_000_000);
  assert.deepEqual(
    messages.filter((m) => m.type !== 'update').map((m) => m.type),
    ['start', 'end'],
  );
  const shot = messages.at(-1)?.event.bestShot;
  assert.ok(shot?.jpeg && shot.frameJpeg, 'the car event ends with its best shot and frame JPEGs');
  assert.equal(store.size, 2);
});

test('every whole-frame copy goes back to the pool: twins seen by two regions, late regions, ended tracks', () => {
  const engine = new DecisionEngine({ publisher: new EventBus(), global: globalDecisionsSchema.parse({ rateLimit: null }) });
  engine.addCamera('twins', cameraDecisionsSchema.parse({ rateLimit: null }), { width: W, height: H });
  const pool = new FramePool();
  const analytics = new CameraAnalytics('twins', {}, engine, new SnapshotStore(), {}, pool);
  const data = new Uint8Array((W * H * 3) / 2).fill(128);
  const left = { x: 0, y: 0, width: 200, height: H },
    right = { x: 120, y: 0, width: 200, height: H };
  const region = (captureMs: number, rect: typeof left, box: Rect, score: number): void => {
    const found: Detection[] = [{ label: 'person', classId: 0, score, box }];
    const frame = { data, format: 'yuv420p' as const, width: W, height: H, timeMs: captureMs, whole: true };
    analytics.onRegion({ captureMs, regionCount: 2, region: rect, detections: found, extras: analytics.capture(found, frame) }, captureMs);
  };
  for (let n = 0; n < 8; n++) {
    const captureMs = 1_000_000 + n * 100;
    const box = { x: 130 + 4 * n, y: 40, width: 40, height: 60 };
    // Both regions hold the person: the first region's shot waits for the second (it copies the frame),
    // and the frame keeps one of the two twins.
    region(captureMs, left, box, 0.8);
    region(captureMs, right, { ...box, x: box.x + 1 }, 0.9);
    // A region of the frame before, come back after that frame went to the tracker.
    if (n > 0) region(captureMs - 100, left, box, 0.8);
  }
  assert.ok(analytics.assembler.late >= 7, `${analytics.assembler.late} late regions`);
  assert.ok(pool.stats.allocated + pool.stats.reused > 0, 'frames were copied');
  for (let t = 1_000_800; t <= 1_004_000; t += 250) analytics.tick(t);
  assert.equal(pool.free, pool.stats.allocated, `every buffer is back (${pool.free} free of ${pool.stats.allocated})`);
  assert.ok(pool.stats.allocated <= 3, `${pool.stats.allocated} buffers for 8 frames: released copies were reused`);
});

describe("the track gate's table", () => {
  test('gets the quiet areas of empty results beside the confirmed tracks, and none while a track is tentative', () => {
    const engine = new DecisionEngine({
      publisher: new EventBus(),
      global: globalDecisionsSchema.parse({ rateLimit: null }),
      newEventId: createEventIdSource('t'),
    });
    engine.addCamera('q', cameraDecisionsSchema.parse({ rateLimit: null }), { width: W, height: H });
    const tracked = new TrackedBoxes();
    const analytics = new CameraAnalytics('q', {}, engine, new SnapshotStore(), { tracked });
    const region = { x: 0, y: 0, width: W, height: H };
    const quiet = new Float64Array(MAX_QUIET_AREAS * QUIET_FIELDS);
    const edge = { x: 0, y: 60, width: 12, height: 60 };
    analytics.onRegion({ captureMs: 1000, regionCount: 1, region, motion: [edge], detections: [], extras: [] }, 1000);
    assert.equal(tracked.readQuiet(quiet), 1, 'the empty look at the edge');
    assert.deepEqual([...quiet.subarray(0, QUIET_FIELDS)], [0, 60, 12, 60, 1000]);
    const person = (x: number): Detection => ({ label: 'person', classId: 0, score: 0.8, box: { x, y: 60, width: 40, height: 60 } });
    analytics.onRegion({ captureMs: 1100, regionCount: 1, region, motion: [edge], detections: [person(2)], extras: [null] }, 1100);
    assert.equal(tracked.readQuiet(quiet), 0, 'a tentative track: the frames that confirm it all go');
    for (let n = 2; n < 8; n++) {
      const captureMs = 1000 + n * 100;
      analytics.onRegion({ captureMs, regionCount: 1, region, motion: [], detections: [person(2 + n * 8)], extras: [null] }, captureMs);
    }
    analytics.onRegion(
      { captureMs: 1800, regionCount: 1, region, motion: [{ x: 250, y: 10, width: 20, height: 20 }], detections: [], extras: [] },
      1800,
    );
    const into = new Float64Array(MAX_TRACKED_BOXES * BOX_FIELDS);
    assert.equal(tracked.read(into, new Float64Array(1)), 1, 'the confirmed person');
    assert.equal(tracked.readQuiet(quiet), 1, 'and the empty look elsewhere; the edge area ended with the detection there');
    assert.equal(quiet[0], 250);
  });
});
