import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { BestShotSelector, bestShotOptionsSchema, sharpnessPoints, type LumaFrame } from '../../src/analytics/best-shot.ts';
import { Tracker } from '../../src/analytics/tracker.ts';
import { MotionDetector, sharpness, type Rect } from '../../src/native/index.ts';
import { lavfiGraphFrames } from '../support/video.ts';
import { movingBoxesGraph, type MovingBoxesScene } from '../support/moving-boxes.ts';

const W = 320, H = 180, COUNT = 10, SHARP = 6;
/** testsrc2 with a Gaussian blur on every frame but SHARP. */
const BLURRED_BUT_ONE = `testsrc2=size=${W}x${H}:rate=10,gblur=sigma=1.5:enable='not(eq(n,${SHARP}))'`;
const BOX: Rect = { x: 100, y: 40, width: 120, height: 100 };
/** BOX padded by the default 10% on every side. */
const REGION: Rect = { x: 88, y: 30, width: 144, height: 120 };

function frames(format: 'gray' | 'yuv420p'): LumaFrame[] {
  return lavfiGraphFrames(BLURRED_BUT_ONE, W, H, format, COUNT).map((data, n) => ({ data, format, width: W, height: H, timeMs: n * 100 }));
}

/** A region of a gray plane cut by sharp (libvips), independent of the code under test. */
function regionOf(plane: Uint8Array, r: Rect): Promise<Buffer> {
  return sharp(plane, { raw: { width: W, height: H, channels: 1 } })
    .extract({ left: r.x, top: r.y, width: r.width, height: r.height }).toColourspace('b-w').raw().toBuffer();
}

describe('best shot over frames where all but one are blurred', () => {
  for (const format of ['gray', 'yuv420p'] as const) {
    test(`the sharp frame is chosen, and no later frame replaces it (${format})`, () => {
      const selector = new BestShotSelector();
      const taken = frames(format).map((f) => selector.offer(1, BOX, 0.8, f));
      assert.equal(selector.best(1)?.timeMs, SHARP * 100);
      assert.equal(taken[SHARP], true);
      assert.deepEqual(taken.slice(SHARP + 1), new Array(COUNT - SHARP - 1).fill(false));
    });

    test(`the JPEG decodes to the padded region's size with ${format === 'gray' ? 'one channel' : 'three channels'}`, async () => {
      const selector = new BestShotSelector({ jpegQuality: 90 });
      for (const f of frames(format)) selector.offer(1, BOX, 0.8, f);
      const done = await selector.finish(1);
      assert.ok(done);
      assert.deepEqual(done.shot.region, REGION);
      const meta = await sharp(done.jpeg).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['jpeg', REGION.width, REGION.height, format === 'gray' ? 1 : 3]);
      assert.equal(selector.best(1), undefined, 'finish removes the shot');
      assert.equal(await selector.finish(1), undefined);
    });
  }

  test('brightness is the mean luma of the region in the chosen frame', async () => {
    const gray = frames('gray');
    const selector = new BestShotSelector();
    for (const f of gray) selector.offer(1, BOX, 0.8, f);
    const shot = selector.best(1)!;
    const pixels = await regionOf(gray[SHARP]!.data, REGION);
    const mean = pixels.reduce((sum, v) => sum + v, 0) / pixels.length;
    assert.ok(Math.abs(shot.brightness - mean) < 1e-9, `brightness ${shot.brightness}, region mean ${mean}`);
  });

  test('the JPEG shows the chosen crop: decoded, it is within JPEG error of the frame\'s region', async () => {
    const gray = frames('gray');
    const selector = new BestShotSelector({ jpegQuality: 95 });
    for (const f of gray) selector.offer(1, BOX, 0.8, f);
    const { jpeg } = (await selector.finish(1))!;
    const decoded = await sharp(jpeg).toColourspace('b-w').raw().toBuffer();
    const truth = await regionOf(gray[SHARP]!.data, REGION);
    assert.equal(decoded.length, truth.length);
    let sum = 0;
    for (let i = 0; i < truth.length; i++) sum += Math.abs((decoded[i] as number) - (truth[i] as number));
    assert.ok(sum / truth.length < 3, `mean absolute error ${sum / truth.length}`);
  });

  test('quality is score x 10 plus the log-scaled Tenengrad, so confidence can outweigh sharpness', () => {
    const gray = frames('gray');
    const selector = new BestShotSelector();
    selector.offer(1, BOX, 0.5, gray[SHARP]!);
    const sharpShot = selector.best(1)!;
    const expected = sharpness(gray[SHARP]!.data, W, H, REGION).tenengrad;
    assert.equal(sharpShot.tenengrad, expected);
    assert.equal(sharpShot.quality, 5 + Math.min(10, 2 * Math.log10(1 + expected)));
    // Blur costs under a point here (Tenengrad / 2.4); a 0.4 higher score is worth 4 points.
    assert.equal(selector.offer(1, BOX, 0.9, gray[SHARP + 1]!), true);
    assert.equal(selector.best(1)!.timeMs, (SHARP + 1) * 100);
  });

  test('the kept crop is a copy: reusing the frame buffer afterwards does not change the best shot', async () => {
    const gray = frames('gray');
    const selector = new BestShotSelector();
    const slot = new Uint8Array(W * H);
    for (const f of gray) {
      slot.set(f.data);
      selector.offer(1, BOX, 0.8, { ...f, data: slot });
    }
    slot.fill(0);
    const shot = selector.best(1)!;
    assert.deepEqual(Buffer.from(shot.image.data), await regionOf(gray[SHARP]!.data, REGION));
  });

  test('a crop larger than maxSide is kept downscaled with its aspect ratio', () => {
    const selector = new BestShotSelector({ maxSide: 72 });
    selector.offer(1, BOX, 0.8, frames('yuv420p')[0]!);
    const { image } = selector.best(1)!;
    assert.deepEqual([image.width, image.height, image.channels, image.data.length], [72, 60, 3, 72 * 60 * 3]);
  });

  test('a box entirely outside the frame is ignored', () => {
    const selector = new BestShotSelector();
    assert.equal(selector.offer(1, { x: W + 5, y: 0, width: 10, height: 10 }, 0.9, frames('gray')[0]!), false);
    assert.equal(selector.size, 0);
  });
});

describe('best shot of tracked objects', () => {
  test('each tracked object\'s best shot is the one frame that was not blurred', () => {
    const scene: MovingBoxesScene = {
      width: W, height: H, fps: 10, frameCount: 24, background: 32,
      boxes: [
        { name: 'a', width: 40, height: 30, luma: 220, x0: 10, y0: 20, dx: 6, dy: 0, firstFrame: 2, lastFrame: 23 },
        { name: 'b', width: 30, height: 36, luma: 120, x0: 280, y0: 100, dx: -4, dy: -2, firstFrame: 2, lastFrame: 23 },
      ],
    };
    const sharpFrame = 12;
    const graph = `${movingBoxesGraph(scene)},gblur=sigma=2:enable='not(eq(n,${sharpFrame}))'`;
    const motion = new MotionDetector({ width: W, height: H, threshold: 25, minArea: 16, alpha: 0.005 });
    const tracker = new Tracker();
    const selector = new BestShotSelector();
    lavfiGraphFrames(graph, W, H, 'gray', scene.frameCount).forEach((data, n) => {
      motion.detect(data);
      const detections = motion.result().boxes.map((b) => ({ label: 'motion', classId: -1, score: 1, box: b }));
      for (const t of tracker.update(detections, n * 100).updated) selector.offer(t.id, t.box, t.score, { data, format: 'gray', width: W, height: H, timeMs: n * 100 });
    });
    const ids = tracker.endAll().map((t) => t.id);
    assert.deepEqual(ids, [1, 2]);
    for (const id of ids) assert.equal(selector.best(id)?.timeMs, sharpFrame * 100, `track ${id}`);
  });

  test('the options schema fills defaults and rejects a quality outside 1..100', () => {
    assert.deepEqual(bestShotOptionsSchema.parse({}), { pointsPerDecade: 2, padding: 0.1, maxSide: 640, jpegQuality: 80 });
    assert.throws(() => new BestShotSelector({ jpegQuality: 0 }), /jpegQuality/);
    assert.equal(sharpnessPoints(0, 2), 0);
    assert.equal(sharpnessPoints(1e9, 2), 10);
  });
});
