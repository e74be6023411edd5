import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { BestShotSelector, bestShotOptionsSchema, type ShotFrame } from '../../src/analytics/best-shot.ts';
import { sharpnessPoints, sizePoints } from '../../src/analytics/shot-quality.ts';
import { Tracker } from '../../src/analytics/tracker.ts';
import { mergeOverlapping } from '../../src/inference/backends/motion.ts';
import type { Face } from '../../src/inference/types.ts';
import { MotionDetector, sharpness, type PixelFormat, type Rect } from '../../src/native/index.ts';
import { lavfiGraphFrames } from '../support/video.ts';

const W = 320,
  H = 180,
  COUNT = 10,
  SHARP = 6;
/** testsrc2 with a Gaussian blur on every frame but SHARP. */
const BLURRED_BUT_ONE = `testsrc2=size=${W}x${H}:rate=10,gblur=sigma=1.5:enable='not(eq(n,${SHARP}))'`;
const BOX: Rect = { x: 100, y: 40, width: 120, height: 100 };
/** BOX padded by the default 10% on every side: what the picture shows. */
const REGION: Rect = { x: 88, y: 30, width: 144, height: 120 };

function frames(format: PixelFormat, graph = BLURRED_BUT_ONE): ShotFrame[] {
  return lavfiGraphFrames(graph, W, H, format, COUNT).map((data, n) => ({ data, format, width: W, height: H, timeMs: n * 100 }));
}

const subject = (score: number, box = BOX, face?: Face): { box: Rect; score: number; face?: Face } =>
  face ? { box, score, face } : { box, score };

/** A rectangle of packed pixels (1 or 3 channels) cut by sharp (libvips), independent of the code under test. */
function cut(data: Uint8Array, channels: 1 | 3, r: Rect): Promise<Buffer> {
  const image = sharp(data, { raw: { width: W, height: H, channels } }).extract({ left: r.x, top: r.y, width: r.width, height: r.height });
  return (channels === 1 ? image.toColourspace('b-w') : image).raw().toBuffer();
}

function meanAbsoluteError(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

describe('best shot over frames where all but one are blurred', () => {
  for (const format of ['gray', 'yuv420p', 'nv12', 'rgb24'] as const) {
    test(`the sharp frame is chosen, and no later frame replaces it (${format})`, () => {
      const selector = new BestShotSelector();
      const taken = frames(format).map((f) => selector.offer(1, subject(0.8), f));
      assert.equal(selector.best(1)?.timeMs, SHARP * 100);
      assert.equal(taken[SHARP], true);
      assert.deepEqual(taken.slice(SHARP + 1), new Array(COUNT - SHARP - 1).fill(false));
    });
  }

  for (const format of ['yuv420p', 'nv12', 'rgb24'] as const) {
    test(`the JPEG of a ${format} frame is the padded region in colour: decoded, within JPEG error of ffmpeg's RGB of it`, async () => {
      const selector = new BestShotSelector({ jpegQuality: 95 });
      for (const f of frames(format)) selector.offer(1, subject(0.8), f);
      const done = await selector.finish(1);
      assert.ok(done);
      assert.deepEqual(done.shot.region, REGION);
      const meta = await sharp(done.jpeg).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['jpeg', REGION.width, REGION.height, 3]);
      const decoded = await sharp(done.jpeg).raw().toBuffer();
      const truth = await cut(frames('rgb24')[SHARP]!.data, 3, REGION);
      // Chroma subsampling of yuv420p/nv12 and JPEG's own blur both cost a few levels on testsrc2's edges.
      const error = meanAbsoluteError(decoded, truth);
      assert.ok(error < 8, `mean absolute error ${error}`);
      assert.equal(selector.best(1), undefined, 'finish removes the shot');
    });
  }

  test('a gray frame gives a one-channel JPEG that shows the chosen region', async () => {
    const gray = frames('gray');
    const selector = new BestShotSelector({ jpegQuality: 95 });
    for (const f of gray) selector.offer(1, subject(0.8), f);
    const { jpeg } = (await selector.finish(1))!;
    assert.equal((await sharp(jpeg).metadata()).channels, 1);
    const decoded = await sharp(jpeg).toColourspace('b-w').raw().toBuffer();
    const error = meanAbsoluteError(decoded, await cut(gray[SHARP]!.data, 1, REGION));
    assert.ok(error < 3, `mean absolute error ${error}`);
  });

  test('sharpness and brightness are measured on the box itself, not on the padded picture', async () => {
    const gray = frames('gray');
    const selector = new BestShotSelector();
    selector.offer(1, subject(0.5), gray[SHARP]!);
    const shot = selector.best(1)!;
    assert.equal(shot.tenengrad, sharpness(gray[SHARP]!.data, W, H, BOX).tenengrad);
    assert.notEqual(shot.tenengrad, sharpness(gray[SHARP]!.data, W, H, REGION).tenengrad);
    const pixels = await cut(gray[SHARP]!.data, 1, BOX);
    const mean = pixels.reduce((sum, v) => sum + v, 0) / pixels.length;
    assert.ok(Math.abs(shot.brightness - mean) < 1e-9, `brightness ${shot.brightness}, box mean ${mean}`);
  });

  test('quality is 10 x score + log-scaled Tenengrad + size, so confidence can outweigh sharpness', () => {
    const gray = frames('gray');
    const selector = new BestShotSelector();
    selector.offer(1, subject(0.5), gray[SHARP]!);
    const shot = selector.best(1)!;
    const size = Math.log2((120 * 100) / 1024);
    assert.ok(Math.abs(shot.quality - (5 + Math.min(10, 2 * Math.log10(1 + shot.tenengrad)) + size)) < 1e-9);
    assert.equal(sizePoints(120 * 100), size);
    // Blur costs about a point here; a 0.4 higher score is worth 4 points.
    assert.equal(selector.offer(1, subject(0.9), gray[SHARP + 1]!), true);
    assert.equal(selector.best(1)!.timeMs, (SHARP + 1) * 100);
  });

  test('the kept picture is a copy: reusing the frame buffer afterwards does not change the best shot', async () => {
    const gray = frames('gray');
    const selector = new BestShotSelector();
    const slot = new Uint8Array(W * H);
    for (const f of gray) {
      slot.set(f.data);
      selector.offer(1, subject(0.8), { ...f, data: slot });
    }
    slot.fill(0);
    assert.deepEqual(Buffer.from(selector.best(1)!.image!.data), await cut(gray[SHARP]!.data, 1, REGION));
  });

  test('a picture larger than maxSide is kept downscaled with its aspect ratio', () => {
    const selector = new BestShotSelector({ maxSide: 72 });
    selector.offer(1, subject(0.8), frames('yuv420p')[0]!);
    const image = selector.best(1)!.image!;
    assert.deepEqual([image.width, image.height, image.channels, image.data.length], [72, 60, 3, 72 * 60 * 3]);
  });

  test('a box entirely outside the frame is ignored', () => {
    const selector = new BestShotSelector();
    assert.equal(selector.offer(1, subject(0.9, { x: W + 5, y: 0, width: 10, height: 10 }), frames('gray')[0]!), false);
    assert.equal(selector.size, 0);
  });
});

describe('best shot preferences', () => {
  const sharpFrames = frames('gray', `testsrc2=size=${W}x${H}:rate=10`);

  test('a box touching the frame edge never wins over one that does not, whatever its score and sharpness', () => {
    const selector = new BestShotSelector();
    const edge: Rect = { x: 0, y: 40, width: 120, height: 100 };
    assert.equal(selector.offer(1, subject(1, edge), sharpFrames[0]!), true, 'an edge view is better than none');
    assert.equal(selector.best(1)!.truncated, true);
    assert.equal(selector.offer(1, subject(0.2, BOX), frames('gray')[1]!), true, 'a blurred, low-score uncut view beats it');
    assert.equal(selector.best(1)!.truncated, false);
    assert.equal(selector.offer(1, subject(1, { ...edge, x: W - 120 }), sharpFrames[2]!), false);
    assert.equal(selector.best(1)!.timeMs, 100);
  });

  test("a view half covered by another object's box loses 5 points and so loses to the same view uncovered", () => {
    const selector = new BestShotSelector();
    const cover: Rect = { x: 100, y: 40, width: 60, height: 100 };
    assert.equal(selector.offer(1, subject(0.8), sharpFrames[3]!, [cover]), true);
    const hidden = selector.best(1)!;
    assert.equal(hidden.occlusion, 0.5);
    const clear = new BestShotSelector();
    clear.offer(1, subject(0.8), sharpFrames[3]!);
    assert.ok(Math.abs(clear.best(1)!.quality - hidden.quality - 5) < 1e-9);
    assert.equal(
      selector.offer(1, subject(0.8), sharpFrames[3]!, [{ x: 0, y: 0, width: 10, height: 10 }]),
      true,
      'an unrelated box covers nothing',
    );
    assert.equal(selector.best(1)!.occlusion, 0);
  });

  test('a view with a face outranks the same view without one, and keeps the face box and keypoints', () => {
    const face: Face = {
      box: { x: 140, y: 50, width: 30, height: 36 },
      score: 0.9,
      keypoints: [
        { x: 148, y: 62 },
        { x: 162, y: 62 },
        { x: 155, y: 70 },
        { x: 149, y: 78 },
        { x: 161, y: 78 },
      ],
    };
    const selector = new BestShotSelector();
    selector.offer(1, subject(0.9), sharpFrames[4]!);
    assert.equal(selector.offer(1, subject(0.7, BOX, face), sharpFrames[5]!), true, 'a face is worth 10 x its score');
    const shot = selector.best(1)!;
    assert.deepEqual(shot.face, face);
    assert.notEqual(shot.face, face, 'copied, not shared with the detection');
  });

  test('a view with a face outranks any view without one, cut by the edge or not; among faces an uncut view wins', () => {
    // A person at the frame's bottom edge: the face search ran on the cut view only.
    const face: Face = { box: { x: 30, y: 50, width: 30, height: 36 }, score: 0.9, keypoints: [] };
    const edge: Rect = { x: 20, y: 40, width: 120, height: H - 40 };
    const selector = new BestShotSelector();
    assert.equal(selector.offer(1, subject(0.6, edge, face), frames('gray')[0]!), true);
    assert.equal(selector.offer(1, subject(1, BOX), sharpFrames[1]!), false, 'an uncut, sharper view without a face loses');
    assert.deepEqual(selector.best(1)!.face, face);
    assert.equal(selector.offer(1, subject(0.3, BOX, face), frames('gray')[2]!), true, 'an uncut view with a face wins');
    assert.equal(selector.best(1)!.truncated, false);
  });

  test('a larger view of the same object outranks a smaller one (the size term outweighs the spread of its edges)', () => {
    // The same textured object drawn 64x48 (frame 0) and 128x96 (frame 1) on a flat background.
    const graph =
      `color=c=0x202020:size=${W}x${H}:rate=10[bg];testsrc2=size=128x96:rate=10,trim=end_frame=1,loop=loop=-1:size=1,split[big][s];` +
      `[s]scale=64:48[small];[bg][small]overlay=x=20:y=20:enable='eq(n,0)'[a];[a][big]overlay=x=120:y=40:enable='eq(n,1)',format=gray`;
    const [small, big] = lavfiGraphFrames(graph, W, H, 'gray', 2).map((data, n) => ({
      data,
      format: 'gray' as const,
      width: W,
      height: H,
      timeMs: n * 100,
    }));
    const selector = new BestShotSelector();
    selector.offer(1, subject(0.8, { x: 20, y: 20, width: 64, height: 48 }), small!);
    const smallQuality = selector.best(1)!.quality;
    assert.equal(selector.offer(1, subject(0.8, { x: 120, y: 40, width: 128, height: 96 }), big!), true);
    assert.ok(
      selector.best(1)!.sharpness <
        new BestShotSelector().capture(subject(0.8, { x: 20, y: 20, width: 64, height: 48 }), small!)!.sharpness,
      'the larger view is less sharp per pixel',
    );
    assert.ok(selector.best(1)!.quality > smallQuality);
  });
});

describe('best shot of tracked objects', () => {
  test("each tracked textured object's best shot is the one frame that was not blurred", () => {
    // Two textured objects (testsrc2 patches) moving over a flat background, blurred in all frames but one.
    const sharpFrame = 12;
    const graph =
      `color=c=0x202020:size=${W}x${H}:rate=10[bg];testsrc2=size=40x30:rate=10,split[p][q];` +
      `[bg][p]overlay=x='10+6*n':y=20[a];[a][q]overlay=x='280-4*n':y='100-2*n',format=gray,gblur=sigma=2:enable='not(eq(n,${sharpFrame}))'`;
    const motion = new MotionDetector({ width: W, height: H, threshold: 25, minArea: 16, alpha: 0.005 });
    const tracker = new Tracker();
    const selector = new BestShotSelector();
    const withoutObjects = lavfiGraphFrames(`color=c=0x202020:size=${W}x${H}:rate=10,format=gray`, W, H, 'gray', 2);
    for (const data of withoutObjects) motion.detect(data);
    lavfiGraphFrames(graph, W, H, 'gray', 24).forEach((data, n) => {
      motion.detect(data);
      // The motion backend's merge (a textured object breaks into several components).
      const boxes = mergeOverlapping(motion.result().boxes, 8);
      const detections = boxes.map((b) => ({
        label: 'motion',
        classId: -1,
        score: 1,
        box: { x: b.x, y: b.y, width: b.width, height: b.height },
      }));
      for (const t of tracker.update(detections, n * 100).updated)
        selector.offer(t.id, t, { data, format: 'gray', width: W, height: H, timeMs: n * 100 });
    });
    const ended = tracker.endAll();
    const ids = ended.map((t) => t.id);
    assert.deepEqual(ids, [1, 2], JSON.stringify(ended));
    for (const id of ids) assert.equal(selector.best(id)?.timeMs, sharpFrame * 100, `track ${id}`);
  });

  test('the options schema fills defaults and rejects a quality outside 1..100 and a negative frame width', () => {
    assert.deepEqual(bestShotOptionsSchema.parse({}), {
      pointsPerDecade: 2,
      padding: 0.1,
      maxSide: 640,
      jpegQuality: 80,
      frameWidth: 1280,
    });
    assert.throws(() => new BestShotSelector({ jpegQuality: 0 }), /jpegQuality/);
    assert.throws(() => new BestShotSelector({ frameWidth: -1 }), /frameWidth/);
    assert.equal(sharpnessPoints(0, 2), 0);
    assert.equal(sharpnessPoints(1e9, 2), 10);
  });
});
