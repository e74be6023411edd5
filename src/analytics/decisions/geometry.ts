/**
 * Polygons for zones and masks: compiled once per camera into pixel coordinates with a bounding box for
 * a cheap reject, and the crossing-number point test. (Box IoU is the tracker's: src/analytics/tracker.ts.)
 */

/** A polygon in analysis-frame pixels: xs/ys of its vertices plus its bounding box. */
export interface PixelPolygon {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** Scales a polygon given in normalised 0..1 frame coordinates to pixels of a width x height frame. */
export function toPixelPolygon(points: ReadonlyArray<readonly [number, number]>, width: number, height: number): PixelPolygon {
  const xs = Float64Array.from(points, ([x]) => x * width);
  const ys = Float64Array.from(points, ([, y]) => y * height);
  return { xs, ys, minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

/**
 * Crossing number (W. R. Franklin's PNPOLY): a ray to +x crosses the edges an odd number of times when
 * the point is inside. Each edge is half-open in y, so a point on the boundary between two adjacent
 * zones belongs to exactly one of them, and a vertex on the ray is never counted twice.
 */
export function pointInPolygon(px: number, py: number, polygon: PixelPolygon): boolean {
  if (px < polygon.minX || px > polygon.maxX || py < polygon.minY || py > polygon.maxY) return false;
  const { xs, ys } = polygon;
  let inside = false;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    const yi = ys[i] as number;
    const yj = ys[j] as number;
    if (yi > py !== yj > py) {
      const xi = xs[i] as number;
      const xj = xs[j] as number;
      if (px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}
