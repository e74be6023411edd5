/**
 * DeepStream's inference interval, decided per frame by what moves. A frame whose motion all lies
 * within the camera's confirmed tracks (their boxes moved on by their velocity to the frame's time)
 * goes to the detector at most once an `intervalMs`; the tracker's Kalman filters carry the objects
 * between detections. Motion anywhere else (something new) goes at once, as does every frame while
 * nothing is tracked, so a new object is never delayed and a tracked one is re-detected at least once
 * an interval. At 5 fps and 600 ms, a camera with people walking sends every third frame.
 */
import type { Rect } from '../native/index.ts';
import { BOX_FIELDS, MAX_TRACKED_BOXES, type TrackedBoxes } from './tracked-boxes.ts';

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
const STALE_MS = 5000;

export class TrackGate {
  private readonly table: TrackedBoxes;
  private readonly intervalMs: number;
  private readonly boxes = new Float64Array(MAX_TRACKED_BOXES * BOX_FIELDS);
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
   * is recent and every box lies within a tracked object. Call it once a frame with motion, in order.
   */
  explains(motion: readonly Rect[], captureMs: number): boolean {
    // Judge "recent" at the frame nearest the interval: with capture jitter, frames 590 ms apart would
    // otherwise wait for a fourth at 5 fps.
    const halfGap = Math.min(this.intervalMs, Math.max(0, captureMs - this.lastAskedMs)) / 2;
    this.lastAskedMs = captureMs;
    if (this.intervalMs <= 0 || captureMs - this.lastSentMs + halfGap >= this.intervalMs) return false;
    return this.covers(motion, captureMs);
  }

  /** Whether every motion box lies within the camera's tracked objects (moved to `captureMs`), whatever the interval. */
  covers(motion: readonly Rect[], captureMs: number): boolean {
    const n = this.table.read(this.boxes, this.time);
    const age = captureMs - (this.time[0] as number);
    if (n === 0 || age > STALE_MS) return false;
    const dtS = Math.max(0, age) / 1000;
    for (let i = 0; i < motion.length; i++) if (this.coveredShare(motion[i] as Rect, n, dtS) < EXPLAINED) return false;
    return true;
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
      const w = this.boxes[at + 2] as number;
      const h = this.boxes[at + 3] as number;
      const margin = MARGIN + MARGIN_GROWTH * dtS;
      const x = (this.boxes[at] as number) + (this.boxes[at + 4] as number) * dtS - w * margin;
      const y = (this.boxes[at + 1] as number) + (this.boxes[at + 5] as number) * dtS - h * margin;
      const ix = Math.min(m.x + m.width, x + w * (1 + 2 * margin)) - Math.max(m.x, x);
      const iy = Math.min(m.y + m.height, y + h * (1 + 2 * margin)) - Math.max(m.y, y);
      if (ix > 0 && iy > 0) covered += ix * iy;
    }
    return Math.min(1, covered / area);
  }
}
