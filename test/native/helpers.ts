/**
 * Shared pieces of the kernel tests: every SIMD level, seeded and real frames, and comparisons that
 * report the first mismatch (index, position, values) instead of dumping megabyte arrays.
 */
import assert from 'node:assert/strict';
import { PIXEL_FORMATS, frameBytes, setSimdLevel, simdReport, type PixelFormat, type SimdLevelName } from '../../src/native/index.ts';
import type { Random } from '../support/random.ts';
import { lavfiFrames } from '../support/video.ts';

export const FORMATS: readonly PixelFormat[] = PIXEL_FORMATS;

/** Every level this build and CPU run; each kernel test repeats per level. */
export const LEVELS: readonly SimdLevelName[] = simdReport().supported;

/** Sizes that leave SIMD tails (not multiples of 16/32/64) and degenerate 1-pixel dimensions. */
export const ODD_SIZES: readonly (readonly [number, number])[] = [
  [1, 1],
  [3, 7],
  [17, 9],
  [65, 33],
  [127, 5],
  [1, 19],
  [31, 1],
  [641, 361],
];

/** Runs `fn` with the kernels at `level`, then returns to 'auto' whatever happens. */
export function atLevel<T>(level: SimdLevelName, fn: () => T): T {
  setSimdLevel(level);
  try {
    return fn();
  } finally {
    setSimdLevel('auto');
  }
}

/** A packed frame of uniform noise. */
export function randomFrame(rng: Random, format: PixelFormat, width: number, height: number): Uint8Array {
  return rng.bytes(frameBytes(format, width, height));
}

/**
 * A smoother random plane (noise on a random gradient) so that thresholds and focus measures see
 * structure, not only white noise.
 */
export function texturedPlane(rng: Random, width: number, height: number, noise = 24): Uint8Array {
  const out = new Uint8Array(width * height);
  const gx = rng.float() * 4 - 2,
    gy = rng.float() * 4 - 2,
    base = rng.int(0, 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = base + gx * x + gy * y + rng.int(-noise, noise);
      out[y * width + x] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
  return out;
}

/**
 * Real video through ffmpeg: testsrc at an odd size (testsrc2 silently rounds sizes down to even),
 * testsrc2 at an even size that is still no multiple of 16/32/64, and mandelbrot's smooth gradients.
 */
export const VIDEO_SOURCES = [
  ['testsrc', 641, 361],
  ['testsrc2', 642, 362],
  ['mandelbrot', 320, 240],
] as const;

const decoded = new Map<string, Uint8Array[]>();

/** Real frames decoded by ffmpeg, cached per (source, size, format) for the life of the test file. */
export function videoFrames(width: number, height: number, format: PixelFormat, count: number, source = 'testsrc2'): Uint8Array[] {
  const key = `${source}:${width}x${height}:${format}:${count}`;
  let frames = decoded.get(key);
  if (!frames) {
    frames = lavfiFrames(width, height, format, count, source).frames;
    decoded.set(key, frames);
  }
  return frames;
}

/** Copies `data` into a view at a non-zero offset of a SharedArrayBuffer (as frames arrive from the ring). */
export function sharedCopy(data: Uint8Array, offset = 24): Uint8Array {
  const view = new Uint8Array(new SharedArrayBuffer(data.length + offset + 8), offset, data.length);
  view.set(data);
  return view;
}

type Numeric = Uint8Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Exact element-wise equality; the message names the first mismatch as (x, y[, channel]). */
export function assertExact(actual: Numeric, expected: Numeric, context: string, width = 0, channels = 1): void {
  assert.equal(actual.length, expected.length, `${context}: length`);
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      if (first < 0) first = i;
      mismatches++;
    }
  }
  if (mismatches === 0) return;
  const pixel = Math.floor(first / channels);
  const where = width > 0 ? ` (x ${pixel % width}, y ${Math.floor(pixel / width)}, channel ${first % channels})` : '';
  assert.fail(
    `${context}: ${mismatches} of ${expected.length} values differ; first at index ${first}${where}: ` +
      `actual ${String(actual[first])}, expected ${String(expected[first])}`,
  );
}

/** |actual - expected| <= tolerance everywhere (absolute; NaN never passes), naming the first offender. */
export function assertClose(
  actual: Float32Array | Float64Array,
  expected: Float32Array | Float64Array,
  tolerance: number,
  context: string,
): void {
  assert.equal(actual.length, expected.length, `${context}: length`);
  let failures = 0;
  let first = -1;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (diff <= tolerance) continue;
    if (first < 0) first = i;
    failures++;
    worst = Number.isNaN(diff) || Number.isNaN(worst) ? NaN : Math.max(worst, diff);
  }
  if (failures > 0) {
    assert.fail(
      `${context}: ${failures} of ${expected.length} values differ by more than ${tolerance} (worst ${worst}); ` +
        `first at index ${first}: actual ${actual[first]}, expected ${expected[first]}`,
    );
  }
}

/** Relative closeness for doubles: |a - e| <= rel * max(|a|, |e|), with `floor` absolute near zero. */
export function assertRelative(actual: number, expected: number, rel: number, context: string, floor = 1e-9): void {
  const diff = Math.abs(actual - expected);
  if (!(diff <= rel * Math.max(Math.abs(actual), Math.abs(expected)) || diff <= floor)) {
    assert.fail(`${context}: actual ${actual}, expected ${expected} (relative difference ${diff / Math.abs(expected)} > ${rel})`);
  }
}
