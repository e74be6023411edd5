/**
 * Candidate regions from motion boxes, as the best NVRs cut them (Frigate's regions, in idea): boxes are
 * clustered so one object is one region even when its motion splits into pieces (legs and torso, a
 * car's roof and wheels), each cluster becomes a square at least the detector's input size (a crop is
 * never upscaled past what the detector sees anyway, and its context stays around it), shifted, not
 * cut, to stay inside the frame. At most `maxRegions` a frame, the clusters with most motion first; the
 * rest are counted as skipped. `fullFrameRegions` is the slow pass that looks at a still scene.
 * Everything here is in detect-frame pixels.
 */
import type { Rect } from '../native/index.ts';

export interface RegionOptions {
  frameWidth: number;
  frameHeight: number;
  /** Fraction of a cluster's size added on every side before it is squared. */
  padding: number;
  /** Smallest region side: the detector's input size (regions are squares this large when the frame allows). */
  minSide: number;
  /** Most regions a frame. */
  maxRegions: number;
}

export interface RegionSelection {
  /** Squares, most motion first. */
  regions: Rect[];
  /** Clusters beyond maxRegions, not sent. */
  skipped: number;
}

type Box = Rect & { area: number };

/**
 * Pieces closer than this share of the region side are one object even when together they are larger
 * than a region: the gap between a near person's torso and legs, where the clothes match the
 * background, is a few percent of the person.
 */
const GAP_SHARE = 0.1;

/** Whether two rectangles share any area (touching edges do not). */
export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function near(a: Rect, b: Rect, gap: number): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}

function contains(outer: Rect, inner: Rect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

function union(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
    area: a.area + b.area,
  };
}

/** The cluster's side once padded: what its square must hold. */
function paddedSide(r: Rect, padding: number): number {
  return Math.max(r.width, r.height) * (1 + 2 * padding);
}

/**
 * A square of side max(padded size, minSide) centred on `r`, shifted (not cut) to stay inside the
 * frame; on an axis the frame is too small for, the region spans the whole frame.
 */
export function squareAround(r: Rect, side: number, width: number, height: number): Rect {
  const w = Math.min(Math.ceil(side), width);
  const h = Math.min(Math.ceil(side), height);
  const x = Math.round(Math.min(Math.max(r.x + r.width / 2 - w / 2, 0), width - w));
  const y = Math.round(Math.min(Math.max(r.y + r.height / 2 - h / 2, 0), height - h));
  return { x, y, width: w, height: h };
}

/**
 * Merges boxes into clusters until none merge: two merge when together they still fit one region (a
 * person's pieces, two people side by side: one inference for both) or when they lie within a tenth
 * of a region side of each other (the pieces of an object larger than a region).
 */
export function clusterBoxes(boxes: readonly Box[], minSide: number, padding: number): Box[] {
  const clusters = boxes.map((b) => ({ x: b.x, y: b.y, width: b.width, height: b.height, area: b.area }));
  const gap = minSide * GAP_SHARE;
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < clusters.length && !merged; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        const a = clusters[i] as Box;
        const b = clusters[j] as Box;
        const both = union(a, b);
        if (!near(a, b, gap) && paddedSide(both, padding) > minSide) continue;
        clusters[i] = both;
        clusters.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  return clusters;
}

export function selectRegions(boxes: readonly Box[], o: RegionOptions): RegionSelection {
  const clusters = clusterBoxes(boxes, o.minSide, o.padding).sort((a, b) => b.area - a.area);
  const regions: Rect[] = [];
  let skipped = 0;
  for (const c of clusters) {
    // A cluster already inside a region with more motion is seen by that region's crop.
    if (regions.some((r) => contains(r, c))) continue;
    if (regions.length === o.maxRegions) {
      skipped++;
      continue;
    }
    regions.push(squareAround(c, Math.max(o.minSide, paddedSide(c, o.padding)), o.frameWidth, o.frameHeight));
  }
  return { regions, skipped };
}

/**
 * The slow full-frame pass: the whole frame as one region when its longer side is at most twice the
 * detector's input (the crop is scaled down at most 2x, so people stay tens of pixels tall), else a
 * row or column of squares as large as the frame's shorter side, overlapping evenly: 1280x720 with a
 * 416 detector is two 720x720 tiles (1.7x down) rather than one 3.1x downscale where a distant person
 * would be a dozen pixels wide.
 */
export function fullFrameRegions(width: number, height: number, minSide: number): Rect[] {
  if (Math.max(width, height) <= 2 * minSide) return [{ x: 0, y: 0, width, height }];
  const side = Math.min(Math.max(minSide, Math.min(width, height)), Math.max(width, height));
  const tw = Math.min(side, width);
  const th = Math.min(side, height);
  const nx = Math.ceil(width / tw);
  const ny = Math.ceil(height / th);
  const tiles: Rect[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const x = nx === 1 ? 0 : Math.round((i * (width - tw)) / (nx - 1));
      const y = ny === 1 ? 0 : Math.round((j * (height - th)) / (ny - 1));
      tiles.push({ x, y, width: tw, height: th });
    }
  }
  return tiles;
}
