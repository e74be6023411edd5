/**
 * Pure-TypeScript toLuma, written straight from the definition in native/luma.h. It is the test oracle
 * and the bench baseline, so it is plain and exact rather than clever: integer weights, one rounding.
 */
import type { PixelFormat } from '../../src/native/index.ts';

/** Packed frame size as native/frame.h defines it (chroma planes round up). */
export function frameBytesReference(format: PixelFormat, width: number, height: number): number {
  const luma = width * height;
  const chroma = Math.floor((width + 1) / 2) * Math.floor((height + 1) / 2);
  switch (format) {
    case 'gray':
      return luma;
    case 'yuv420p':
    case 'nv12':
      return luma + 2 * chroma;
    case 'rgb24':
    case 'bgr24':
      return luma * 3;
  }
}

/** OpenCV 4.x's fixed-point BT.601 RGB2GRAY (15-bit weights). */
export function rgbToGray(r: number, g: number, b: number): number {
  return (r * 9798 + g * 19235 + b * 3735 + 16384) >> 15;
}

/** Step 1 of the definition: the per-pixel luma plane at source size. */
export function lumaPlane(src: Uint8Array, format: PixelFormat, width: number, height: number): Uint8Array {
  const pixels = width * height;
  switch (format) {
    case 'gray':
    case 'yuv420p':
    case 'nv12':
      // The Y plane as stored: no limited-to-full range conversion.
      return src.slice(0, pixels);
    case 'rgb24':
    case 'bgr24': {
      const out = new Uint8Array(pixels);
      const [ri, bi] = format === 'rgb24' ? [0, 2] : [2, 0];
      for (let p = 0, s = 0; p < pixels; p++, s += 3) {
        out[p] = rgbToGray(src[s + ri]!, src[s + 1]!, src[s + bi]!);
      }
      return out;
    }
  }
}

/**
 * Overlap weights of an area resize along one axis, in units scaled by `dst`: destination cell d spans
 * [d*src, (d+1)*src), source cell i spans [i*dst, (i+1)*dst). For each d: the first source index and
 * the weights of the consecutive source cells it overlaps (they sum to `src`).
 */
export interface AreaWeights {
  first: Int32Array;
  count: Int32Array;
  /** Flattened weights; cell d's start at offset[d]. */
  offset: Int32Array;
  weight: Float64Array;
}

export function areaWeights(src: number, dst: number): AreaWeights {
  const first = new Int32Array(dst);
  const count = new Int32Array(dst);
  const offset = new Int32Array(dst);
  const weights: number[] = [];
  for (let d = 0; d < dst; d++) {
    const lo = d * src;
    const hi = (d + 1) * src;
    const i0 = Math.floor(lo / dst);
    const i1 = Math.ceil(hi / dst) - 1;
    first[d] = i0;
    count[d] = i1 - i0 + 1;
    offset[d] = weights.length;
    for (let i = i0; i <= i1; i++) {
      weights.push(Math.min(hi, (i + 1) * dst) - Math.max(lo, i * dst));
    }
  }
  return { first, count, offset, weight: Float64Array.from(weights) };
}

/**
 * Step 2: exact area average, dst = (sum wx*wy*L + area/2) / area (integer division), area = srcW*srcH.
 */
export function areaResize(plane: Uint8Array, srcW: number, srcH: number, dst: Uint8Array, dstW: number, dstH: number): Uint8Array {
  const wx = areaWeights(srcW, dstW);
  const wy = areaWeights(srcH, dstH);
  // Weighted sums are < srcW*srcH*255 <= 2^28 * 2^8 = 2^36: exact. The quotient's fractional part is a
  // multiple of 1/area >= 2^-28, far above double rounding at < 256, so Math.floor is the integer division.
  const area = srcW * srcH;
  const half = Math.floor(area / 2);
  const rows = new Float64Array(srcW);
  for (let dy = 0; dy < dstH; dy++) {
    rows.fill(0);
    const y0 = wy.first[dy]!;
    for (let k = 0; k < wy.count[dy]!; k++) {
      const w = wy.weight[wy.offset[dy]! + k]!;
      const row = (y0 + k) * srcW;
      for (let i = 0; i < srcW; i++) rows[i]! += w * plane[row + i]!;
    }
    for (let dx = 0; dx < dstW; dx++) {
      const x0 = wx.first[dx]!;
      const o = wx.offset[dx]!;
      let sum = 0;
      for (let k = 0; k < wx.count[dx]!; k++) sum += wx.weight[o + k]! * rows[x0 + k]!;
      dst[dy * dstW + dx] = Math.floor((sum + half) / area);
    }
  }
  return dst;
}

/** The whole toLuma definition: luma of each source pixel, then the exact area average. */
export function toLumaReference(
  src: Uint8Array,
  format: PixelFormat,
  width: number,
  height: number,
  dstW: number,
  dstH: number,
): Uint8Array {
  return areaResize(lumaPlane(src, format, width, height), width, height, new Uint8Array(dstW * dstH), dstW, dstH);
}
