/**
 * Pure-TypeScript motion, from the definition in native/motion.h: absdiff against a previous plane or a
 * rounded running background, threshold, exclusion, counts, bbox, grid, 8-connected components.
 */

export interface MotionParamsReference {
  threshold: number;
  minArea: number;
  gridCols: number;
  gridRows: number;
  maxBoxes: number;
  /** Background mode only (ref is a Float32Array). */
  alpha: number;
  /** Background mode: the weight at changed pixels; `alpha` when absent. */
  foregroundAlpha?: number;
}

export interface MotionBoxReference {
  x: number;
  y: number;
  w: number;
  h: number;
  area: number;
}

export interface MotionReferenceResult {
  changed: number;
  /** Bounding box of all changed pixels; w = h = 0 (and here x = y = 0) when none changed. */
  bboxX: number;
  bboxY: number;
  bboxW: number;
  bboxH: number;
  /** Components with area >= minArea. */
  components: number;
  /** The first min(components, maxBoxes) components, largest area first, ties by y then x. */
  boxes: MotionBoxReference[];
  grid: Uint32Array;
}

/**
 * cv2.convertScaleAbs of one background value: saturate_cast<uchar> rounds half to even (cvRound).
 * `v` is a float32 widened to double, so v - floor(v) is exact and the tie test is exact too.
 */
export function roundBackground(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  const r = d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
  return r < 0 ? 0 : Math.min(r, 255);
}

/**
 * cv2.accumulateWeighted as the header writes it, bg += a * (cur - bg), rounded to float32 at each step,
 * where a is `foregroundAlpha` at the pixels `mask` marks changed and `alpha` elsewhere.
 */
export function updateBackground(
  background: Float32Array,
  cur: Uint8Array,
  alpha: number,
  foregroundAlpha = alpha,
  mask: Uint8Array | null = null,
): void {
  const a = Math.fround(alpha);
  const f = Math.fround(foregroundAlpha);
  for (let i = 0; i < background.length; i++) {
    const bg = background[i]!;
    background[i] = bg + Math.fround((mask !== null && mask[i] !== 0 ? f : a) * Math.fround(cur[i]! - bg));
  }
}

/** Thresholded mask (1 = changed, exclusions removed) against a plane or a background. */
export function changedMask(cur: Uint8Array, ref: Uint8Array | Float32Array, threshold: number, exclude: Uint8Array | null): Uint8Array {
  const mask = new Uint8Array(cur.length);
  const background = ref instanceof Float32Array;
  for (let i = 0; i < cur.length; i++) {
    if (exclude !== null && exclude[i] !== 0) continue;
    const r = background ? roundBackground(ref[i]!) : ref[i]!;
    if (Math.abs(cur[i]! - r) > threshold) mask[i] = 1;
  }
  return mask;
}

/**
 * 8-connected components of `mask` in raster order of their first pixel (a flood fill with an explicit
 * stack: no recursion, no per-pixel objects).
 */
export function components8(mask: Uint8Array, width: number, height: number): MotionBoxReference[] {
  const labelled = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  const found: MotionBoxReference[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || labelled[start] !== 0) continue;
    let top = 0;
    stack[top++] = start;
    labelled[start] = 1;
    let minX = width,
      minY = height,
      maxX = -1,
      maxY = -1,
      area = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width;
      const y = (p - x) / width;
      area++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const q = ny * width + nx;
          if (mask[q] !== 0 && labelled[q] === 0) {
            labelled[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    found.push({ x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1, area });
  }
  return found;
}

/** The header's order: area descending, then bbox y, then bbox x (Array.prototype.sort is stable). */
export function compareBoxes(a: MotionBoxReference, b: MotionBoxReference): number {
  return b.area - a.area || a.y - b.y || a.x - b.x;
}

/**
 * One motion call. In background mode (`ref` a Float32Array) the background is compared first and then
 * updated in place, like the kernel.
 */
export function motionReference(
  cur: Uint8Array,
  ref: Uint8Array | Float32Array,
  width: number,
  height: number,
  params: MotionParamsReference,
  exclude: Uint8Array | null = null,
): MotionReferenceResult {
  const mask = changedMask(cur, ref, params.threshold, exclude);
  const grid = new Uint32Array(params.gridCols * params.gridRows);
  let changed = 0;
  let minX = width,
    minY = height,
    maxX = -1,
    maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = Math.floor((y * params.gridRows) / height);
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] === 0) continue;
      changed++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      grid[row * params.gridCols + Math.floor((x * params.gridCols) / width)]!++;
    }
  }
  // maxBoxes 0 is the count-only mode: no labelling at all.
  const kept =
    params.maxBoxes === 0
      ? []
      : components8(mask, width, height)
          .filter((c) => c.area >= params.minArea)
          .sort(compareBoxes);
  if (ref instanceof Float32Array) updateBackground(ref, cur, params.alpha, params.foregroundAlpha ?? params.alpha, mask);
  const any = changed > 0;
  return {
    changed,
    bboxX: any ? minX : 0,
    bboxY: any ? minY : 0,
    bboxW: any ? maxX - minX + 1 : 0,
    bboxH: any ? maxY - minY + 1 : 0,
    components: kept.length,
    boxes: kept.slice(0, params.maxBoxes),
    grid,
  };
}
