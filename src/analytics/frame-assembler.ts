/**
 * Puts a camera frame back together after inference. The channel worker sends one crop a candidate
 * region and the scheduler batches crops fairly across cameras, so the regions of one frame can come
 * back in different batches, out of order, or not at all (a crop replaced in a full queue). The tracker
 * wants every detection of a frame in one update, in capture order: frames are released when all their
 * regions are in, older incomplete frames first; a frame still incomplete when a newer one completes, or
 * older than the flush age, goes out with what it has; a result for a frame already released is late and
 * counted, never fed to the tracker out of order.
 */
import type { Detection } from '../inference/types.ts';
import type { Rect } from '../native/index.ts';
import { coveredFraction, iou } from './tracking/box.ts';

/** Two detections of one label in one frame overlapping more than this are one object seen by two crops. */
const DUPLICATE_IOU = 0.6;
/**
 * A detection within this share of its region's side from one of the region's edges was cut by the
 * crop. With 320 regions two people walking side by side get a region each, and each region holds a
 * slice of the other person, which NanoDet reports as a narrow person (0.6-0.75) next to the whole one
 * (IoU about 0.5, so no duplicate): a third track and event (test/quality, scene pair).
 */
const EDGE_SHARE = 0.02;
/** A cut detection this much inside an uncut same-label one from another region is a slice of it. */
const SLICE_COVERED = 0.7;

export interface RegionOutcome<S> {
  captureMs: number;
  /** Regions the channel worker cut from this frame. */
  regionCount: number;
  /** The region these detections were found in (frame pixels). */
  region: Rect;
  /** The motion boxes the region was cut around (frame pixels); none for a full-frame pass of a still scene. */
  motion?: readonly Rect[];
  detections: Detection[];
  /** One entry a detection: what the caller measured while the crop was at hand (a best-shot capture). */
  extras: Array<S | null>;
}

export interface AssembledFrame<S> {
  captureMs: number;
  detections: Detection[];
  extras: Array<S | null>;
  /** The extras of detections dropped as another region's duplicates or slices: whatever they hold, the caller lets go. */
  discarded: Array<S | null>;
  /** False when some regions never came back. */
  complete: boolean;
}

interface Pending<S> {
  received: number;
  expected: number;
  detections: Detection[];
  extras: Array<S | null>;
  /** The region of each detection. */
  regions: Rect[];
}

export class FrameAssembler<S> {
  private readonly pending = new Map<number, Pending<S>>();
  private releasedUpToMs = -Infinity;
  /** Region results that arrived after their frame was released. */
  late = 0;
  /** Frames released without all their regions. */
  incomplete = 0;

  /** A result for this frame would be late: the frame went to the tracker already. */
  isLate(captureMs: number): boolean {
    return captureMs <= this.releasedUpToMs;
  }

  /** Adds one region's result; returns the frames that can go to the tracker now, oldest first. */
  add(outcome: RegionOutcome<S>): AssembledFrame<S>[] {
    if (this.isLate(outcome.captureMs)) {
      this.late++;
      return [];
    }
    let frame = this.pending.get(outcome.captureMs);
    if (frame === undefined) {
      frame = { received: 0, expected: Math.max(1, outcome.regionCount), detections: [], extras: [], regions: [] };
      this.pending.set(outcome.captureMs, frame);
    }
    frame.received++;
    frame.detections.push(...outcome.detections);
    frame.extras.push(...outcome.extras);
    for (let i = 0; i < outcome.detections.length; i++) frame.regions.push(outcome.region);
    return frame.received >= frame.expected ? this.releaseUpTo(outcome.captureMs) : [];
  }

  /** Releases every frame captured before `beforeMs`, complete or not (call it on a timer). */
  flush(beforeMs: number): AssembledFrame<S>[] {
    let newest = -Infinity;
    for (const t of this.pending.keys()) if (t < beforeMs && t > newest) newest = t;
    return newest === -Infinity ? [] : this.releaseUpTo(newest);
  }

  get size(): number {
    return this.pending.size;
  }

  private releaseUpTo(captureMs: number): AssembledFrame<S>[] {
    // Most cameras have one frame in the assembler at a time: no list of times to sort.
    const times = this.pending.size === 1 ? [captureMs] : [...this.pending.keys()].filter((t) => t <= captureMs).sort((a, b) => a - b);
    const out: AssembledFrame<S>[] = [];
    for (const t of times) {
      const frame = this.pending.get(t) as Pending<S>;
      this.pending.delete(t);
      const complete = frame.received >= frame.expected;
      if (!complete) this.incomplete++;
      out.push({ captureMs: t, complete, ...withoutDuplicates(frame) });
    }
    this.releasedUpToMs = Math.max(this.releasedUpToMs, captureMs);
    return out;
  }
}

const sameRect = (a: Rect, b: Rect): boolean => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

function cutByRegion(box: Rect, region: Rect): boolean {
  const margin = EDGE_SHARE * Math.max(region.width, region.height);
  return (
    box.x - region.x <= margin ||
    box.y - region.y <= margin ||
    region.x + region.width - (box.x + box.width) <= margin ||
    region.y + region.height - (box.y + box.height) <= margin
  );
}

/**
 * Overlapping regions can both contain an object: keep the higher-scored of two same-label twins, and
 * drop a slice of an object that one region's edge cut when another region saw the object whole.
 */
function withoutDuplicates<S>({ detections, extras, regions }: Pending<S>): Pick<AssembledFrame<S>, 'detections' | 'extras' | 'discarded'> {
  if (detections.length < 2) return { detections, extras, discarded: [] };
  const order = detections
    .map((_, i) => i)
    .sort((a, b) => (detections[b] as Detection).score - (detections[a] as Detection).score || a - b);
  const kept: number[] = [];
  for (const i of order) {
    const d = detections[i] as Detection;
    if (kept.some((k) => (detections[k] as Detection).label === d.label && iou((detections[k] as Detection).box, d.box) > DUPLICATE_IOU))
      continue;
    kept.push(i);
  }
  const cut = (i: number): boolean => cutByRegion((detections[i] as Detection).box, regions[i] as Rect);
  const slice = (i: number): boolean =>
    cut(i) &&
    kept.some(
      (k) =>
        !sameRect(regions[k] as Rect, regions[i] as Rect) &&
        (detections[k] as Detection).label === (detections[i] as Detection).label &&
        !cut(k) &&
        coveredFraction((detections[i] as Detection).box, [(detections[k] as Detection).box]) >= SLICE_COVERED,
    );
  const whole = kept.filter((i) => !slice(i)).sort((a, b) => a - b);
  const discarded = extras.filter((_, i) => !whole.includes(i));
  return { detections: whole.map((i) => detections[i] as Detection), extras: whole.map((i) => extras[i] ?? null), discarded };
}
