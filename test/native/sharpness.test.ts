import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sharpness, type Rect } from '../../src/native/index.ts';
import { cropPlane, sharpnessReference } from '../reference/sharpness.ts';
import { Random } from '../support/random.ts';
import { LEVELS, ODD_SIZES, VIDEO_SOURCES, assertRelative, atLevel, sharedCopy, texturedPlane, videoFrames } from './helpers.ts';

/** Doubles agree within 1e-9 relative (1e-9 absolute near zero): the sums are exact, only divisions round. */
const REL = 1e-9;

/** The whole plane, every corner, 1-pixel strips along the edges and a random interior ROI. */
function rois(rng: Random, w: number, h: number): Rect[] {
  const rw = Math.max(1, Math.floor(w / 3)),
    rh = Math.max(1, Math.floor(h / 3));
  const list: Rect[] = [
    { x: 0, y: 0, width: w, height: h },
    { x: 0, y: 0, width: rw, height: rh },
    { x: w - rw, y: h - rh, width: rw, height: rh },
    { x: w - rw, y: 0, width: rw, height: h },
    { x: 0, y: h - 1, width: w, height: 1 },
    { x: w - 1, y: 0, width: 1, height: h },
    { x: w - 1, y: h - 1, width: 1, height: 1 },
  ];
  const x = rng.int(0, w - 1),
    y = rng.int(0, h - 1);
  list.push({ x, y, width: rng.int(1, w - x), height: rng.int(1, h - y) });
  return list;
}

function check(plane: Uint8Array, w: number, h: number, roi: Rect, context: string): void {
  const expected = sharpnessReference(plane, w, h, roi);
  const actual = sharpness(plane, w, h, roi);
  const where = `${context} roi ${JSON.stringify(roi)}`;
  assertRelative(actual.tenengrad, expected.tenengrad, REL, `${where}: tenengrad`);
  assertRelative(actual.laplacianVariance, expected.laplacianVariance, REL, `${where}: laplacianVariance`);
}

/** A k x k box blur with clamped edges: a stand-in for defocus. */
function boxBlur(plane: Uint8Array, w: number, h: number, k: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const r = Math.floor(k / 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          sum += plane[Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))]!;
        }
      }
      out[y * w + x] = Math.round(sum / (k * k));
    }
  }
  return out;
}

describe('sharpness', () => {
  for (const level of LEVELS) {
    test(`noise and textured planes at odd sizes and edge ROIs match the reference at ${level}`, () => {
      const rng = new Random(0x5a4b);
      atLevel(level, () => {
        for (const [w, h] of [...ODD_SIZES, [2, 2], [2, 5], [64, 64], [1000, 3]] as const) {
          for (const plane of [rng.bytes(w * h), texturedPlane(rng, w, h), new Uint8Array(w * h).fill(rng.int(0, 255))]) {
            for (const roi of rois(rng, w, h)) check(plane, w, h, roi, `${w}x${h}`);
          }
        }
      });
    });

    test(`video frames decoded by ffmpeg match the reference at ${level}`, () => {
      const rng = new Random(0x5a4c);
      atLevel(level, () => {
        for (const [source, w, h] of VIDEO_SOURCES) {
          for (const plane of videoFrames(w, h, 'gray', 2, source)) {
            for (const roi of rois(rng, w, h)) check(plane, w, h, roi, source);
          }
        }
      });
    });

    test(`a blurred image has lower tenengrad and laplacianVariance than the original at ${level}`, () => {
      atLevel(level, () => {
        for (const [source, w, h] of VIDEO_SOURCES) {
          const sharp = videoFrames(w, h, 'gray', 2, source)[0]!;
          const s = sharpness(sharp, w, h);
          const b3 = sharpness(boxBlur(sharp, w, h, 3), w, h);
          const b7 = sharpness(boxBlur(sharp, w, h, 7), w, h);
          assert.ok(
            b3.tenengrad < s.tenengrad && b7.tenengrad < b3.tenengrad,
            `${source} tenengrad ${s.tenengrad} > ${b3.tenengrad} > ${b7.tenengrad}`,
          );
          assert.ok(
            b3.laplacianVariance < s.laplacianVariance && b7.laplacianVariance < b3.laplacianVariance,
            `${source} laplacianVariance ${s.laplacianVariance} > ${b3.laplacianVariance} > ${b7.laplacianVariance}`,
          );
        }
      });
    });
  }

  test('a ramp and a single bright pixel give the hand-computed values (BORDER_REFLECT_101)', () => {
    // Ramp 0,10,20,30 in one row: Gx = 4 * (right - left) inside, 0 at the reflected ends; the row reflects onto itself.
    assert.deepEqual(sharpness(Uint8Array.from([0, 10, 20, 30]), 4, 1), { tenengrad: (80 * 80 * 2) / 4, laplacianVariance: 200, mean: 15 });
    // A lone 1 in a 3x3: Laplacian -4 at the centre, 2 at the four edge midpoints (reflected twice), 0 at corners.
    const dot = sharpness(Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0]), 3, 3);
    assert.equal(dot.tenengrad, 0);
    assertRelative(dot.laplacianVariance, 272 / 81, REL, 'dot');
  });

  test('flat planes and single pixels are perfectly unsharp', () => {
    assert.deepEqual(sharpness(new Uint8Array(17 * 9).fill(200), 17, 9), { tenengrad: 0, laplacianVariance: 0, mean: 200 });
    assert.deepEqual(sharpness(Uint8Array.from([255]), 1, 1), { tenengrad: 0, laplacianVariance: 0, mean: 255 });
  });

  test("the mean is the ROI's pixel average, for any width (vector and tail columns) up to the widest row", () => {
    const rng = new Random(11);
    for (const [w, h, roi] of [
      [1, 1, { x: 0, y: 0, width: 1, height: 1 }],
      [70, 9, { x: 3, y: 2, width: 67, height: 5 }],
      [300, 40, { x: 17, y: 1, width: 283, height: 39 }],
      [16384, 2, { x: 0, y: 0, width: 16384, height: 2 }],
    ] as const) {
      const plane = rng.bytes(w * h);
      if (w === 16384) plane.fill(255);
      let sum = 0;
      for (let y = roi.y; y < roi.y + roi.height; y++) for (let x = roi.x; x < roi.x + roi.width; x++) sum += plane[y * w + x] as number;
      assert.equal(sharpness(plane, w, h, roi).mean, sum / (roi.width * roi.height), `${w}x${h}`);
    }
  });

  test('an ROI is an isolated image: pixels outside it do not matter', () => {
    const rng = new Random(3);
    const w = 65,
      h = 33;
    const roi = { x: 10, y: 5, width: 31, height: 17 };
    const plane = texturedPlane(rng, w, h);
    const noisy = rng.bytes(w * h);
    for (let y = roi.y; y < roi.y + roi.height; y++) noisy.set(plane.subarray(y * w + roi.x, y * w + roi.x + roi.width), y * w + roi.x);
    const alone = sharpness(cropPlane(plane, w, roi), roi.width, roi.height);
    assert.deepEqual(sharpness(plane, w, h, roi), alone);
    assert.deepEqual(sharpness(noisy, w, h, roi), alone);
  });

  test('a plane over a SharedArrayBuffer is read in place', () => {
    const plane = texturedPlane(new Random(4), 127, 5);
    assert.deepEqual(sharpness(sharedCopy(plane), 127, 5), sharpness(plane, 127, 5));
  });
});
