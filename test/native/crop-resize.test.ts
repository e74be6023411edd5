import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cropResize, tensorBoxToFrame, type CropOptions, type PixelFormat, type Rect } from '../../src/native/index.ts';
import { cropResizeReference, type CropParamsReference } from '../reference/crop-resize.ts';
import { Random } from '../support/random.ts';
import {
  FORMATS,
  LEVELS,
  ODD_SIZES,
  VIDEO_SOURCES,
  assertClose,
  assertExact,
  atLevel,
  randomFrame,
  sharedCopy,
  videoFrames,
} from './helpers.ts';

/** Float tensors agree within 1e-6 absolute (an FMA in v * scale + bias moves the last float32 bit). */
const FLOAT_TOLERANCE = 1e-6;
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

interface CropCase {
  name: string;
  src: Uint8Array;
  format: PixelFormat;
  width: number;
  height: number;
  options: CropOptions & { roi: Rect };
}

/** Whole frame, corners at odd offsets (chroma siting), 1-pixel strips at the far edges, a 1x1 ROI. */
function edgeRois(rng: Random, w: number, h: number): Rect[] {
  const rw = Math.max(1, Math.ceil(w / 3)),
    rh = Math.max(1, Math.ceil(h / 3));
  const x = rng.int(0, w - 1),
    y = rng.int(0, h - 1);
  return [
    { x: 0, y: 0, width: w, height: h },
    { x: w - rw, y: h - rh, width: rw, height: rh },
    { x: w - 1, y: 0, width: 1, height: h },
    { x: 0, y: h - 1, width: w, height: 1 },
    { x: w - 1, y: h - 1, width: 1, height: 1 },
    { x, y, width: rng.int(1, w - x), height: rng.int(1, h - y) },
  ];
}

/** Downscales (integer and not), upscales, a 1x1 tensor and a square detector input. */
const TENSOR_SIZES: readonly (readonly [number, number])[] = [
  [32, 32],
  [17, 9],
  [64, 48],
  [1, 1],
  [3, 40],
];

function optionsFor(rng: Random, roi: Rect, dstW: number, dstH: number): CropCase['options'][] {
  return [
    { roi, width: dstW, height: dstH, layout: 'nhwc-u8', letterbox: false },
    { roi, width: dstW, height: dstH, layout: 'nhwc-u8', letterbox: true, pad: rng.int(0, 255) },
    { roi, width: dstW, height: dstH, layout: 'nchw-f32', letterbox: false },
    { roi, width: dstW, height: dstH, layout: 'nchw-f32', letterbox: true, pad: 114, ...IMAGENET },
  ];
}

function randomCases(format: PixelFormat): CropCase[] {
  const rng = new Random(0xc409 + FORMATS.indexOf(format));
  const cases: CropCase[] = [];
  for (const [width, height] of ODD_SIZES) {
    const src = randomFrame(rng, format, width, height);
    for (const roi of edgeRois(rng, width, height)) {
      const [dstW, dstH] = rng.pick(TENSOR_SIZES);
      for (const options of optionsFor(rng, roi, dstW, dstH)) {
        cases.push({ name: `${format} ${width}x${height} ${JSON.stringify(options)}`, src, format, width, height, options });
      }
    }
  }
  return cases;
}

/** 640x360 -> 320x180 is an exact 2x; the whole frame -> 320x320 letterboxed is not; 96x54 -> 128x72 upscales. */
function videoCases(format: PixelFormat): CropCase[] {
  const rng = new Random(0xc4aa + FORMATS.indexOf(format));
  const cases: CropCase[] = [];
  for (const [source, width, height] of VIDEO_SOURCES) {
    const src = videoFrames(width, height, format, 1, source)[0]!;
    const rois: [Rect, number, number][] = [
      [{ x: 0, y: 0, width: 640, height: 240 }, 320, 120],
      [{ x: 0, y: 0, width, height }, 320, 320],
      [{ x: 101, y: 37, width: 96, height: 54 }, 128, 72],
      [{ x: width - 96, y: height - 54, width: 96, height: 54 }, 64, 64],
    ];
    for (const [roi, dstW, dstH] of rois) {
      if (roi.width > width) continue;
      for (const options of optionsFor(rng, roi, dstW, dstH)) {
        cases.push({ name: `${source} ${format} ${JSON.stringify(options)}`, src, format, width, height, options });
      }
    }
  }
  return cases;
}

function referenceParams(o: CropCase['options']): CropParamsReference {
  return {
    roi: o.roi,
    dstW: o.width,
    dstH: o.height,
    layout: o.layout,
    letterbox: o.letterbox ?? false,
    pad: o.pad ?? 114,
    mean: o.mean ?? [0, 0, 0],
    std: o.std ?? [1, 1, 1],
  };
}

const expectedCache = new Map<CropCase, ReturnType<typeof cropResizeReference>>();

function check(c: CropCase): void {
  let expected = expectedCache.get(c);
  if (!expected) {
    expected = cropResizeReference(c.src, c.format, c.width, c.height, referenceParams(c.options));
    expectedCache.set(c, expected);
  }
  const n = c.options.width * c.options.height * 3;
  // Sentinels in a caller-provided tensor prove every element is written.
  const out = c.options.layout === 'nhwc-u8' ? new Uint8Array(n).fill(0xa5) : new Float32Array(n).fill(NaN);
  const { tensor, mapping } = cropResize(c.src, c.format, c.width, c.height, c.options, out);
  assert.equal(tensor, out);
  const m = expected.mapping;
  assert.deepEqual(
    [mapping.scaleX, mapping.scaleY, mapping.padX, mapping.padY, mapping.contentWidth, mapping.contentHeight],
    [m.scaleX, m.scaleY, m.padX, m.padY, m.contentW, m.contentH],
    `${c.name}: mapping`,
  );
  if (tensor instanceof Uint8Array) assertExact(tensor, expected.tensor, c.name, c.options.width, 3);
  else assertClose(tensor, expected.tensor as Float32Array, FLOAT_TOLERANCE, c.name);
}

describe('cropResize', () => {
  const random = new Map(FORMATS.map((f) => [f, randomCases(f)]));
  const video = new Map(FORMATS.map((f) => [f, videoCases(f)]));
  for (const level of LEVELS) {
    for (const format of FORMATS) {
      test(`${format} noise frames with edge ROIs, both layouts, letterbox on and off match the reference at ${level}`, () => {
        atLevel(level, () => random.get(format)!.forEach(check));
      });
      test(`${format} video frames decoded by ffmpeg match the reference at ${level}`, () => {
        atLevel(level, () => video.get(format)!.forEach(check));
      });
    }
  }

  test('a same-size crop of rgb24 is the frame itself, bgr24 comes out in RGB order', () => {
    const rgb = new Random(1).bytes(17 * 9 * 3);
    const options: CropOptions = { width: 17, height: 9, layout: 'nhwc-u8' };
    assert.deepEqual(cropResize(rgb, 'rgb24', 17, 9, options).tensor, rgb);
    const bgr = rgb.slice();
    for (let i = 0; i < bgr.length; i += 3) [bgr[i], bgr[i + 2]] = [rgb[i + 2]!, rgb[i]!];
    assert.deepEqual(cropResize(bgr, 'bgr24', 17, 9, options).tensor, rgb);
  });

  test('limited-range YUV converts with BT.601: 235 is white, 16 is black, (81, 90, 240) is red', () => {
    for (const [y, u, v, rgb] of [
      [235, 128, 128, [255, 255, 255]],
      [16, 128, 128, [0, 0, 0]],
      [81, 90, 240, [255, 0, 0]],
    ] as const) {
      const frame = Uint8Array.from([y, y, y, y, u, v]);
      assert.deepEqual([...cropResize(frame, 'yuv420p', 2, 2, { width: 1, height: 1, layout: 'nhwc-u8' }).tensor], rgb);
      const nv12 = Uint8Array.from([y, y, y, y, u, v]);
      assert.deepEqual([...cropResize(nv12, 'nv12', 2, 2, { width: 1, height: 1, layout: 'nhwc-u8' }).tensor], rgb);
    }
  });

  test('letterboxing keeps the aspect ratio, centres the content and pads with the pad value', () => {
    const frame = new Uint8Array(641 * 361).fill(7);
    const { tensor, mapping } = cropResize(frame, 'gray', 641, 361, {
      width: 320,
      height: 320,
      layout: 'nhwc-u8',
      letterbox: true,
      pad: 114,
    });
    assert.deepEqual([mapping.contentWidth, mapping.contentHeight, mapping.padX, mapping.padY], [320, 180, 0, 70]);
    assert.equal(tensor[0], 114, 'top band is pad');
    assert.equal(tensor[(70 * 320 + 5) * 3], 7, 'first content row is content');
    assert.equal(tensor[(250 * 320 + 5) * 3], 114, 'bottom band is pad');
    const f = cropResize(frame, 'gray', 641, 361, {
      width: 320,
      height: 320,
      layout: 'nchw-f32',
      letterbox: true,
      pad: 0,
      ...IMAGENET,
    }).tensor;
    assert.ok(Math.abs(f[0]! - (0 - 0.485) / 0.229) < 1e-6, 'pad is normalised like any other value');
  });

  test('tensorBoxToFrame inverts the letterbox mapping: a box drawn in the frame lands where expected', () => {
    const w = 200,
      h = 100;
    const drawn = { x: 60, y: 30, width: 40, height: 20 };
    const frame = new Uint8Array(w * h);
    for (let y = drawn.y; y < drawn.y + drawn.height; y++) frame.fill(255, y * w + drawn.x, y * w + drawn.x + drawn.width);
    for (const roi of [
      { x: 0, y: 0, width: w, height: h },
      { x: 40, y: 10, width: 120, height: 80 },
    ]) {
      const { tensor, mapping } = cropResize(frame, 'gray', w, h, {
        roi,
        width: 128,
        height: 128,
        layout: 'nhwc-u8',
        letterbox: true,
        pad: 0,
      });
      // Where the bright pixels are in the tensor (bilinear edges are half-bright; count >= 128).
      let x0 = 128,
        y0 = 128,
        x1 = -1,
        y1 = -1;
      for (let y = 0; y < 128; y++) {
        for (let x = 0; x < 128; x++) {
          if (tensor[(y * 128 + x) * 3]! >= 128) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
        }
      }
      const expectedX = mapping.padX + (drawn.x - roi.x) * mapping.scaleX;
      const expectedY = mapping.padY + (drawn.y - roi.y) * mapping.scaleY;
      assert.ok(
        Math.abs(x0 - expectedX) <= 1 && Math.abs(y0 - expectedY) <= 1,
        `tensor box at (${x0}, ${y0}), expected (${expectedX}, ${expectedY})`,
      );
      const back = tensorBoxToFrame({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }, mapping);
      for (const k of ['x', 'y', 'width', 'height'] as const) {
        assert.ok(Math.abs(back[k] - drawn[k]) <= 1 / Math.min(mapping.scaleX, mapping.scaleY) + 1e-9, `${k}: ${back[k]} vs ${drawn[k]}`);
      }
      const exact = tensorBoxToFrame(
        { x: expectedX, y: expectedY, width: drawn.width * mapping.scaleX, height: drawn.height * mapping.scaleY },
        mapping,
      );
      for (const k of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(exact[k] - drawn[k]) < 1e-9);
    }
  });

  test('a float tensor over a SharedArrayBuffer is written in place', () => {
    const src = sharedCopy(randomFrame(new Random(2), 'yuv420p', 65, 33));
    const out = new Float32Array(new SharedArrayBuffer(4 * (3 * 32 * 32 + 2)), 8, 3 * 32 * 32);
    const options = { width: 32, height: 32, layout: 'nchw-f32', letterbox: true, ...IMAGENET } as const;
    cropResize(src, 'yuv420p', 65, 33, options, out);
    const expected = cropResizeReference(
      src,
      'yuv420p',
      65,
      33,
      referenceParams({ ...options, roi: { x: 0, y: 0, width: 65, height: 33 } }),
    );
    assertClose(new Float32Array(out.buffer, 8, 3 * 32 * 32), expected.tensor as Float32Array, FLOAT_TOLERANCE, 'SAB tensor');
  });
});
