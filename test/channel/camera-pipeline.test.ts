/**
 * The channel worker's per-camera pipeline on real decoded video (ffmpeg lavfi, rendered with known
 * truth): colour crops and region snapshots from the detect-size frame, boxes back in detect pixels,
 * the full-frame pass on a still scene, regions over the cap counted, the motion background started
 * again after a reconnect and re-baselined on a lighting switch. The pipeline runs in this thread on a
 * real FrameRing and CropSlab; the schedule is the frames' capture times, so nothing depends on timing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CameraPipeline } from '../../src/channel/camera-pipeline.ts';
import { ChannelStats, Counter } from '../../src/channel/stats.ts';
import { TrackedBoxes } from '../../src/channel/tracked-boxes.ts';
import { CropMeta, CropSlab } from '../../src/inference/crop-slab.ts';
import { tensorBoxToFrame, type Rect } from '../../src/native/index.ts';
import type { CandidateNotice, ChannelCameraSettings } from '../../src/protocol.ts';
import { FrameRing } from '../../src/ring/layout.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';
import { lavfiGraphFrames } from '../support/video.ts';

const W = 640;
const H = 360;
const FPS = 5;
const FRAME_MS = 1000 / FPS;
const TENSOR = 96;

interface Rig {
  pipeline: CameraPipeline;
  producer: FrameRingProducer;
  stats: ChannelStats;
  slab: CropSlab;
  /** The coordinator's side of the camera's tracks: write boxes here to play a tracker. */
  tracked: TrackedBoxes;
  notices: CandidateNotice[];
  /** Publishes one frame and analyses it, as the drain loop would. */
  feed(frame: Uint8Array, captureMs: number): void;
}

type Overrides = {
  id?: string;
  motion?: Partial<ChannelCameraSettings['motion']>;
  regions?: Partial<ChannelCameraSettings['regions']>;
  lightingRatio?: number;
  faceIntervalMs?: number;
  /** The pool keeps every crop queued (the test frees slots itself) instead of taking each at once. */
  poolBehind?: boolean;
};

function rig(over: Overrides = {}, onNotice: (n: CandidateNotice, slab: CropSlab) => void = () => {}): Rig {
  const ring = FrameRing.create({ width: W, height: H, format: 'yuv420p', slots: 4 });
  const producer = new FrameRingProducer(ring);
  ring.beginRun();
  const stats = new ChannelStats();
  const slab = CropSlab.create({ width: TENSOR, height: TENSOR, layout: 'nhwc-u8' }, 8, { format: 'yuv420p', width: W, height: H });
  const notices: CandidateNotice[] = [];
  const tracked = new TrackedBoxes();
  const settings: ChannelCameraSettings = {
    id: over.id ?? 'cam',
    ring: ring.buffer,
    stats: stats.buffer,
    crops: slab.buffer,
    tracked: tracked.buffer,
    motion: {
      width: 160,
      height: 90,
      threshold: 25,
      minArea: 4,
      alpha: 0.2,
      foregroundAlpha: 0.02,
      learnFrames: 0,
      gridCols: 8,
      gridRows: 8,
      maxBoxes: 32,
      exclude: null,
      ...over.motion,
    },
    regions: {
      padding: 0.1,
      minSide: 160,
      maxRegions: 4,
      fullFrameIntervalMs: 0,
      stillFullFrameIntervalMs: 0,
      trackedIntervalMs: 0,
      ...over.regions,
    },
    lightingRatio: over.lightingRatio ?? 0.6,
    ...(over.faceIntervalMs === undefined ? {} : { faceIntervalMs: over.faceIntervalMs }),
  };
  const pipeline = new CameraPipeline(settings, (n) => {
    notices.push(n);
    onNotice(n, slab);
    if (over.poolBehind === true) return;
    // The inference pool's part: take the crop and give the slot back, so the slab never fills.
    assert.ok(slab.claim(n.slot, n.seq));
    slab.release(n.slot);
  });
  return {
    pipeline,
    producer,
    stats,
    slab,
    notices,
    tracked,
    feed(frame, captureMs) {
      producer.acquire().set(frame);
      producer.commit(captureMs, 0);
      const slot = pipeline.consumer.tryAcquire();
      assert.ok(slot >= 0);
      pipeline.onFrame(slot);
      pipeline.consumer.release(slot);
    },
  };
}

/**
 * Boxes of colour `color` moving (dx, dy) pixels a frame over a flat gray background with light noise,
 * drawn from frame `from` on (default 0). A box already in the first frame would be in the learnt
 * background, and the place it leaves would read as changed until it fades in (foregroundAlpha).
 */
function movingBoxGraph(
  boxes: Array<{ color: string; w: number; h: number; x0: number; y0: number; dx: number; dy: number; from?: number }>,
): string {
  const parts = [`color=c=0x707070:size=${W}x${H}:rate=${FPS},format=yuv420p[bg]`];
  let last = 'bg';
  boxes.forEach((b, i) => {
    parts.push(`color=c=${b.color}:size=${b.w}x${b.h}:rate=${FPS},format=yuv420p[b${i}]`);
    const n = `round(t*${FPS})`;
    parts.push(
      `[${last}][b${i}]overlay=x='${b.x0}+${b.dx}*${n}':y='${b.y0}+${b.dy}*${n}':eval=frame:enable='gte(n,${b.from ?? 0})'[o${i}]`,
    );
    last = `o${i}`;
  });
  parts.push(`[${last}]noise=all_seed=3:alls=4:allf=t,format=yuv420p`);
  return parts.join(';');
}

const counter = (r: Rig, c: number): number => r.stats.get(c);

function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

describe('camera pipeline on rendered video', () => {
  test('crops and snapshots are colour from the detect frame, and boxes map back to detect-frame pixels', () => {
    const box = { color: 'red', w: 64, h: 96, x0: 40, y0: 120, dx: 16, dy: 0, from: 2 };
    const frames = lavfiGraphFrames(movingBoxGraph([box]), W, H, 'yuv420p', 20);
    const truth = (n: number): Rect => ({ x: box.x0 + box.dx * n, y: box.y0, width: box.w, height: box.h });
    const checked: number[] = [];
    const motionIou: number[] = [];
    const r = rig({}, (notice, slab) => {
      const n = Math.round(notice.captureMs / FRAME_MS);
      const t = truth(n);
      const tensor = slab.tensors[notice.slot] as Uint8Array;
      const m = notice.mapping;
      // The red pixels of the crop, mapped back through the crop's mapping, are the drawn box.
      let minX = TENSOR,
        minY = TENSOR,
        maxX = -1,
        maxY = -1;
      for (let y = 0; y < TENSOR; y++) {
        for (let x = 0; x < TENSOR; x++) {
          const i = (y * TENSOR + x) * 3;
          if ((tensor[i] as number) > 180 && (tensor[i + 1] as number) < 80 && (tensor[i + 2] as number) < 80) {
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
          }
        }
      }
      assert.ok(maxX >= 0, `frame ${n}: the crop holds red pixels`);
      const back = tensorBoxToFrame({ x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 }, m);
      assert.ok(iou(back, t) > 0.85, `frame ${n}: red pixels map back to the drawn box (${JSON.stringify(back)} vs ${JSON.stringify(t)})`);
      // The snapshot kept for the best shot is colour too: V (red-difference) well above neutral at the box.
      const snap = slab.snapshots[notice.slot] as Uint8Array;
      const cx = (t.x + t.width / 2) >> 1,
        cy = (t.y + t.height / 2) >> 1;
      const v = snap[W * H + (W / 2) * (H / 2) + cy * (W / 2) + cx] as number;
      assert.ok(v > 200, `frame ${n}: snapshot chroma V ${v} is red`);
      motionIou.push(Math.max(...notice.motion.map((b) => iou(b, t))));
      checked.push(n);
    });
    frames.forEach((f, n) => r.feed(f, n * FRAME_MS));
    assert.ok(checked.length >= 15, `a crop from nearly every frame with motion (${checked.length})`);
    const mean = motionIou.reduce((s, v) => s + v, 0) / motionIou.length;
    assert.ok(Math.min(...motionIou) > 0.6 && mean > 0.8, `motion boxes in detect pixels sit on the box: mean IoU ${mean.toFixed(2)}`);
  });

  test('a still scene gets the full-frame pass at the configured period, as two tiles of the shorter side', () => {
    const still = lavfiGraphFrames(
      movingBoxGraph([{ color: 'blue', w: 40, h: 40, x0: 300, y0: 160, dx: 0, dy: 0 }]),
      W,
      H,
      'yuv420p',
      1,
    )[0] as Uint8Array;
    const passes = (id: string): number[] => {
      const r = rig({ id, regions: { fullFrameIntervalMs: 1000 } });
      for (let n = 0; n <= 25; n++) r.feed(still, n * FRAME_MS); // 0 .. 5000 ms
      assert.equal(counter(r, Counter.MotionFrames), 0);
      assert.deepEqual(
        r.notices.slice(0, 2).map((n) => [n.captureMs, n.regionCount, n.region.x, n.region.width]),
        [
          [0, 2, 0, 360],
          [0, 2, 280, 360],
        ],
        'the first pass at once, as two tiles of the shorter side',
      );
      const times = [...new Set(r.notices.map((n) => n.captureMs))];
      assert.equal(counter(r, Counter.FullFramePasses), times.length);
      return times;
    };
    const a = passes('dock');
    const b = passes('gate');
    for (const times of [a, b]) {
      assert.ok(times.length >= 5 && times.length <= 6, `one pass a second: ${times.join(',')}`);
      assert.ok((times[1] as number) <= 1000, `the second pass within the first period: ${times.join(',')}`);
      assert.deepEqual(
        times.slice(2).map((t, i) => t - (times[i + 1] as number)),
        times.slice(2).map(() => 1000),
        `then every period: ${times.join(',')}`,
      );
    }
    assert.notEqual(a[1], b[1], 'two cameras started together send their later passes at different moments');
    const off = rig({ regions: { fullFrameIntervalMs: 0 } });
    for (let n = 0; n <= 25; n++) off.feed(still, n * FRAME_MS);
    assert.equal(off.notices.length, 0, 'fullFrameIntervalMs 0 never sends a still scene');
  });

  test('a camera that saw no motion since its last pass gets the next one at the still period, and motion brings the short period back', () => {
    const [still, ...moving] = lavfiGraphFrames(
      movingBoxGraph([{ color: 'blue', w: 40, h: 40, x0: 100, y0: 160, dx: 12, dy: 0, from: 1 }]),
      W,
      H,
      'yuv420p',
      8,
    ) as Uint8Array[];
    const r = rig({ id: 'yard', regions: { fullFrameIntervalMs: 1000, stillFullFrameIntervalMs: 4000 } });
    const passTimes: number[] = [];
    const feed = (frame: Uint8Array, n: number): void => {
      const before = counter(r, Counter.FullFramePasses);
      r.feed(frame, n * FRAME_MS);
      if (counter(r, Counter.FullFramePasses) > before) passTimes.push(n * FRAME_MS);
    };
    for (let n = 0; n <= 60; n++) feed(still as Uint8Array, n); // 0 .. 12 s, nothing moves
    assert.equal(counter(r, Counter.MotionFrames), 0);
    assert.equal(passTimes[0], 0, 'the first pass at once');
    assert.ok((passTimes[1] as number) <= 4000, `the second within the still period: ${passTimes.join(',')}`);
    assert.deepEqual(
      passTimes.slice(2).map((t, i) => t - (passTimes[i + 1] as number)),
      passTimes.slice(2).map(() => 4000),
      `then every still period, not every second: ${passTimes.join(',')}`,
    );
    const stillPasses = passTimes.length;
    moving.forEach((f, i) => feed(f, 61 + i)); // 12.2 .. 13.6 s: the box moves
    assert.ok(counter(r, Counter.MotionFrames) > 0);
    const moved = passTimes.slice(stillPasses);
    assert.ok(
      moved.length >= 1 && (moved[0] as number) <= 12_200 + 1000,
      `a pass within a short period of the motion: ${passTimes.join(',')}`,
    );
    const off = rig({ id: 'yard', regions: { fullFrameIntervalMs: 1000, stillFullFrameIntervalMs: 0 } });
    for (let n = 0; n <= 25; n++) off.feed(still as Uint8Array, n * FRAME_MS);
    assert.ok(counter(off, Counter.FullFramePasses) >= 5, 'stillFullFrameIntervalMs 0 keeps the short period for a still scene');
  });

  test('a due full-frame pass waits for free crop slots instead of replacing queued motion crops, at most one more period', () => {
    const frames = lavfiGraphFrames(
      movingBoxGraph([{ color: 'blue', w: 40, h: 40, x0: 40, y0: 160, dx: 6, dy: 0, from: 1 }]),
      W,
      H,
      'yuv420p',
      41,
    ) as Uint8Array[];
    const passTimes = (r: Rig, free: (n: number) => boolean): number[] => {
      const times: number[] = [];
      frames.forEach((f, n) => {
        const before = counter(r, Counter.FullFramePasses);
        r.feed(f, n * FRAME_MS); // 0 .. 8 s, the box moving in every frame but the first
        if (counter(r, Counter.FullFramePasses) > before) times.push(n * FRAME_MS);
        if (free(n)) for (const x of r.notices) if (r.slab.claim(x.slot, x.seq)) r.slab.release(x.slot);
      });
      return times;
    };
    const keepingUp = passTimes(rig({ id: 'dock', regions: { fullFrameIntervalMs: 1000 } }), () => false);
    assert.ok(keepingUp.length >= 8, `a pool that keeps up: a pass every period (${keepingUp.join(',')})`);
    // The pool never takes a crop: every slot stays queued with motion crops.
    const behind = passTimes(rig({ id: 'dock', regions: { fullFrameIntervalMs: 1000 }, poolBehind: true }), () => false);
    // The first pass at once; the second within two periods (the camera's phase shortens the first); then every two periods.
    assert.ok(behind.length >= 4 && behind.length <= 5, `a full slab: a pass every second period (${behind.join(',')})`);
    const gaps = behind.slice(2).map((t, i) => t - (behind[i + 1] as number));
    assert.deepEqual(
      gaps,
      gaps.map(() => 2000),
      `then every second period: ${behind.join(',')}`,
    );
    // The pool frees the slab once, at 5 s: a pass waiting for slots goes with the next frame.
    const freedAt = 25;
    const once = passTimes(rig({ id: 'dock', regions: { fullFrameIntervalMs: 1000 }, poolBehind: true }), (n) => n === freedAt);
    const waiting = once.filter((t) => t <= freedAt * FRAME_MS).at(-1) as number;
    if (freedAt * FRAME_MS - waiting >= 1000) {
      assert.ok(once.includes((freedAt + 1) * FRAME_MS), `the waiting pass right after the slots were freed (${once.join(',')})`);
    }
  });

  test('regions beyond maxRegions are not sent and are counted as skipped', () => {
    const boxes = [40, 200, 360, 520].map((x0) => ({ color: 'white', w: 24, h: 24, x0, y0: 40, dx: 0, dy: 12, from: 2 }));
    const frames = lavfiGraphFrames(movingBoxGraph(boxes), W, H, 'yuv420p', 12);
    const r = rig({ regions: { maxRegions: 2, minSide: 96 } });
    frames.forEach((f, n) => r.feed(f, n * FRAME_MS));
    const motionFrames = new Set(r.notices.map((n) => n.captureMs)).size;
    assert.ok(motionFrames >= 10);
    assert.ok(
      r.notices.every((n) => n.regionCount === 2),
      'two regions a frame',
    );
    assert.equal(counter(r, Counter.RegionsSkipped), 2 * motionFrames, 'the other two objects of each frame');
  });

  test('a reconnect starts the motion background again, so a changed scene is not reported as motion', () => {
    const sceneA = lavfiGraphFrames(
      movingBoxGraph([{ color: 'green', w: 80, h: 80, x0: 80, y0: 80, dx: 0, dy: 0 }]),
      W,
      H,
      'yuv420p',
      1,
    )[0] as Uint8Array;
    const sceneB = lavfiGraphFrames(
      movingBoxGraph([{ color: 'green', w: 80, h: 80, x0: 420, y0: 200, dx: 0, dy: 0 }]),
      W,
      H,
      'yuv420p',
      1,
    )[0] as Uint8Array;
    const withReset = rig();
    for (let n = 0; n < 5; n++) withReset.feed(sceneA, n * FRAME_MS);
    withReset.producer.ring.beginRun(); // what the frame reader does when ffmpeg starts again
    for (let n = 5; n < 10; n++) withReset.feed(sceneB, n * FRAME_MS);
    assert.equal(counter(withReset, Counter.BackgroundResets), 1);
    assert.equal(counter(withReset, Counter.MotionFrames), 0);
    assert.equal(withReset.notices.length, 0);
    // The same frames within one run: the moved box is motion, which is what the reset avoids.
    const sameRun = rig();
    for (let n = 0; n < 5; n++) sameRun.feed(sceneA, n * FRAME_MS);
    for (let n = 5; n < 10; n++) sameRun.feed(sceneB, n * FRAME_MS);
    assert.ok(sameRun.notices.length > 0);
    assert.equal(counter(sameRun, Counter.BackgroundResets), 0);
  });

  test('an object in the first frame leaves no ghost: the spot it leaves is learnt within motion.learnFrames', () => {
    // In view from the first frame, walking right 24 px a frame: its first spot is free from frame 3.
    const walker = { color: 'white', w: 60, h: 120, x0: 40, y0: 120, dx: 24, dy: 0 };
    const frames = lavfiGraphFrames(movingBoxGraph([walker]), W, H, 'yuv420p', 20) as Uint8Array[];
    const spot: Rect = { x: walker.x0, y: walker.y0, width: walker.w, height: walker.h };
    const at = (n: number): Rect => ({ ...spot, x: walker.x0 + walker.dx * n });
    const run = (learnFrames: number): Rig => {
      const r = rig({ motion: { learnFrames } });
      frames.forEach((f, n) => r.feed(f, n * FRAME_MS));
      return r;
    };
    /** Frames from 4 on whose motion still lies on the first spot. */
    const ghostFrames = (r: Rig): number[] => {
      const onSpot = r.notices.filter((x) => x.motion.some((b) => iou(b, spot) > 0.3));
      return [...new Set(onSpot.map((x) => Math.round(x.captureMs / FRAME_MS)))].filter((n) => n >= 4);
    };
    const without = run(0);
    assert.ok(
      ghostFrames(without).length >= 12,
      `without learning, the ghost reads as motion to the end: ${ghostFrames(without).join(',')}`,
    );
    const learnt = run(20);
    assert.ok(
      ghostFrames(learnt).every((n) => n < 16),
      `learnt within the learning frames: ${ghostFrames(learnt).join(',')}`,
    );
    // The walker itself moves: it is never learnt; once its ghost is gone its box is on it alone.
    for (let n = 16; n < 20; n++) {
      const boxes = learnt.notices.filter((x) => Math.round(x.captureMs / FRAME_MS) === n).flatMap((x) => x.motion);
      assert.ok(
        boxes.some((b) => iou(b, at(n)) > 0.5),
        `frame ${n}: a box on the walker (${JSON.stringify(boxes)})`,
      );
    }
  });

  test('a lighting switch is counted, not sent, and re-baselines the background: no whole-frame candidates after it', () => {
    const graph =
      `color=c=0x404040:size=${W}x${H}:rate=${FPS}[a];color=c=0xb0b0b0:size=${W}x${H}:rate=${FPS}[b];` +
      `[a][b]overlay=enable='gte(n,6)',noise=all_seed=5:alls=4:allf=t,format=yuv420p`;
    const frames = lavfiGraphFrames(graph, W, H, 'yuv420p', 20);
    const r = rig();
    frames.forEach((f, n) => r.feed(f, n * FRAME_MS));
    assert.equal(counter(r, Counter.LightingChanges), 1, 'one frame where most of the image changed');
    assert.equal(counter(r, Counter.MotionFrames), 1, 'and no motion after it');
    assert.equal(r.notices.length, 0);
    // Without the re-baseline, the running average would drift up through the threshold over frames
    // and report the whole frame: shown with a ratio no frame reaches.
    const blind = rig({ lightingRatio: 1 });
    frames.forEach((f, n) => blind.feed(f, n * FRAME_MS));
    assert.ok(
      blind.notices.some((n) => n.region.width >= 360),
      'frame-sized candidates without it',
    );
  });

  test('motion of a tracked object goes to the detector once a trackedIntervalMs; a new object goes at once', () => {
    const walker = { color: 'red', w: 48, h: 96, x0: 40, y0: 120, dx: 12, dy: 0, from: 2 };
    const newcomer = { color: 'blue', w: 48, h: 96, x0: 560, y0: 40, dx: 0, dy: 12, from: 16 };
    const frames = lavfiGraphFrames(movingBoxGraph([walker, newcomer]), W, H, 'yuv420p', 24);
    const at = (n: number): Rect => ({ x: walker.x0 + walker.dx * n, y: walker.y0, width: walker.w, height: walker.h });
    const sentFrames = (r: Rig): number[] => [...new Set(r.notices.map((n) => Math.round(n.captureMs / FRAME_MS)))];
    // Play the coordinator: every frame sent is "detected" and the walker's track written with its velocity.
    const play = (intervalMs: number): Rig => {
      const r: Rig = rig({ regions: { trackedIntervalMs: intervalMs } }, (notice) => {
        const n = Math.round(notice.captureMs / FRAME_MS);
        if (n >= 4) r.tracked.write(notice.captureMs, [{ ...at(n), vx: walker.dx * FPS, vy: 0 }]);
      });
      frames.forEach((f, n) => r.feed(f, n * FRAME_MS));
      return r;
    };
    const every = play(0);
    const gated = play(600);
    const before = sentFrames(every).filter((n) => n < 16);
    assert.ok(before.length >= 12, `without the gate every frame with motion is sent: ${before.join(',')}`);
    assert.equal(counter(every, Counter.TrackedSkips), 0);
    const tracked = sentFrames(gated).filter((n) => n > 5 && n < 16);
    assert.ok(tracked.length >= 3, `frames sent while tracked: ${tracked.join(',')}`);
    assert.deepEqual(
      tracked.slice(1).map((n, i) => n - (tracked[i] as number)),
      tracked.slice(1).map(() => 3),
      `while only the tracked walker moves, every third frame (600 ms at 5 fps): ${tracked.join(',')}`,
    );
    assert.ok(counter(gated, Counter.TrackedSkips) >= 6, `skips counted: ${counter(gated, Counter.TrackedSkips)}`);
    // The newcomer moves from frame 17 on (drawn at 16, which the background has not learnt): sent at once.
    assert.ok(sentFrames(gated).includes(16) || sentFrames(gated).includes(17), `newcomer sent at once: ${sentFrames(gated).join(',')}`);
    const newcomerFrames = sentFrames(gated).filter((n) => n >= 16);
    assert.ok(newcomerFrames.length >= 6, `the untracked newcomer keeps every frame: ${newcomerFrames.join(',')}`);
  });

  test('crops of tracked motion ask for a face search once a face interval; new motion always does', () => {
    const walker = { color: 'red', w: 48, h: 96, x0: 40, y0: 120, dx: 12, dy: 0, from: 2 };
    const newcomer = { color: 'blue', w: 48, h: 96, x0: 560, y0: -224, dx: 0, dy: 12, from: 22 };
    const frames = lavfiGraphFrames(movingBoxGraph([walker, newcomer]), W, H, 'yuv420p', 30);
    const at = (n: number): Rect => ({ x: walker.x0 + walker.dx * n, y: walker.y0, width: walker.w, height: walker.h });
    const play = (faceIntervalMs: number): Map<number, number> => {
      const faces = new Map<number, number>();
      const r: Rig = rig({ regions: { trackedIntervalMs: 600 }, faceIntervalMs }, (notice, slab) => {
        const n = Math.round(notice.captureMs / FRAME_MS);
        faces.set(n, Math.max(faces.get(n) ?? 0, slab.metaOf(notice.slot, CropMeta.Faces)));
        if (n >= 4) r.tracked.write(notice.captureMs, [{ ...at(n), vx: walker.dx * FPS, vy: 0 }]);
      });
      frames.forEach((f, n) => r.feed(f, n * FRAME_MS));
      return faces;
    };
    const all = play(0);
    assert.ok(
      [...all.values()].every((f) => f === 1),
      'interval 0: every crop is searched',
    );
    const faces = play(1000);
    const sent = [...faces.keys()].sort((a, b) => a - b);
    const searched = sent.filter((n) => faces.get(n) === 1);
    assert.ok(
      sent.filter((n) => n < 4).every((n) => faces.get(n) === 1),
      `before the walker is tracked, every crop: ${sent}`,
    );
    const tracked = sent.filter((n) => n > 6 && n < 22);
    const trackedSearched = tracked.filter((n) => faces.get(n) === 1);
    assert.ok(
      trackedSearched.length >= 2 && trackedSearched.length < tracked.length,
      `tracked frames ${tracked}, searched ${trackedSearched}`,
    );
    for (let i = 1; i < trackedSearched.length; i++) {
      const gapMs = ((trackedSearched[i] as number) - (trackedSearched[i - 1] as number)) * FRAME_MS;
      assert.ok(gapMs >= 1000, `tracked searches at least 1000 ms apart: ${trackedSearched}`);
    }
    const newcomerFrames = sent.filter((n) => n >= 23);
    assert.ok(newcomerFrames.length >= 4, `newcomer frames: ${sent}`);
    assert.ok(
      newcomerFrames.every((n) => faces.get(n) === 1),
      `the untracked newcomer frames are all searched: ${searched} of ${sent}`,
    );
  });
});
