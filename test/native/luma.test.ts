import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { frameBytes, toLuma, type PixelFormat } from '../../src/native/index.ts';
import { frameBytesReference, rgbToGray, toLumaReference } from '../reference/luma.ts';
import { Random } from '../support/random.ts';
import { FORMATS, LEVELS, ODD_SIZES, VIDEO_SOURCES, assertExact, atLevel, randomFrame, sharedCopy, videoFrames } from './helpers.ts';

interface LumaCase {
  name: string;
  src: Uint8Array;
  format: PixelFormat;
  width: number;
  height: number;
  dstW: number;
  dstH: number;
  expected?: Uint8Array;
}

/** Same size, integer and non-integer downscales, upscales (nearest neighbour) and a 1x1 summary. */
function destinationSizes(w: number, h: number): [number, number][] {
  return [
    [w, h],
    [Math.ceil(w / 2), Math.ceil(h / 2)],
    [Math.max(1, Math.floor((w * 2) / 3)), Math.max(1, Math.floor((h * 3) / 5))],
    [Math.min(2 * w + 1, 700), h + 3],
    [1, 1],
    [7, 5],
  ];
}

function randomCases(format: PixelFormat): LumaCase[] {
  const rng = new Random(0x1c0a + FORMATS.indexOf(format));
  const cases: LumaCase[] = [];
  for (const [width, height] of ODD_SIZES) {
    const src = randomFrame(rng, format, width, height);
    for (const [dstW, dstH] of destinationSizes(width, height)) {
      cases.push({ name: `${format} ${width}x${height} -> ${dstW}x${dstH}`, src, format, width, height, dstW, dstH });
    }
  }
  return cases;
}

function videoCases(format: PixelFormat): LumaCase[] {
  const cases: LumaCase[] = [];
  for (const [source, w, h] of VIDEO_SOURCES) {
    videoFrames(w, h, format, 2, source).forEach((src, i) => {
      for (const [dstW, dstH] of [
        [320, 180],
        [213, 120],
        [w, h],
        [96, 54],
      ] as const) {
        cases.push({ name: `${source} frame ${i} ${format} ${w}x${h} -> ${dstW}x${dstH}`, src, format, width: w, height: h, dstW, dstH });
      }
    });
  }
  return cases;
}

function check(c: LumaCase): void {
  c.expected ??= toLumaReference(c.src, c.format, c.width, c.height, c.dstW, c.dstH);
  const dst = new Uint8Array(c.dstW * c.dstH).fill(0xa5);
  toLuma(c.src, c.format, c.width, c.height, dst, c.dstW, c.dstH);
  assertExact(dst, c.expected, c.name, c.dstW);
}

describe('toLuma', () => {
  const random = new Map(FORMATS.map((f) => [f, randomCases(f)]));
  const video = new Map(FORMATS.map((f) => [f, videoCases(f)]));

  for (const level of LEVELS) {
    for (const format of FORMATS) {
      test(`${format} noise frames at odd sizes match the reference exactly at ${level}`, () => {
        atLevel(level, () => random.get(format)!.forEach(check));
      });
      test(`${format} video frames decoded by ffmpeg match the reference exactly at ${level}`, () => {
        atLevel(level, () => video.get(format)!.forEach(check));
      });
    }
  }

  test('a gray frame at its own size comes back unchanged', () => {
    const src = new Random(7).bytes(33 * 17);
    assert.deepEqual(toLuma(src, 'gray', 33, 17, new Uint8Array(33 * 17), 33, 17), src);
  });

  test('a 2x downscale is the rounded mean of each 2x2 block', () => {
    const src = Uint8Array.from([0, 1, 10, 20, 2, 2, 30, 41]);
    // (0+1+2+2 + 2) / 4 = 1 and (10+20+30+41 + 2) / 4 = 25 in integer division
    assert.deepEqual([...toLuma(src, 'gray', 4, 2, new Uint8Array(2), 2, 1)], [1, 25]);
    // an exact half rounds up: (1+1+0+0 + 2) / 4 = 1
    assert.deepEqual([...toLuma(Uint8Array.from([1, 1, 0, 0]), 'gray', 2, 2, new Uint8Array(1), 1, 1)], [1]);
  });

  test('upscaling repeats each source pixel (nearest neighbour)', () => {
    const out = toLuma(Uint8Array.from([10, 200, 30, 40]), 'gray', 2, 2, new Uint8Array(16), 4, 4);
    assert.deepEqual([...out], [10, 10, 200, 200, 10, 10, 200, 200, 30, 30, 40, 40, 30, 30, 40, 40]);
  });

  test('rgb24 and bgr24 of the same pixels give the same luma, with OpenCV RGB2GRAY weights', () => {
    const rng = new Random(11);
    const rgb = rng.bytes(3 * 9 * 5);
    const bgr = rgb.slice();
    for (let i = 0; i < bgr.length; i += 3) [bgr[i], bgr[i + 2]] = [rgb[i + 2]!, rgb[i]!];
    const a = toLuma(rgb, 'rgb24', 9, 5, new Uint8Array(45), 9, 5);
    const b = toLuma(bgr, 'bgr24', 9, 5, new Uint8Array(45), 9, 5);
    assert.deepEqual(a, b);
    assert.equal(a[0], rgbToGray(rgb[0]!, rgb[1]!, rgb[2]!));
    assert.deepEqual(
      [...toLuma(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]), 'rgb24', 3, 1, new Uint8Array(3), 3, 1)],
      [76, 150, 29],
    );
  });

  test('yuv420p and nv12 use the stored Y bytes without range conversion', () => {
    const y = Uint8Array.from([0, 16, 235, 255, 1, 2]);
    const yuv = Uint8Array.from([...y, 0, 0, 0, 0]); // 2x1 chroma: U, V (or UV pairs)
    for (const format of ['yuv420p', 'nv12'] as const) {
      assert.deepEqual(toLuma(yuv, format, 3, 2, new Uint8Array(6), 3, 2), y);
    }
  });

  test('views over a SharedArrayBuffer are read and written in place', () => {
    const rng = new Random(5);
    const src = sharedCopy(randomFrame(rng, 'nv12', 65, 33));
    const dst = new Uint8Array(new SharedArrayBuffer(16 + 33 * 17), 16, 33 * 17);
    const returned = toLuma(src, 'nv12', 65, 33, dst, 33, 17);
    assert.equal(returned, dst);
    // A second view over the same memory (as another thread would hold) sees the result: no copy.
    const other = new Uint8Array(dst.buffer, 16, 33 * 17);
    assertExact(other, toLumaReference(src, 'nv12', 65, 33, 33, 17), 'SAB view');
  });

  test('frameBytes follows the packed ffmpeg layout for every format and odd size', () => {
    for (const format of FORMATS) {
      for (const [w, h] of [...ODD_SIZES, [2, 2], [4096, 2161]] as const) {
        assert.equal(frameBytes(format, w, h), frameBytesReference(format, w, h), `${format} ${w}x${h}`);
      }
    }
  });
});
