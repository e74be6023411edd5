import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MotionDetector, motion, STILL_FRAMES, type MotionOptions, type MotionResult } from '../../src/native/index.ts';
import { motionReference, type MotionReferenceResult } from '../reference/motion.ts';
import { Random } from '../support/random.ts';
import { LEVELS, ODD_SIZES, VIDEO_SOURCES, assertClose, assertExact, atLevel, sharedCopy, texturedPlane, videoFrames } from './helpers.ts';

/**
 * Background tolerance: |kernel - reference| <= 1e-4 absolute per pixel after an update (values are
 * 0..255, where one float32 ulp is <= 1.5e-5), which admits an FMA-contracted update. With a dyadic
 * alpha every step is exact, so those runs must also agree after many frames.
 */
const BACKGROUND_TOLERANCE = 1e-4;

type Params = Required<Omit<MotionOptions, 'exclude' | 'width' | 'height' | 'learnFrames'>>;

function toResult(r: MotionReferenceResult): Omit<MotionResult, 'ratio' | 'grid'> {
  return {
    changed: r.changed,
    bbox: r.bboxW > 0 ? { x: r.bboxX, y: r.bboxY, width: r.bboxW, height: r.bboxH } : null,
    components: r.components,
    boxes: r.boxes.map((b) => ({ x: b.x, y: b.y, width: b.w, height: b.h, area: b.area })),
  };
}

function assertSame(actual: MotionResult, expected: MotionReferenceResult, context: string): void {
  const { ratio: _ratio, grid, ...rest } = actual;
  assert.deepEqual(rest, toResult(expected), context);
  assertExact(grid, expected.grid, `${context}: grid`);
}

function randomParams(rng: Random, width: number, background: boolean): Params {
  return {
    threshold: rng.pick([0, 10, 25, 40, 128, 255]),
    minArea: rng.pick([0, 1, 3, 16]),
    gridCols: rng.pick([1, 3, 8, 13, width + 2]),
    gridRows: rng.pick([1, 5, 8]),
    maxBoxes: rng.pick([0, 1, 4, 32, 4096]),
    alpha: background ? rng.pick([0.5, 0.25]) : 0,
    foregroundAlpha: background ? rng.pick([0.5, 0.25, 0.125, 0]) : 0,
  };
}

/** `ref` changed in scattered pixels and a few blobs, so there are many components of varied size. */
function perturbed(rng: Random, ref: Uint8Array, width: number, height: number): Uint8Array {
  const cur = ref.slice();
  for (let i = 0; i < cur.length; i++) if (rng.bool(0.2)) cur[i] = Math.min(255, Math.max(0, cur[i]! + rng.int(-60, 60)));
  for (let b = rng.int(0, 4); b > 0; b--) {
    const x0 = rng.int(0, width - 1),
      y0 = rng.int(0, height - 1);
    for (let y = y0; y < Math.min(height, y0 + rng.int(1, 20)); y++)
      cur.fill(rng.int(0, 255), y * width + x0, y * width + Math.min(width, x0 + rng.int(1, 30)));
  }
  return cur;
}

function randomExclude(rng: Random, n: number): Uint8Array | undefined {
  const kind = rng.int(0, 2);
  if (kind === 0) return undefined;
  const mask = new Uint8Array(n);
  const start = rng.int(0, n - 1);
  if (kind === 1) mask.fill(rng.int(1, 255), start, Math.min(n, start + rng.int(1, n)));
  else for (let i = 0; i < n; i++) mask[i] = rng.bool(0.3) ? rng.int(1, 255) : 0;
  return mask;
}

/** Initial backgrounds with exact halves (round-half-even), quarters and values outside 0..255 (saturation). */
function randomBackground(rng: Random, plane: Uint8Array): Float32Array {
  return Float32Array.from(plane, (v) => v + rng.pick([0, 0.5, -0.5, 0.25, 1.5, 0.75, -300.5, 300.25]));
}

describe('motion', () => {
  for (const level of LEVELS) {
    test(`differencing noise frames at odd sizes matches the reference exactly at ${level}`, () => {
      const rng = new Random(0x3071);
      atLevel(level, () => {
        for (const [width, height] of ODD_SIZES) {
          for (let k = 0; k < 6; k++) {
            const ref = k % 2 === 0 ? rng.bytes(width * height) : texturedPlane(rng, width, height);
            const cur = k === 5 ? rng.bytes(width * height) : perturbed(rng, ref, width, height);
            const params = randomParams(rng, width, false);
            const exclude = randomExclude(rng, width * height);
            const expected = motionReference(cur, ref, width, height, params, exclude ?? null);
            const actual = motion(cur, ref, { width, height, ...params, ...(exclude ? { exclude } : {}) });
            assertSame(actual, expected, `${width}x${height} case ${k} ${JSON.stringify(params)} exclude ${exclude !== undefined}`);
          }
        }
      });
    });

    test(`background mode with a dyadic alpha tracks the reference exactly over frames at ${level}`, () => {
      const rng = new Random(0xb9 + 1);
      atLevel(level, () => {
        for (const [width, height] of ODD_SIZES) {
          const params = randomParams(rng, width, true);
          const start = texturedPlane(rng, width, height);
          const kernelBg = randomBackground(rng, start);
          const referenceBg = kernelBg.slice();
          let cur = start;
          for (let frame = 0; frame < 6; frame++) {
            cur = perturbed(rng, cur, width, height);
            const context = `${width}x${height} frame ${frame} alpha ${params.alpha}`;
            const expected = motionReference(cur, referenceBg, width, height, params);
            assertSame(motion(cur, kernelBg, { width, height, ...params }), expected, context);
            assertClose(kernelBg, referenceBg, BACKGROUND_TOLERANCE, `${context}: background`);
          }
        }
      });
    });

    test(`background mode with any alpha compares exactly and updates within ${BACKGROUND_TOLERANCE} at ${level}`, () => {
      const rng = new Random(0xb9 + 2);
      atLevel(level, () => {
        for (const [width, height] of ODD_SIZES) {
          for (const alpha of [0.1, 0.05, 1e-6, 1, 0.3333]) {
            const params = { ...randomParams(rng, width, true), alpha };
            const kernelBg = randomBackground(rng, texturedPlane(rng, width, height));
            for (let frame = 0; frame < 3; frame++) {
              const cur = texturedPlane(rng, width, height);
              // Start the reference from the kernel's own background so float drift cannot flip a comparison.
              const referenceBg = kernelBg.slice();
              const context = `${width}x${height} frame ${frame} alpha ${alpha}`;
              const expected = motionReference(cur, referenceBg, width, height, params);
              assertSame(motion(cur, kernelBg, { width, height, ...params }), expected, context);
              assertClose(kernelBg, referenceBg, BACKGROUND_TOLERANCE, `${context}: background`);
            }
          }
        }
      });
    });

    test(`consecutive video frames decoded by ffmpeg match the reference in both modes at ${level}`, () => {
      const params = { threshold: 20, minArea: 8, gridCols: 16, gridRows: 9, maxBoxes: 64, alpha: 0.25 };
      atLevel(level, () => {
        for (const [source, width, height] of VIDEO_SOURCES) {
          const frames = videoFrames(width, height, 'gray', 4, source);
          const kernelBg = Float32Array.from(frames[0]!);
          const referenceBg = kernelBg.slice();
          for (let i = 1; i < frames.length; i++) {
            const cur = frames[i]!,
              prev = frames[i - 1]!;
            assertSame(
              motion(cur, prev, { width, height, ...params }),
              motionReference(cur, prev, width, height, params),
              `${source} frame ${i} differencing`,
            );
            assertSame(
              motion(cur, kernelBg, { width, height, ...params }),
              motionReference(cur, referenceBg, width, height, params),
              `${source} frame ${i} background`,
            );
            assertClose(kernelBg, referenceBg, BACKGROUND_TOLERANCE, `${source} frame ${i} background plane`);
          }
        }
      });
    });
  }
});

/** A static noisy scene with a bright 16x12 box that jumps 24 px right each frame. */
function movingBoxScene(frames: number): {
  width: number;
  height: number;
  planes: Uint8Array[];
  boxAt: (i: number) => { x: number; y: number; width: number; height: number };
} {
  const width = 160,
    height = 90;
  const rng = new Random(42);
  const scene = Uint8Array.from({ length: width * height }, () => 60 + rng.int(-20, 20));
  const boxAt = (i: number): { x: number; y: number; width: number; height: number } => ({ x: 10 + 24 * i, y: 37, width: 16, height: 12 });
  const planes = Array.from({ length: frames }, (_, i) => {
    const plane = scene.slice();
    const b = boxAt(i);
    for (let y = b.y; y < b.y + b.height; y++) plane.fill(230, y * width + b.x, y * width + b.x + b.width);
    return plane;
  });
  return { width, height, planes, boxAt };
}

describe('MotionDetector', () => {
  for (const level of LEVELS) {
    test(`a moving box in otherwise static frames yields a component whose box covers it at ${level}`, () => {
      const { width, height, planes, boxAt } = movingBoxScene(5);
      atLevel(level, () => {
        const detector = new MotionDetector({ width, height, threshold: 25, minArea: 16 });
        planes.forEach((plane, i) => {
          const changed = detector.detect(plane);
          if (i === 0) return;
          const b = boxAt(i);
          const covering = detector
            .result()
            .boxes.filter((c) => c.x <= b.x && c.y <= b.y && c.x + c.width >= b.x + b.width && c.y + c.height >= b.y + b.height);
          assert.equal(covering.length, 1, `frame ${i}: one component covers the box at ${JSON.stringify(b)}`);
          // The box left its old place too: exactly the two box areas changed, nothing in the static scene.
          assert.equal(changed, 2 * b.width * b.height);
          assert.deepEqual(detector.result().bbox, { x: boxAt(i - 1).x, y: b.y, width: b.x + b.width - boxAt(i - 1).x, height: b.height });
        });
      });
    });
  }

  test('an excluded zone suppresses motion there and only there', () => {
    const { width, height, planes, boxAt } = movingBoxScene(2);
    const exclude = new Uint8Array(width * height);
    const b = boxAt(1);
    for (let y = b.y; y < b.y + b.height; y++) exclude.fill(1, y * width + b.x, y * width + b.x + b.width);
    const masked = motion(planes[1]!, planes[0]!, { width, height, exclude, minArea: 1 });
    assert.equal(masked.changed, b.width * b.height, 'only the box it left changed');
    assert.deepEqual(
      masked.boxes.map(({ x, y }) => [x, y]),
      [[boxAt(0).x, boxAt(0).y]],
    );
    assert.equal(
      masked.grid.reduce((s, v) => s + v, 0),
      masked.changed,
    );
    const all = motion(planes[1]!, planes[0]!, { width, height, exclude: new Uint8Array(width * height).fill(255) });
    assert.deepEqual([all.changed, all.bbox, all.components, all.boxes.length], [0, null, 0, 0]);
  });

  test('the first frame primes the reference and reports 0, in both modes', () => {
    const { width, height, planes } = movingBoxScene(2);
    for (const alpha of [undefined, 0.5]) {
      const detector = new MotionDetector({ width, height, ...(alpha === undefined ? {} : { alpha }) });
      assert.equal(detector.detect(planes[1]!), 0);
      assert.deepEqual([...detector.stats], [0, 0, 0, 0, 0, 0, 0]);
      assert.equal(detector.result().bbox, null);
      assert.deepEqual([...detector.referencePlane], [...planes[1]!]);
      assert.equal(detector.detect(planes[1]!), 0, 'the same frame again is no motion');
      assert.ok(detector.detect(planes[0]!) > 0, 'a different frame is');
      detector.reset();
      assert.equal(detector.detect(planes[0]!), 0, 'reset primes again');
    }
  });

  test('for learnFrames after a baseline, changed pixels still for STILL_FRAMES frames are learnt at alpha; moving ones are not', () => {
    const width = 16;
    const height = 8;
    const plane = (v: number): Uint8Array => new Uint8Array(width * height).fill(v);
    const learnFrames = STILL_FRAMES + 2;
    const detector = new MotionDetector({ width, height, alpha: 0.5, foregroundAlpha: 0, learnFrames, threshold: 25, minArea: 1 });
    const background = (): number => detector.referencePlane[0] as number;
    detector.detect(plane(40));
    // Changed against the background (40), still from the second frame on.
    for (let i = 0; i < STILL_FRAMES; i++) detector.detect(plane(200));
    assert.equal(background(), 40, 'not still for STILL_FRAMES frames yet: not learnt');
    detector.detect(plane(200));
    assert.equal(background(), 120, 'still long enough: learnt at alpha');
    detector.detect(plane(200));
    assert.equal(background(), 160);
    detector.detect(plane(200));
    assert.equal(background(), 160, 'after learnFrames: changed pixels at foregroundAlpha (0)');
    // Something moving: changed and different from the frame before, every frame.
    const moving = new MotionDetector({ width, height, alpha: 0.5, foregroundAlpha: 0, learnFrames, threshold: 25, minArea: 1 });
    moving.detect(plane(40));
    for (let i = 0; i < learnFrames; i++) moving.detect(plane(i % 2 === 0 ? 200 : 120));
    assert.equal(moving.referencePlane[0], 40, 'a pixel that keeps changing is never learnt');
    const off = new MotionDetector({ width, height, alpha: 0.5, foregroundAlpha: 0, threshold: 25, minArea: 1 });
    for (let i = 0; i < 10; i++) off.detect(plane(i === 0 ? 40 : 200));
    assert.equal(off.referencePlane[0], 40, 'learnFrames 0: nothing learnt');
    assert.throws(() => new MotionDetector({ width, height, alpha: 0.5, learnFrames: -1 }), /learnFrames/);
  });

  test('rebaseline makes the given frame the reference at once, in both modes', () => {
    const { width, height, planes } = movingBoxScene(2);
    for (const alpha of [undefined, 0.2]) {
      const detector = new MotionDetector({ width, height, ...(alpha === undefined ? {} : { alpha }) });
      detector.detect(planes[0]!);
      assert.ok(detector.detect(planes[1]!) > 0);
      detector.rebaseline(planes[0]!);
      assert.deepEqual([...detector.referencePlane], [...planes[0]!]);
      assert.equal(detector.detect(planes[0]!), 0, 'the frame just taken as the reference is no motion');
      assert.throws(() => detector.rebaseline(new Uint8Array(3)), /Expected a Uint8Array of length \d+ for cur/);
    }
  });

  test('more components than maxBoxes are counted but only the largest are reported', () => {
    const width = 40,
      height = 10;
    const ref = new Uint8Array(width * height);
    const cur = ref.slice();
    for (let k = 0; k < 6; k++) cur.fill(255, 3 * width + k * 6, 3 * width + k * 6 + k + 1); // areas 1..6
    const r = motion(cur, ref, { width, height, minArea: 2, maxBoxes: 3 });
    assert.equal(r.components, 5);
    assert.deepEqual(
      r.boxes.map((b) => b.area),
      [6, 5, 4],
    );
    assert.equal(r.changed, 21, 'components below minArea still count as changed');
  });

  test('diagonal neighbours join one component (8-connectivity)', () => {
    const ref = new Uint8Array(16);
    const cur = Uint8Array.from([255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255]);
    assert.deepEqual(motion(cur, ref, { width: 4, height: 4, minArea: 1 }).boxes, [{ x: 0, y: 0, width: 4, height: 4, area: 4 }]);
  });

  test('a background over a SharedArrayBuffer is compared and updated in place', () => {
    const rng = new Random(9);
    const width = 65,
      height = 33;
    const cur = sharedCopy(texturedPlane(rng, width, height));
    const start = texturedPlane(rng, width, height);
    const background = new Float32Array(new SharedArrayBuffer(4 * (width * height + 4)), 16, width * height);
    background.set(start);
    const referenceBg = Float32Array.from(start);
    const params = { threshold: 10, minArea: 4, gridCols: 4, gridRows: 4, maxBoxes: 8, alpha: 0.5 };
    assertSame(motion(cur, background, { width, height, ...params }), motionReference(cur, referenceBg, width, height, params), 'SAB');
    assertClose(new Float32Array(background.buffer, 16, width * height), referenceBg, 0, 'background seen through another view');
  });
});
