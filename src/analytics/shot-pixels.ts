/**
 * The pixel work of a best shot, over a frame the caller holds (a crop-slab snapshot or a ring slot):
 * the luma of a box for sharpness and brightness, and the colour copy of a region for the JPEG.
 * Planar formats (gray, yuv420p, nv12) give their luma plane as it is; packed RGB/BGR frames have the
 * box converted (BT.601) first, which costs one small crop a detection.
 */
import { cropResize, type PixelFormat, type Rect } from '../native/index.ts';
import type { RawImage } from './jpeg.ts';

/** A frame as the best shot reads it. */
export interface ShotFrame {
  data: Uint8Array;
  format: PixelFormat;
  width: number;
  height: number;
  timeMs: number;
  /** `data` holds the whole frame, not only the analysed region (a crop slab with whole snapshots). */
  whole?: boolean;
}

/** A luma plane and the rectangle of it that holds the box. */
export interface LumaView {
  plane: Uint8Array;
  width: number;
  height: number;
  rect: Rect;
}

/** The box rounded outwards and clipped to the frame, or null when nothing of it is inside. */
export function pixelBox(r: Rect, width: number, height: number): Rect | null {
  const x1 = Math.max(0, Math.floor(r.x)),
    y1 = Math.max(0, Math.floor(r.y));
  const x2 = Math.min(width, Math.ceil(r.x + r.width)),
    y2 = Math.min(height, Math.ceil(r.y + r.height));
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : null;
}

/**
 * The box comes within a pixel of the frame's border (or crosses it): the object is probably cut off.
 * A pixel, not zero: detector boxes are fractional and clipped, so a cut-off object's box may end at 0.4.
 */
export function touchesEdge(r: Rect, width: number, height: number): boolean {
  return r.x < 1 || r.y < 1 || r.x + r.width > width - 1 || r.y + r.height > height - 1;
}

/** The luma of `rect` (a pixel box inside the frame). */
export function lumaOf(frame: ShotFrame, rect: Rect): LumaView {
  if (frame.format === 'gray' || frame.format === 'yuv420p' || frame.format === 'nv12') {
    return { plane: frame.data.subarray(0, frame.width * frame.height), width: frame.width, height: frame.height, rect };
  }
  const rgb = cropResize(frame.data, frame.format, frame.width, frame.height, {
    roi: rect,
    width: rect.width,
    height: rect.height,
    layout: 'nhwc-u8',
  }).tensor as Uint8Array;
  const plane = new Uint8Array(rect.width * rect.height);
  for (let i = 0; i < plane.length; i++) {
    plane[i] = Math.round(0.299 * (rgb[i * 3] as number) + 0.587 * (rgb[i * 3 + 1] as number) + 0.114 * (rgb[i * 3 + 2] as number));
  }
  return { plane, width: rect.width, height: rect.height, rect: { x: 0, y: 0, width: rect.width, height: rect.height } };
}

/** The region's pixels at most maxSide a side: gray rows copied as they are, anything else through cropResize. */
export function copyRegion(frame: ShotFrame, region: Rect, maxSide: number): RawImage {
  const scale = Math.min(1, maxSide / Math.max(region.width, region.height));
  const width = Math.max(1, Math.round(region.width * scale));
  const height = Math.max(1, Math.round(region.height * scale));
  if (frame.format === 'gray' && scale === 1) {
    const data = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const start = (region.y + y) * frame.width + region.x;
      data.set(frame.data.subarray(start, start + width), y * width);
    }
    return { data, width, height, channels: 1 };
  }
  const rgb = cropResize(frame.data, frame.format, frame.width, frame.height, { roi: region, width, height, layout: 'nhwc-u8' })
    .tensor as Uint8Array;
  if (frame.format !== 'gray') return { data: rgb, width, height, channels: 3 };
  // A gray frame converts to R = G = B: keep one channel.
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i * 3] as number;
  return { data, width, height, channels: 1 };
}
