/**
 * Pure-TypeScript focus measures, from native/sharpness.h: 3x3 Sobel tenengrad and the variance of the
 * 3x3 Laplacian, BORDER_REFLECT_101, exact integer sums.
 */

export interface SharpnessReference {
  tenengrad: number;
  laplacianVariance: number;
}

export interface RoiReference {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Neighbour index tables for BORDER_REFLECT_101 along an axis of length n: prev[i] is i-1 and next[i] is
 * i+1, reflected without repeating the edge (-1 -> 1, n -> n-2); for n = 1 both are the pixel itself.
 */
export function reflect101Neighbours(n: number): { prev: Int32Array; next: Int32Array } {
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i > 0 ? i - 1 : Math.min(1, n - 1);
    next[i] = i < n - 1 ? i + 1 : Math.max(n - 2, 0);
  }
  return { prev, next };
}

/** Copies an ROI out of a plane: the ROI is then an isolated image, as a sliced numpy array is to cv2. */
export function cropPlane(plane: Uint8Array, width: number, roi: RoiReference): Uint8Array {
  const out = new Uint8Array(roi.width * roi.height);
  for (let y = 0; y < roi.height; y++) {
    const from = (roi.y + y) * width + roi.x;
    out.set(plane.subarray(from, from + roi.width), y * roi.width);
  }
  return out;
}

/**
 * Tenengrad = mean of Gx^2 + Gy^2; laplacianVariance = population variance of the Laplacian.
 * Integer sums stay below 2^53 for any plane the addon accepts (|L| <= 1020, |G|^2 <= 2 * 1020^2,
 * 16384^2 pixels), and the variance numerator n*sumSq - sum^2 is formed in BigInt, so the only
 * rounding is the final division.
 */
export function sharpnessReference(plane: Uint8Array, width: number, height: number, roi?: RoiReference): SharpnessReference {
  const image = roi ? cropPlane(plane, width, roi) : plane;
  const w = roi ? roi.width : width;
  const h = roi ? roi.height : height;
  const cols = reflect101Neighbours(w);
  const rows = reflect101Neighbours(h);
  let gradSum = 0;
  let lapSum = 0;
  let lapSq = 0;
  for (let y = 0; y < h; y++) {
    const up = rows.prev[y]! * w;
    const mid = y * w;
    const down = rows.next[y]! * w;
    for (let x = 0; x < w; x++) {
      const l = cols.prev[x]!;
      const r = cols.next[x]!;
      const a = image[up + l]!,
        b = image[up + x]!,
        c = image[up + r]!;
      const d = image[mid + l]!,
        e = image[mid + x]!,
        f = image[mid + r]!;
      const g = image[down + l]!,
        k = image[down + x]!,
        m = image[down + r]!;
      const gx = c + 2 * f + m - (a + 2 * d + g);
      const gy = g + 2 * k + m - (a + 2 * b + c);
      gradSum += gx * gx + gy * gy;
      const lap = b + d + f + k - 4 * e;
      lapSum += lap;
      lapSq += lap * lap;
    }
  }
  const n = w * h;
  const numerator = BigInt(n) * BigInt(lapSq) - BigInt(lapSum) * BigInt(lapSum);
  return {
    tenengrad: gradSum / n,
    laplacianVariance: Number(numerator) / (n * n),
  };
}
