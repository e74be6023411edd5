/**
 * DeepStream's inference interval, decided per frame by what moves. A frame whose motion all lies
 * within the camera's confirmed tracks (their boxes moved on by their velocity to the frame's time)
 * goes to the detector at most once an `intervalMs`; the tracker's Kalman filters carry the objects
 * between detections. Motion anywhere else (something new) goes at once, as does every frame while
 * nothing is tracked, so a new object is never delayed and a tracked one is re-detected at least once
 * an interval. At 5 fps and 600 ms, a camera with people walking sends every third frame.
 *
 * Motion inside a quiet area (the detector looked at it and found nothing: src/analytics/quiet-areas.ts)
 * is known too, on the same interval: a person half outside the frame, a walker's trail, a swaying
 * branch are looked at again once an interval instead of every frame, and motion that grows out of
 * its area goes at once.
 */
import type { Rect } from '../native/index.ts';
import { BOX_FIELDS, MAX_QUIET_AREAS, MAX_TRACKED_BOXES, QUIET_FIELDS, type TrackedBoxes } from './tracked-boxes.ts';

/** A track's box grows by this share of its size on every side: swinging limbs, the motion trail. */
const MARGIN = 0.25;
/** ...and by this share more a second of the boxes' age: a late box's prediction is less sure. */
const MARGIN_GROWTH = 0.25;
/** A motion box is explained when at least this share of it lies within grown track boxes. */
const EXPLAINED = 0.8;
/**
 * Tracks written longer ago than this (results stopped coming: a stall) explain nothing. Results that
 * are merely late (the pool seconds behind after a hiccup) must not open the gate: at 1.5 s, every
 * camera with a walker went from one crop an interval to one a frame exactly when the pool was
 * behind, tripling its demand, and a 80 ms pause of the coordinator grew into seconds of backlog.
 */
export const STALE_MS = 5000;

export class TrackGate {
  private readonly table: TrackedBoxes;
  private readonly intervalMs: number;
  private readonly boxes = new Float64Array(MAX_TRACKED_BOXES * BOX_FIELDS);
  private readonly quiet = new Float64Array(MAX_QUIET_AREAS * QUIET_FIELDS);
  private readonly time = new Float64Array(1);
  private lastSentMs = Number.NEGATIVE_INFINITY;
  private lastAskedMs = Number.NEGATIVE_INFINITY;

  /** `intervalMs` 0: every frame with motion goes to the detector. */
  constructor(table: TrackedBoxes, intervalMs: number) {
    this.table = table;
    this.intervalMs = intervalMs;
  }

  /**
   * Whether the frame's motion boxes (detect pixels) may skip the detector: the camera's last detection
   * is recent and every box lies within a tracked object or a quiet area ('quiet' when any box needed
   * one); null: the frame goes. Call it once a frame with motion, in order.
   */
  explain(motion: readonly Rect[], captureMs: number): 'tracked' | 'quiet' | null {
    // Judge "recent" at the frame nearest the interval: with capture jitter, frames 590 ms apart would
    // otherwise wait for a fourth at 5 fps.
    const halfGap = Math.min(this.intervalMs, Math.max(0, captureMs - this.lastAskedMs)) / 2;
    this.lastAskedMs = captureMs;
    if (this.intervalMs <= 0 || captureMs - this.lastSentMs + halfGap >= this.intervalMs) return null;
    const n = this.readTracks(captureMs);
    const dtS = Math.max(0, captureMs - (this.time[0] as number)) / 1000;
    const q = this.table.readQuiet(this.quiet);
    let quiet = false;
    for (let i = 0; i < motion.length; i++) {
      const m = motion[i] as Rect;
      if (n > 0 && this.coveredShare(m, n, dtS) >= EXPLAINED) continue;
      if (this.quietShare(m, q, captureMs) < EXPLAINED) return null;
      quiet = true;
    }
    return quiet ? 'quiet' : 'tracked';
  }

  /** Whether every motion box lies within the camera's tracked objects (moved to `captureMs`), whatever the interval. */
  covers(motion: readonly Rect[], captureMs: number): boolean {
    const n = this.readTracks(captureMs);
    if (n === 0) return false;
    const dtS = Math.max(0, captureMs - (this.time[0] as number)) / 1000;
    for (let i = 0; i < motion.length; i++) if (this.coveredShare(motion[i] as Rect, n, dtS) < EXPLAINED) return false;
    return true;
  }

  /** Reads the tracks into `boxes` and their time into `time`; 0 when there are none or they are stale. */
  private readTracks(captureMs: number): number {
    const n = this.table.read(this.boxes, this.time);
    return captureMs - (this.time[0] as number) > STALE_MS ? 0 : n;
  }

  /**
   * The largest share of `m` inside one quiet area (grown by MARGIN) no older than STALE_MS. One area,
   * not their sum: the areas of successive frames overlap, and their sum would count a box twice.
   */
  private quietShare(m: Rect, q: number, captureMs: number): number {
    const area = m.width * m.height;
    if (area <= 0) return 1;
    let best = 0;
    for (let i = 0; i < q; i++) {
      const at = i * QUIET_FIELDS;
      const age = captureMs - (this.quiet[at + 4] as number);
      if (age < 0 || age > STALE_MS) continue;
      const a = this.quiet;
      best = Math.max(best, grownOverlap(m, a[at] as number, a[at + 1] as number, a[at + 2] as number, a[at + 3] as number, MARGIN) / area);
    }
    return Math.min(1, best);
  }

  /** The frame at `captureMs` went to the detector. */
  sent(captureMs: number): void {
    this.lastSentMs = captureMs;
  }

  /** Share of `m` inside the n tracked boxes, each moved `dtS` seconds along its velocity and grown. */
  private coveredShare(m: Rect, n: number, dtS: number): number {
    const area = m.width * m.height;
    if (area <= 0) return 1;
    let covered = 0;
    for (let i = 0; i < n; i++) {
      const at = i * BOX_FIELDS;
      const b = this.boxes;
      const x = (b[at] as number) + (b[at + 4] as number) * dtS;
      const y = (b[at + 1] as number) + (b[at + 5] as number) * dtS;
      covered += grownOverlap(m, x, y, b[at + 2] as number, b[at + 3] as number, MARGIN + MARGIN_GROWTH * dtS);
    }
    return Math.min(1, covered / area);
  }
}

/** Area of `m` inside the box (x, y, w, h) grown by `margin` of its size on every side. */
function grownOverlap(m: Rect, x: number, y: number, w: number, h: number, margin: number): number {
  const gx = x - w * margin;
  const gy = y - h * margin;
  const ix = Math.min(m.x + m.width, gx + w * (1 + 2 * margin)) - Math.max(m.x, gx);
  const iy = Math.min(m.y + m.height, gy + h * (1 + 2 * margin)) - Math.max(m.y, gy);
  return ix > 0 && iy > 0 ? ix * iy : 0;
}
