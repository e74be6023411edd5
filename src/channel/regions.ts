/**
 * Candidate regions from motion boxes: pad each box (objects are larger than their moving pixels),
 * merge the ones that touch, make each a square at least the detector's input size (so a crop is
 * not upscaled past what the detector sees anyway), keep the largest few.
 */
import type { Rect } from '../native/index.ts';

export interface RegionOptions {
  frameWidth: number;
  frameHeight: number;
  /** Fraction of the box size added on every side. */
  padding: number;
  /** Detector input side in analysis pixels; regions are squares at least this large when the frame allows. */
  minSide: number;
  /** Most regions a frame. */
  maxRegions: number;
}

/** Whether two rectangles share any area (touching edges do not). */
export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

function clampRect(r: Rect, width: number, height: number): Rect {
  const x = Math.max(0, Math.min(r.x, width - 1));
  const y = Math.max(0, Math.min(r.y, height - 1));
  return { x, y, width: Math.max(1, Math.min(r.x + r.width, width) - x), height: Math.max(1, Math.min(r.y + r.height, height) - y) };
}

/**
 * A square of side max(w, h, minSide) centred on `r`, shifted (not cut) to stay inside the frame; on an
 * axis the frame is too small for, the region spans the whole frame.
 */
function squareAround(r: Rect, minSide: number, width: number, height: number): Rect {
  const side = Math.max(r.width, r.height, minSide);
  const w = Math.min(side, width);
  const h = Math.min(side, height);
  const x = Math.round(Math.min(Math.max(r.x + r.width / 2 - w / 2, 0), width - w));
  const y = Math.round(Math.min(Math.max(r.y + r.height / 2 - h / 2, 0), height - h));
  return { x, y, width: w, height: h };
}

export function selectRegions(boxes: readonly Rect[], o: RegionOptions): Rect[] {
  let regions = boxes.map((b) => {
    const px = Math.round(b.width * o.padding);
    const py = Math.round(b.height * o.padding);
    return clampRect({ x: b.x - px, y: b.y - py, width: b.width + 2 * px, height: b.height + 2 * py }, o.frameWidth, o.frameHeight);
  });
  // Merge until stable: squaring can make regions overlap that did not before.
  for (let pass = 0; pass < 2; pass++) {
    let merged = true;
    while (merged) {
      merged = false;
      outer: for (let i = 0; i < regions.length; i++) {
        for (let j = i + 1; j < regions.length; j++) {
          if (intersects(regions[i] as Rect, regions[j] as Rect)) {
            regions[i] = union(regions[i] as Rect, regions[j] as Rect);
            regions.splice(j, 1);
            merged = true;
            break outer;
          }
        }
      }
    }
    regions = regions.map((r) => squareAround(r, o.minSide, o.frameWidth, o.frameHeight));
  }
  regions.sort((a, b) => b.width * b.height - a.width * a.height);
  return regions.slice(0, o.maxRegions);
}
