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
import { iou } from './tracker.ts';

/** Two detections of one label in one frame overlapping more than this are one object seen by two crops. */
const DUPLICATE_IOU = 0.6;

export interface RegionOutcome<S> {
  captureMs: number;
  /** Regions the channel worker cut from this frame. */
  regionCount: number;
  detections: Detection[];
  /** One entry a detection: what the caller measured while the crop was at hand (a best-shot capture). */
  extras: Array<S | null>;
}

export interface AssembledFrame<S> {
  captureMs: number;
  detections: Detection[];
  extras: Array<S | null>;
  /** False when some regions never came back. */
  complete: boolean;
}

interface Pending<S> {
  received: number;
  expected: number;
  detections: Detection[];
  extras: Array<S | null>;
}

export class FrameAssembler<S> {
  private readonly pending = new Map<number, Pending<S>>();
  private releasedUpToMs = -Infinity;
  /** Region results that arrived after their frame was released. */
  late = 0;
  /** Frames released without all their regions. */
  incomplete = 0;

  /** Adds one region's result; returns the frames that can go to the tracker now, oldest first. */
  add(outcome: RegionOutcome<S>): AssembledFrame<S>[] {
    if (outcome.captureMs <= this.releasedUpToMs) {
      this.late++;
      return [];
    }
    let frame = this.pending.get(outcome.captureMs);
    if (frame === undefined) {
      frame = { received: 0, expected: Math.max(1, outcome.regionCount), detections: [], extras: [] };
      this.pending.set(outcome.captureMs, frame);
    }
    frame.received++;
    frame.detections.push(...outcome.detections);
    frame.extras.push(...outcome.extras);
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
    const times = [...this.pending.keys()].filter((t) => t <= captureMs).sort((a, b) => a - b);
    const out: AssembledFrame<S>[] = [];
    for (const t of times) {
      const frame = this.pending.get(t) as Pending<S>;
      this.pending.delete(t);
      const complete = frame.received >= frame.expected;
      if (!complete) this.incomplete++;
      out.push({ captureMs: t, complete, ...withoutDuplicates(frame.detections, frame.extras) });
    }
    this.releasedUpToMs = Math.max(this.releasedUpToMs, captureMs);
    return out;
  }
}

/** Overlapping regions can both contain an object: keep the higher-scored of two same-label twins. */
function withoutDuplicates<S>(detections: Detection[], extras: Array<S | null>): { detections: Detection[]; extras: Array<S | null> } {
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
  kept.sort((a, b) => a - b);
  return { detections: kept.map((i) => detections[i] as Detection), extras: kept.map((i) => extras[i] ?? null) };
}
