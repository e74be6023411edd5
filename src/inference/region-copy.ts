/**
 * Copies one region of a frame into a frame-sized buffer at the same place (rows of the luma plane and,
 * for yuv420p/nv12, the matching chroma rows). The crop slab keeps such a snapshot a candidate, so the
 * coordinator can measure and keep a best shot after inference, when the ring slot is long reused; only
 * the region is copied, and everything downstream reads only inside it.
 */
import type { PixelFormat, Rect } from '../native/index.ts';

/** Formats whose snapshot best shot can read (a luma plane first). */
export type SnapshotFormat = 'gray' | 'yuv420p' | 'nv12';

export function isSnapshotFormat(format: PixelFormat): format is SnapshotFormat {
  return format === 'gray' || format === 'yuv420p' || format === 'nv12';
}

/** Bytes of a whole frame in a snapshot format (chroma planes round up, as ffmpeg's do). */
export function snapshotBytes(format: SnapshotFormat, width: number, height: number): number {
  const luma = width * height;
  if (format === 'gray') return luma;
  return luma + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/**
 * Snapshot margin around a region: the best shot pads a detection box by up to 10% of its size, and a
 * detection may reach the region's edge, so 15% keeps every pixel it reads inside the copy. The face
 * cascade reads only inside it too (src/inference/face-cascade.ts).
 */
export const SNAPSHOT_MARGIN = 0.15;

/** The region grown by `margin` of its size on every side, on even coordinates, inside the frame. */
export function snapshotRect(region: Rect, margin: number, width: number, height: number): Rect {
  const mx = Math.ceil(region.width * margin) + 2;
  const my = Math.ceil(region.height * margin) + 2;
  const x0 = Math.max(0, Math.floor(region.x - mx)) & ~1;
  const y0 = Math.max(0, Math.floor(region.y - my)) & ~1;
  const x1 = Math.min(width, Math.ceil(region.x + region.width + mx));
  const y1 = Math.min(height, Math.ceil(region.y + region.height + my));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

function copyRows(src: Uint8Array, dst: Uint8Array, offset: number, stride: number, x: number, y: number, w: number, h: number): void {
  for (let row = y; row < y + h; row++) {
    const start = offset + row * stride + x;
    dst.set(src.subarray(start, start + w), start);
  }
}

export function copyRegion(src: Uint8Array, dst: Uint8Array, format: SnapshotFormat, width: number, height: number, rect: Rect): void {
  copyRows(src, dst, 0, width, rect.x, rect.y, rect.width, rect.height);
  if (format === 'gray') return;
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const cx = rect.x >> 1;
  const cy = rect.y >> 1;
  const cwRect = Math.min(cw - cx, Math.ceil(rect.width / 2) + 1);
  const chRect = Math.min(ch - cy, Math.ceil(rect.height / 2) + 1);
  const luma = width * height;
  if (format === 'nv12') {
    // One interleaved UV plane, two bytes a chroma sample.
    copyRows(src, dst, luma, cw * 2, cx * 2, cy, Math.min(cw * 2 - cx * 2, cwRect * 2), chRect);
    return;
  }
  copyRows(src, dst, luma, cw, cx, cy, cwRect, chRect);
  copyRows(src, dst, luma + cw * ch, cw, cx, cy, cwRect, chRect);
}
