/**
 * Pure-TypeScript cropResize, from the definition in native/crop_resize.h: content size and letterbox,
 * OpenCV INTER_LINEAR sampling with 11-bit weights, BT.601 limited-range YUV -> RGB, RGB tensor out.
 */
import type { PixelFormat } from '../../src/native/index.ts';

export interface CropParamsReference {
  roi: { x: number; y: number; width: number; height: number };
  dstW: number;
  dstH: number;
  layout: 'nhwc-u8' | 'nchw-f32';
  letterbox: boolean;
  pad: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export interface CropMappingReference {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  contentW: number;
  contentH: number;
}

export function cropMappingReference(p: CropParamsReference): CropMappingReference {
  let contentW = p.dstW;
  let contentH = p.dstH;
  if (p.letterbox) {
    const s = Math.min(p.dstW / p.roi.width, p.dstH / p.roi.height);
    contentW = Math.min(Math.max(Math.floor(p.roi.width * s + 0.5), 1), p.dstW);
    contentH = Math.min(Math.max(Math.floor(p.roi.height * s + 0.5), 1), p.dstH);
  }
  return {
    scaleX: contentW / p.roi.width,
    scaleY: contentH / p.roi.height,
    padX: Math.floor((p.dstW - contentW) / 2),
    padY: Math.floor((p.dstH - contentH) / 2),
    contentW,
    contentH,
  };
}

/** One axis of the sampling grid: per content index, the clamped position and its two taps + weight. */
export interface Taps {
  /** Source position (clamped), for the chroma position of the same pixel. */
  pos: Float64Array;
  i0: Int32Array;
  i1: Int32Array;
  /** 11-bit fraction, 0..2048. */
  f: Int32Array;
}

function tap(s: number, limit: number): [number, number, number] {
  const i0 = Math.floor(s);
  return [i0, Math.min(i0 + 1, limit - 1), Math.floor((s - i0) * 2048 + 0.5)];
}

/** Luma taps: s = (c + 0.5) * roiSize / content - 0.5, clamped to [0, roiSize - 1] (ROI-relative). */
export function lumaTaps(content: number, roiSize: number): Taps {
  const t: Taps = { pos: new Float64Array(content), i0: new Int32Array(content), i1: new Int32Array(content), f: new Int32Array(content) };
  for (let c = 0; c < content; c++) {
    const s = Math.min(Math.max(((c + 0.5) * roiSize) / content - 0.5, 0), roiSize - 1);
    t.pos[c] = s;
    [t.i0[c], t.i1[c], t.f[c]] = tap(s, roiSize);
  }
  return t;
}

/** Chroma taps at (roiOrigin + s + 0.5) / 2 - 0.5 clamped to [0, chromaSize - 1] (absolute chroma index). */
export function chromaTaps(luma: Taps, roiOrigin: number, chromaSize: number): Taps {
  const n = luma.pos.length;
  const t: Taps = { pos: new Float64Array(n), i0: new Int32Array(n), i1: new Int32Array(n), f: new Int32Array(n) };
  for (let c = 0; c < n; c++) {
    const s = Math.min(Math.max((roiOrigin + luma.pos[c]! + 0.5) / 2 - 0.5, 0), chromaSize - 1);
    t.pos[c] = s;
    [t.i0[c], t.i1[c], t.f[c]] = tap(s, chromaSize);
  }
  return t;
}

/** The header's bilinear blend of four 8-bit taps with 11-bit weights; stays below 2^31. */
export function blend(p00: number, p01: number, p10: number, p11: number, fx: number, fy: number): number {
  return ((p00 * (2048 - fx) + p01 * fx) * (2048 - fy) + (p10 * (2048 - fx) + p11 * fx) * fy + (1 << 21)) >> 22;
}

const clamp8 = (v: number): number => (v < 0 ? 0 : Math.min(v, 255));

/** BT.601 limited range, integer form with arithmetic shifts. Writes R, G, B into `out` at `o`. */
export function yuvToRgb(y: number, u: number, v: number, out: Uint8Array, o: number): void {
  const c = y - 16,
    d = u - 128,
    e = v - 128;
  out[o] = clamp8((298 * c + 409 * e + 128) >> 8);
  out[o + 1] = clamp8((298 * c - 100 * d - 208 * e + 128) >> 8);
  out[o + 2] = clamp8((298 * c + 516 * d + 128) >> 8);
}

/** The resized content as interleaved RGB bytes (contentW x contentH), before padding and layout. */
export function resizeToRgb(
  src: Uint8Array,
  format: PixelFormat,
  width: number,
  height: number,
  p: CropParamsReference,
  m: CropMappingReference,
): Uint8Array {
  const { roi } = p;
  const tx = lumaTaps(m.contentW, roi.width);
  const ty = lumaTaps(m.contentH, roi.height);
  const rgb = new Uint8Array(m.contentW * m.contentH * 3);
  const packed = format === 'rgb24' || format === 'bgr24';
  // One plane sample: `step` bytes between horizontal neighbours (3 packed RGB, 2 nv12 UV, else 1).
  const sample = (
    base: number,
    stride: number,
    step: number,
    x0: number,
    x1: number,
    y0: number,
    y1: number,
    fx: number,
    fy: number,
  ): number =>
    blend(
      src[base + y0 * stride + x0 * step]!,
      src[base + y0 * stride + x1 * step]!,
      src[base + y1 * stride + x0 * step]!,
      src[base + y1 * stride + x1 * step]!,
      fx,
      fy,
    );
  const cw = Math.floor((width + 1) / 2);
  const chh = Math.floor((height + 1) / 2);
  const cx = chromaTaps(tx, roi.x, cw);
  const cy = chromaTaps(ty, roi.y, chh);
  const chroma = width * height;
  for (let y = 0; y < m.contentH; y++) {
    const y0 = roi.y + ty.i0[y]!,
      y1 = roi.y + ty.i1[y]!,
      fy = ty.f[y]!;
    const cy0 = cy.i0[y]!,
      cy1 = cy.i1[y]!,
      cfy = cy.f[y]!;
    for (let x = 0; x < m.contentW; x++) {
      const x0 = roi.x + tx.i0[x]!,
        x1 = roi.x + tx.i1[x]!,
        fx = tx.f[x]!;
      const cx0 = cx.i0[x]!,
        cx1 = cx.i1[x]!,
        cfx = cx.f[x]!;
      const o = (y * m.contentW + x) * 3;
      if (packed) {
        for (let c = 0; c < 3; c++) {
          rgb[o + (format === 'rgb24' ? c : 2 - c)] = sample(c, width * 3, 3, x0, x1, y0, y1, fx, fy);
        }
      } else if (format === 'gray') {
        rgb.fill(sample(0, width, 1, x0, x1, y0, y1, fx, fy), o, o + 3);
      } else if (format === 'yuv420p') {
        yuvToRgb(
          sample(0, width, 1, x0, x1, y0, y1, fx, fy),
          sample(chroma, cw, 1, cx0, cx1, cy0, cy1, cfx, cfy),
          sample(chroma + cw * chh, cw, 1, cx0, cx1, cy0, cy1, cfx, cfy),
          rgb,
          o,
        );
      } else {
        // nv12: one interleaved UV plane, two bytes per chroma sample.
        yuvToRgb(
          sample(0, width, 1, x0, x1, y0, y1, fx, fy),
          sample(chroma, cw * 2, 2, cx0, cx1, cy0, cy1, cfx, cfy),
          sample(chroma + 1, cw * 2, 2, cx0, cx1, cy0, cy1, cfx, cfy),
          rgb,
          o,
        );
      }
    }
  }
  return rgb;
}

/** The whole definition: content, pad, layout and (nchw-f32) float32 normalisation. */
export function cropResizeReference(
  src: Uint8Array,
  format: PixelFormat,
  width: number,
  height: number,
  p: CropParamsReference,
): { tensor: Uint8Array | Float32Array; mapping: CropMappingReference } {
  const m = cropMappingReference(p);
  const rgb = resizeToRgb(src, format, width, height, p, m);
  const plane = p.dstW * p.dstH;
  const value = (x: number, y: number, c: number): number => {
    const cx = x - m.padX,
      cy = y - m.padY;
    if (cx < 0 || cy < 0 || cx >= m.contentW || cy >= m.contentH) return p.pad;
    return rgb[(cy * m.contentW + cx) * 3 + c]!;
  };
  if (p.layout === 'nhwc-u8') {
    const out = new Uint8Array(plane * 3);
    for (let y = 0; y < p.dstH; y++) {
      for (let x = 0; x < p.dstW; x++) {
        for (let c = 0; c < 3; c++) out[(y * p.dstW + x) * 3 + c] = value(x, y, c);
      }
    }
    return { tensor: out, mapping: m };
  }
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    // out = v * (1 / (255 * std)) + (-mean / std) in float32: the two constants are float32 (from the
    // float32 mean and std), rounded once from double, and v * scale + bias is rounded once, as an
    // fma does. v * scale is exact in double (8 x 24 bits), so the one rounding is the store below.
    const mean = Math.fround(p.mean[c]!),
      std = Math.fround(p.std[c]!);
    const scale = Math.fround(1 / (255 * std));
    const bias = Math.fround(-mean / std);
    for (let y = 0; y < p.dstH; y++) {
      for (let x = 0; x < p.dstW; x++) out[c * plane + y * p.dstW + x] = value(x, y, c) * scale + bias;
    }
  }
  return { tensor: out, mapping: m };
}
