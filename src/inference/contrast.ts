/**
 * DetectorInput.contrast for the channel worker: how strongly the changed pixels of a candidate differ
 * from the reference, in luma levels. Real objects against a background differ by tens of levels;
 * sensor noise, rain and compression shimmer barely pass the motion threshold, so this separates them
 * where the changed-pixel count alone cannot.
 *
 * Call it right after `MotionDetector.detect` in background mode (`alpha` > 0), with the detector's
 * `referencePlane`: the addon has already blended the frame in (bg' = bg + alpha (cur - bg)), so
 * |cur - bg'| = (1 - alpha) |cur - bg| and dividing by (1 - alpha) recovers the difference the kernel
 * thresholded. In differencing mode (alpha 0) the detector's reference already holds the current frame
 * after `detect`, so the caller must pass the previous frame instead. A box-sized TypeScript loop a
 * candidate (not a frame): about 1 ns a pixel, 40 us for a 200x200 box.
 */
import type { Rect } from '../native/index.ts';

/**
 * Mean |cur - reference| / (1 - alpha) over the pixels of `box` where that exceeds `threshold` (the
 * motion threshold), 0 when none do. Planes are packed (stride = width).
 */
export function changedContrast(
  cur: Uint8Array,
  reference: Uint8Array | Float32Array,
  width: number,
  box: Rect,
  threshold: number,
  alpha = 0,
): number {
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`Expected a number in [0, 1) for alpha but received ${String(alpha)}`);
  const gain = 1 / (1 - alpha);
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(width, Math.ceil(box.x + box.width));
  const y1 = Math.min(Math.floor(cur.length / width), Math.ceil(box.y + box.height));
  let sum = 0;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let x = x0; x < x1; x++) {
      const d = Math.abs((cur[row + x] as number) - (reference[row + x] as number)) * gain;
      if (d > threshold) {
        sum += d;
        count++;
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}
