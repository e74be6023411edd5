/**
 * The kernels against OpenCV where the definitions in native/*.h coincide with OpenCV's, on real
 * ffmpeg frames and seeded random planes, at every SIMD level this CPU runs. OpenCV runs in one
 * Python process for the whole file (test/support/opencv.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  MotionDetector,
  motion,
  setSimdLevel,
  sharpness,
  simdReport,
  toLuma,
  type MotionResult,
  type SimdLevelName,
} from '../../src/native/index.ts';
import { OpenCvOracle, type OracleMotion, type OracleMotionParams } from '../support/opencv.ts';
import { Random } from '../support/random.ts';
import { lavfiFrames } from '../support/video.ts';

// Relative tolerance for the sharpness measures: ours sums exactly in 64-bit integers, numpy's mean
// and var round in double, so the two differ only by a few ulps of the result.
const SHARPNESS_RTOL = 1e-9;
// Background mode: the header updates bg + a*(cur - bg) in float32; OpenCV 4.6 (its AVX2 path)
// computes fma(bg, 1 - a, cur * a). The two differ by float32 ulps (2^-16 ~ 1.5e-5 near 255) per
// frame, and the difference decays by (1 - a) per frame, so it grows as a shrinks: measured max
// 6.1e-5 at a >= 0.05 (tested here against 1e-4) and 1.7e-4 at a = 0.01 (not tested).
const BACKGROUND_ATOL = 1e-4;
// A background a few ulps either side of an x.5 boundary rounds (half to even) to a different byte,
// which moves whole flat areas across the threshold together. Measured up to 4 pixels in one step of
// ~240 (testsrc2, mandelbrot, testsrc at 640x360 and 333x187, a = 0.01..1); stats other than the count
// are compared exactly whenever the counts agree.
const BACKGROUND_COUNT_TOL = 8;

let oracle: OpenCvOracle;
let levels: SimdLevelName[] = [];

before(() => {
  oracle = new OpenCvOracle();
  levels = simdReport().supported;
});
after(async () => {
  setSimdLevel('auto');
  await oracle.close();
});

/** Runs `check` once per SIMD level, naming the level in any failure. */
async function atEveryLevel(check: (level: SimdLevelName) => void | Promise<void>): Promise<void> {
  for (const level of levels) {
    setSimdLevel(level);
    await check(level);
  }
  setSimdLevel('auto');
}

type BoxKey = [number, number, number, number, number];
const byArea = (a: BoxKey, b: BoxKey): number => b[4] - a[4] || a[1] - b[1] || a[0] - b[0] || a[2] - b[2] || a[3] - b[3];

function assertMotion(ours: MotionResult, cv: OracleMotion, maxBoxes: number, what: string): void {
  assert.equal(ours.changed, cv.changed, `${what}: changed pixels`);
  const [x, y, w, h] = cv.bbox;
  assert.deepEqual(ours.bbox, w === 0 ? null : { x, y, width: w, height: h }, `${what}: bbox`);
  assert.equal(ours.components, cv.boxes.length, `${what}: components with area >= minArea`);
  const expected = [...cv.boxes].sort(byArea).slice(0, maxBoxes);
  const actual: BoxKey[] = ours.boxes.map((b) => [b.x, b.y, b.width, b.height, b.area]);
  for (let i = 1; i < actual.length; i++) {
    assert.ok((actual[i - 1] as BoxKey)[4] >= (actual[i] as BoxKey)[4], `${what}: boxes largest area first`);
  }
  assert.deepEqual([...actual].sort(byArea), expected, `${what}: component boxes`);
  assert.deepEqual([...ours.grid], cv.grid, `${what}: grid counts`);
}

interface MotionCase {
  name: string;
  cur: Uint8Array;
  ref: Uint8Array;
  exclude?: Uint8Array;
  params: OracleMotionParams;
}

async function checkMotion(c: MotionCase): Promise<void> {
  const maxBoxes = 4096;
  const cv = await oracle.motion(c.cur, c.ref, c.params, c.exclude);
  await atEveryLevel((level) => {
    const ours = motion(c.cur, c.ref, { ...c.params, maxBoxes, ...(c.exclude ? { exclude: c.exclude } : {}) });
    assertMotion(ours, cv, maxBoxes, `${c.name} [${level}]`);
  });
}

/** A plane with a few changed rectangles and scattered pixels over `base`: structured motion. */
function withBlobs(base: Uint8Array, width: number, height: number, rnd: Random): Uint8Array {
  const out = base.slice();
  for (let k = 0; k < 6; k++) {
    const w = rnd.int(1, Math.max(1, width >> 2));
    const h = rnd.int(1, Math.max(1, height >> 2));
    const x0 = rnd.int(0, width - w);
    const y0 = rnd.int(0, height - h);
    const v = rnd.int(0, 255);
    for (let y = y0; y < y0 + h; y++) out.fill(v, y * width + x0, y * width + x0 + w);
  }
  for (let k = 0; k < (width * height) >> 6; k++) out[rnd.int(0, width * height - 1)] = rnd.int(0, 255);
  return out;
}

describe('panoptes motion vs OpenCV absdiff + threshold + boundingRect + connectedComponentsWithStats', () => {
  test('real 640x360 ffmpeg frames give exactly OpenCV counts, bbox, 8-connected components and grid', async () => {
    const { frames } = lavfiFrames(640, 360, 'gray', 3);
    for (const threshold of [0, 10, 25, 100]) {
      for (const [i, j] of [
        [0, 1],
        [1, 2],
        [0, 2],
      ] as const) {
        await checkMotion({
          name: `testsrc2 640x360 frames ${i}->${j} threshold ${threshold}`,
          cur: frames[j] as Uint8Array,
          ref: frames[i] as Uint8Array,
          params: { width: 640, height: 360, threshold, minArea: 16, gridCols: 8, gridRows: 8 },
        });
      }
    }
  });

  test('real frames at odd sizes match OpenCV exactly, including grids that do not divide the size', async () => {
    for (const [width, height, source] of [
      [333, 187, 'testsrc'],
      [641, 359, 'mandelbrot'],
      [7, 3, 'testsrc'],
    ] as const) {
      const { frames } = lavfiFrames(width, height, 'gray', 2, source);
      for (const [gridCols, gridRows] of [
        [8, 8],
        [3, 5],
        [13, 1],
      ] as const) {
        await checkMotion({
          name: `${source} ${width}x${height} grid ${gridCols}x${gridRows}`,
          cur: frames[1] as Uint8Array,
          ref: frames[0] as Uint8Array,
          params: { width, height, threshold: 8, minArea: 4, gridCols, gridRows },
        });
      }
    }
  });

  test('seeded random planes (noise, blobs, exclusion masks, 1-pixel sizes) match OpenCV exactly', async () => {
    const rnd = new Random(0x5eed);
    const sizes = [
      [97, 61],
      [1, 50],
      [50, 1],
      [1, 1],
      [2, 2],
      [129, 65],
      [64, 64],
    ] as const;
    for (const [width, height] of sizes) {
      const ref = rnd.bytes(width * height);
      const noise = rnd.bytes(width * height);
      const blobs = withBlobs(ref, width, height, rnd);
      const exclude = withBlobs(new Uint8Array(width * height), width, height, rnd);
      const params = { width, height, minArea: 1, gridCols: 4, gridRows: 3 };
      const name = `random ${width}x${height} seed 0x5eed`;
      await checkMotion({ name: `${name} noise`, cur: noise, ref, params: { ...params, threshold: 200 } });
      await checkMotion({ name: `${name} blobs`, cur: blobs, ref, params: { ...params, threshold: 25, minArea: 3 } });
      await checkMotion({ name: `${name} blobs excluded`, cur: blobs, ref, exclude, params: { ...params, threshold: 25 } });
    }
  });

  test(`background mode tracks cv2.accumulateWeighted within ${BACKGROUND_ATOL} and counts within ${BACKGROUND_COUNT_TOL} pixels`, async () => {
    for (const source of ['testsrc2', 'mandelbrot']) {
      const { width, height, frames } = lavfiFrames(640, 360, 'gray', 24, source);
      for (const alpha of [0.05, 0.1, 0.5, 1]) {
        const params = { width, height, threshold: 12, minArea: 16, gridCols: 4, gridRows: 4, alpha };
        const cv = await oracle.motionBackground(frames, params);
        await atEveryLevel((level) => {
          const detector = new MotionDetector({ ...params, maxBoxes: 4096 });
          detector.detect(frames[0] as Uint8Array);
          for (let i = 1; i < frames.length; i++) {
            detector.detect(frames[i] as Uint8Array);
            const ours = detector.result();
            const step = cv.steps[i - 1] as OracleMotion;
            const what = `${source} alpha ${alpha} frame ${i} [${level}]`;
            assert.ok(
              Math.abs(ours.changed - step.changed) <= BACKGROUND_COUNT_TOL,
              `${what}: changed ${ours.changed} vs OpenCV ${step.changed}`,
            );
            if (ours.changed === step.changed) assertMotion(ours, step, 4096, what);
          }
          const bg = detector.referencePlane;
          let worst = 0;
          for (let p = 0; p < bg.length; p++) worst = Math.max(worst, Math.abs((bg[p] as number) - (cv.background[p] as number)));
          assert.ok(worst <= BACKGROUND_ATOL, `${source} alpha ${alpha} [${level}]: background differs by ${worst}`);
        });
      }
    }
  });
});

function assertClose(actual: number, expected: number, what: string): void {
  const diff = Math.abs(actual - expected);
  assert.ok(
    diff <= SHARPNESS_RTOL * Math.max(Math.abs(actual), Math.abs(expected)) || diff < 1e-12,
    `${what}: ${actual} vs OpenCV ${expected} (relative tolerance ${SHARPNESS_RTOL})`,
  );
}

async function checkSharpness(
  plane: Uint8Array,
  width: number,
  height: number,
  roi: [number, number, number, number],
  name: string,
): Promise<void> {
  const cv = await oracle.sharpness(plane, width, height, roi);
  const [x, y, w, h] = roi;
  await atEveryLevel((level) => {
    const ours = sharpness(plane, width, height, { x, y, width: w, height: h });
    const what = `${name} roi ${roi.join(',')} [${level}]`;
    assertClose(ours.tenengrad, cv.tenengrad, `${what} tenengrad`);
    assertClose(ours.laplacianVariance, cv.laplacianVariance, `${what} laplacianVariance`);
  });
}

describe(`panoptes sharpness vs OpenCV Sobel and Laplacian (CV_64F, BORDER_REFLECT_101, rtol ${SHARPNESS_RTOL})`, () => {
  test('full real frames match mean(Sobel dx^2 + dy^2) and Laplacian(ksize=1).var()', async () => {
    for (const [width, height, source] of [
      [640, 360, 'testsrc2'],
      [640, 360, 'mandelbrot'],
      [333, 187, 'smptebars'],
    ] as const) {
      const { frames } = lavfiFrames(width, height, 'gray', 1, source);
      await checkSharpness(frames[0] as Uint8Array, width, height, [0, 0, width, height], `${source} ${width}x${height}`);
    }
  });

  test('ROIs are isolated images: they match OpenCV on img[y:y+h, x:x+w].copy(), at the edges too', async () => {
    const { frames } = lavfiFrames(640, 360, 'gray', 1);
    const plane = frames[0] as Uint8Array;
    const rois: [number, number, number, number][] = [
      [100, 50, 200, 120],
      [0, 0, 17, 9],
      [623, 351, 17, 9],
      [1, 1, 638, 358],
      [320, 0, 1, 360],
      [0, 180, 640, 1],
    ];
    for (const roi of rois) await checkSharpness(plane, 640, 360, roi, 'testsrc2 640x360');
  });

  test('tiny and random planes (1x1, 1xN, Nx1, 2x2, 3x3, noise) match OpenCV', async () => {
    const rnd = new Random(0x5a4b);
    for (const [width, height] of [
      [1, 1],
      [1, 2],
      [2, 1],
      [1, 9],
      [9, 1],
      [2, 2],
      [3, 3],
      [5, 4],
      [257, 129],
    ] as const) {
      const plane = rnd.bytes(width * height);
      await checkSharpness(plane, width, height, [0, 0, width, height], `random ${width}x${height}`);
      if (width > 2 && height > 2) await checkSharpness(plane, width, height, [1, 1, width - 2, height - 2], `random ${width}x${height}`);
    }
  });
});

/** Largest |a - b|, how many bytes differ, and where the first difference is. */
function byteDiff(a: Uint8Array, b: Uint8Array): { max: number; count: number; first: number } {
  let max = 0;
  let count = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > 0 && count++ === 0) first = i;
    max = Math.max(max, d);
  }
  return { max, count, first };
}

describe('panoptes toLuma vs OpenCV where the definitions coincide', () => {
  test('rgb24 and bgr24 at the same size equal cv2.cvtColor(RGB2GRAY / BGR2GRAY) exactly', async () => {
    const rnd = new Random(0x1a3a);
    const cases = [
      { name: 'testsrc2 640x360', width: 640, height: 360, pixels: lavfiFrames(640, 360, 'rgb24', 1).frames[0] as Uint8Array },
      {
        name: 'smptebars 333x187',
        width: 333,
        height: 187,
        pixels: lavfiFrames(333, 187, 'rgb24', 1, 'smptebars').frames[0] as Uint8Array,
      },
      { name: 'random 101x67', width: 101, height: 67, pixels: rnd.bytes(101 * 67 * 3) },
    ];
    for (const c of cases) {
      for (const order of ['rgb', 'bgr'] as const) {
        const expected = await oracle.toGray(c.pixels, c.width, c.height, order);
        await atEveryLevel((level) => {
          const ours = toLuma(c.pixels, `${order}24`, c.width, c.height, new Uint8Array(c.width * c.height), c.width, c.height);
          const { count, first } = byteDiff(ours, expected);
          const pixel = [...c.pixels.subarray(first * 3, first * 3 + 3)].join(',');
          assert.equal(
            count,
            0,
            `${c.name} ${order}24 [${level}]: ${count} bytes differ; first at ${first}: ` +
              `${order} ${pixel} gives ${ours[first]}, OpenCV ${expected[first]}`,
          );
        });
      }
    }
  });

  // +-1: the header rounds the exact box mean half up, OpenCV's INTER_AREA (areas above 4) half to
  // even, so they differ by 1 exactly where the box sum is a tie with an even quotient (factors 4, 6,
  // 8; measured 0 differences at factors 2, 3, 5). Every difference must be such a tie.
  test('integer-factor downscales of gray and yuv420p luma equal cv2.resize(INTER_AREA) within +-1, at ties only', async () => {
    const rnd = new Random(0xa2ea);
    const hd = lavfiFrames(1920, 1080, 'yuv420p', 1).frames[0] as Uint8Array;
    const cases = [
      { name: 'testsrc2 yuv420p 1920x1080 /3', format: 'yuv420p' as const, width: 1920, height: 1080, factor: 3, src: hd },
      { name: 'testsrc2 yuv420p 1920x1080 /2', format: 'yuv420p' as const, width: 1920, height: 1080, factor: 2, src: hd },
      {
        name: 'mandelbrot gray 640x360 /4',
        format: 'gray' as const,
        width: 640,
        height: 360,
        factor: 4,
        src: lavfiFrames(640, 360, 'gray', 1, 'mandelbrot').frames[0] as Uint8Array,
      },
      { name: 'random gray 96x60 /3', format: 'gray' as const, width: 96, height: 60, factor: 3, src: rnd.bytes(96 * 60) },
      { name: 'random gray 96x60 /6', format: 'gray' as const, width: 96, height: 60, factor: 6, src: rnd.bytes(96 * 60) },
    ];
    for (const c of cases) {
      const dw = c.width / c.factor;
      const dh = c.height / c.factor;
      const area = c.factor * c.factor;
      const boxSum = (i: number): number => {
        let sum = 0;
        const x0 = (i % dw) * c.factor;
        const y0 = Math.floor(i / dw) * c.factor;
        for (let y = y0; y < y0 + c.factor; y++) for (let x = x0; x < x0 + c.factor; x++) sum += c.src[y * c.width + x] as number;
        return sum;
      };
      const expected = await oracle.resizeArea(c.src.subarray(0, c.width * c.height), c.width, c.height, dw, dh);
      await atEveryLevel((level) => {
        const ours = toLuma(c.src, c.format, c.width, c.height, new Uint8Array(dw * dh), dw, dh);
        const diff = byteDiff(ours, expected);
        assert.ok(diff.max <= 1, `${c.name} [${level}]: ${diff.count} bytes differ, by up to ${diff.max}`);
        for (let i = 0; i < ours.length; i++) {
          if (ours[i] === expected[i]) continue;
          const sum = boxSum(i);
          assert.equal(
            2 * (sum % area),
            area,
            `${c.name} [${level}] pixel ${i}: box sum ${sum} / ${area} is no tie ` + `but ours ${ours[i]} vs OpenCV ${expected[i]}`,
          );
        }
      });
    }
  });
});
