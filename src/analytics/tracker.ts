/**
 * Per-camera multi-object tracker: gives detections stable track ids across frames (SORT's shape,
 * without the Kalman filter). Each update matches detections to live tracks of the same label greedily,
 * best pair first: by IoU with the track's predicted box (last box moved by its velocity), then, for
 * pairs with too little overlap, by centre distance gated by the boxes' size (a small fast object can
 * move more than its own width between analysed frames, so its boxes never overlap). A new track is
 * tentative until it has `minHits` matches in a row, which keeps one-frame noise from opening events;
 * a confirmed track ends `maxAgeMs` after its last match. Deterministic: ties go to the older track and
 * the earlier detection.
 */
import { z } from 'zod';
import type { Detection } from '../inference/types.ts';
import type { Rect } from '../native/index.ts';

/** The tracker's part of a camera's config (the config schema embeds this). */
export const trackerOptionsSchema = z.object({
  maxAgeMs: z.number().int().positive().default(2000)
    .describe('A confirmed track ends this long (ms) after its last matching detection.'),
  minHits: z.number().int().min(1).max(100).default(2)
    .describe('Matches in consecutive updates before a track is confirmed (reported as started).'),
  minIou: z.number().gt(0).max(1).default(0.3)
    .describe('Least IoU between a track\'s predicted box and a detection for an overlap match.'),
  centroidGate: z.number().min(0).default(2)
    .describe('Fallback for pairs under minIou: largest centre distance, in units of the track box\'s mean side (sqrt of its area); 0 disables.'),
  maxAreaRatio: z.number().min(1).default(4)
    .describe('The centre-distance fallback only pairs boxes whose areas differ by at most this factor.'),
}).strict();

export type TrackerOptions = z.output<typeof trackerOptionsSchema>;
export type TrackerOptionsInput = z.input<typeof trackerOptionsSchema>;

/** A confirmed track as the decision layer sees it: a snapshot taken at the update that reported it. */
export interface Track {
  /** Confirmed tracks of this tracker (one a camera) counted from 1, never reused. */
  readonly id: number;
  readonly label: string;
  readonly classId: number;
  /** The box and score of the last matching detection. */
  readonly box: Rect;
  readonly score: number;
  readonly maxScore: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** Detections matched so far. */
  readonly hits: number;
  /** Index of the detection it matched in the update that reported it, -1 when it matched none. */
  readonly detection: number;
}

export interface TrackerUpdate {
  /** Confirmed in this update (also in `updated`). */
  started: Track[];
  /** Confirmed tracks that matched a detection in this update. */
  updated: Track[];
  /** Tracks that ended in this update, with their last state. */
  ended: Track[];
  /** Every confirmed track still alive, matched or not. */
  active: Track[];
}

class TrackState {
  /** 0 while tentative. */
  id = 0;
  hits = 1;
  maxScore: number;
  /** Index of the detection matched in the current update, -1 when none. */
  detection = -1;
  /** Centre velocity in px/ms, from the last two matches. */
  vx = 0;
  vy = 0;

  constructor(
    readonly label: string, readonly classId: number, public box: Rect, public score: number,
    readonly firstSeenMs: number, public lastSeenMs: number,
  ) {
    this.maxScore = score;
  }

  get confirmed(): boolean {
    return this.id !== 0;
  }

  snapshot(): Track {
    const { id, label, classId, score, maxScore, firstSeenMs, lastSeenMs, hits, detection } = this;
    return { id, label, classId, box: { ...this.box }, score, maxScore, firstSeenMs, lastSeenMs, hits, detection };
  }

  predicted(timeMs: number): Rect {
    const dt = timeMs - this.lastSeenMs;
    return { x: this.box.x + this.vx * dt, y: this.box.y + this.vy * dt, width: this.box.width, height: this.box.height };
  }

  match(d: Detection, timeMs: number): void {
    const dt = timeMs - this.lastSeenMs;
    if (dt > 0) {
      const vx = (centreX(d.box) - centreX(this.box)) / dt;
      const vy = (centreY(d.box) - centreY(this.box)) / dt;
      // The first step sets the velocity; later ones average with it (motion boxes jitter by a pixel or two).
      this.vx = this.hits === 1 ? vx : (this.vx + vx) / 2;
      this.vy = this.hits === 1 ? vy : (this.vy + vy) / 2;
    }
    this.box = { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height };
    this.score = d.score;
    this.maxScore = Math.max(this.maxScore, d.score);
    this.lastSeenMs = timeMs;
    this.hits++;
  }
}

function centreX(r: Rect): number {
  return r.x + r.width / 2;
}

function centreY(r: Rect): number {
  return r.y + r.height / 2;
}

/** Intersection over union of two boxes, 0 when they do not overlap (the decision layer uses it too). */
export function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

interface Pair {
  track: number;
  detection: number;
  /** Lower is better: -IoU for overlap pairs (always < 0), normalised distance for fallback pairs (>= 0). */
  cost: number;
}

/** One camera's tracker. */
export class Tracker {
  readonly options: TrackerOptions;
  /** Live tracks, oldest first (the tie-break order). */
  private tracks: TrackState[] = [];
  private confirmedCount = 0;
  private lastTimeMs = -Infinity;

  constructor(options: TrackerOptionsInput = {}) {
    this.options = trackerOptionsSchema.parse(options);
  }

  /**
   * Feeds the detections of one analysed frame taken at `timeMs` (a clock in ms; a time earlier than
   * the previous update's is treated as equal to it). An empty list still ages tracks, so call it for
   * frames without detections too, or at least periodically, for tracks to end on time.
   */
  update(detections: readonly Detection[], timeMs: number): TrackerUpdate {
    const now = Math.max(timeMs, this.lastTimeMs);
    this.lastTimeMs = now;
    const result: TrackerUpdate = { started: [], updated: [], ended: [], active: [] };
    this.tracks = this.tracks.filter((t) => {
      if (now - t.lastSeenMs < this.options.maxAgeMs) return true;
      if (t.confirmed) result.ended.push(t.snapshot());
      return false;
    });

    for (const t of this.tracks) t.detection = -1;
    const trackMatched = new Array<boolean>(this.tracks.length).fill(false);
    const detectionMatched = new Array<boolean>(detections.length).fill(false);
    for (const p of this.pairs(detections, now)) {
      if (trackMatched[p.track] || detectionMatched[p.detection]) continue;
      trackMatched[p.track] = true;
      detectionMatched[p.detection] = true;
      const t = this.tracks[p.track] as TrackState;
      t.match(detections[p.detection] as Detection, now);
      t.detection = p.detection;
      if (!t.confirmed && t.hits >= this.options.minHits) this.confirm(t);
      if (t.confirmed) result.updated.push(t.snapshot());
    }

    // A tentative track must match in every update until it is confirmed.
    this.tracks = this.tracks.filter((t, i) => trackMatched[i] || t.confirmed);
    detections.forEach((d, i) => {
      if (detectionMatched[i]) return;
      const t = new TrackState(d.label, d.classId, { ...d.box }, d.score, now, now);
      t.detection = i;
      this.tracks.push(t);
      if (this.options.minHits <= 1) {
        this.confirm(t);
        result.updated.push(t.snapshot());
      }
    });
    for (const t of this.tracks) if (t.confirmed) result.active.push(t.snapshot());
    // A track is confirmed by the match that brings it to minHits, so that count marks its first report.
    result.started = result.updated.filter((t) => t.hits === this.options.minHits);
    return result;
  }

  /** Ends every live track now (the camera stopped or was removed). */
  endAll(): Track[] {
    const ended = this.tracks.filter((t) => t.confirmed).map((t) => t.snapshot());
    this.tracks = [];
    return ended;
  }

  private confirm(t: TrackState): void {
    t.id = ++this.confirmedCount;
  }

  /** Every admissible (track, detection) pair, best first, ties in track then detection order. */
  private pairs(detections: readonly Detection[], now: number): Pair[] {
    const { minIou, centroidGate, maxAreaRatio } = this.options;
    const pairs: Pair[] = [];
    this.tracks.forEach((t, ti) => {
      const p = t.predicted(now);
      const side = Math.sqrt(p.width * p.height);
      detections.forEach((d, di) => {
        if (d.label !== t.label) return;
        const overlap = iou(p, d.box);
        if (overlap >= minIou) {
          pairs.push({ track: ti, detection: di, cost: -overlap });
          return;
        }
        if (centroidGate === 0 || side === 0) return;
        const areaA = p.width * p.height, areaB = d.box.width * d.box.height;
        if (Math.max(areaA, areaB) > maxAreaRatio * Math.min(areaA, areaB)) return;
        const distance = Math.hypot(centreX(d.box) - centreX(p), centreY(d.box) - centreY(p)) / side;
        if (distance <= centroidGate) pairs.push({ track: ti, detection: di, cost: distance });
      });
    });
    // Array.prototype.sort is stable, so equal costs keep the (track, detection) order they were made in.
    return pairs.sort((a, b) => a.cost - b.cost);
  }
}
