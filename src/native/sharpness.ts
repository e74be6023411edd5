import { addon } from './load.ts';
import { activeLevel } from './simd.ts';
import type { Rect } from './types.ts';

export interface Sharpness {
  /** Mean of Gx^2 + Gy^2 with 3x3 Sobel, BORDER_REFLECT_101. */
  tenengrad: number;
  /** Variance of the 3x3 Laplacian (cv2.Laplacian ksize=1), BORDER_REFLECT_101. */
  laplacianVariance: number;
  /** Mean pixel value (brightness), from the same call: a JS loop over a region cost more than both measures. */
  mean: number;
}

const out = new Float64Array(3);

/** Focus measures of a luma plane or of an ROI of it (the ROI is treated as an isolated image). */
export function sharpness(plane: Uint8Array, width: number, height: number, roi?: Rect): Sharpness {
  const r = roi ?? { x: 0, y: 0, width, height };
  addon().sharpness(plane, width, height, r.x, r.y, r.width, r.height, out, activeLevel());
  return { tenengrad: out[0] as number, laplacianVariance: out[1] as number, mean: out[2] as number };
}
