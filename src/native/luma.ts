import { formatCode, type PixelFormat } from './binding.ts';
import { addon } from './load.ts';
import { activeLevel } from './simd.ts';

/** Bytes of a packed frame as ffmpeg's rawvideo writes it (yuv420p/nv12 round chroma up). */
export function frameBytes(format: PixelFormat, width: number, height: number): number {
  return addon().frameBytes(formatCode(format), width, height);
}

/**
 * Writes the luma plane of `src` into `dst` (dstWidth x dstHeight), area-averaged. Views over a
 * SharedArrayBuffer are read and written in place.
 */
export function toLuma(
  src: Uint8Array,
  format: PixelFormat,
  width: number,
  height: number,
  dst: Uint8Array,
  dstWidth: number,
  dstHeight: number,
): Uint8Array {
  addon().toLuma(src, formatCode(format), width, height, dst, dstWidth, dstHeight, activeLevel());
  return dst;
}
