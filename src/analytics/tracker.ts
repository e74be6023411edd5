/**
 * Per-camera multi-object tracker: gives detections stable track ids across frames. SORT's structure
 * with ByteTrack's use of low-score detections:
 *
 * - Every track carries a constant-velocity Kalman filter over its box (tracking/kalman.ts); each
 *   update first predicts every track to the frame's time, so a track that missed detections coasts
 *   along its path and can be picked up again after a short occlusion.
 * - Detections are paired with predicted boxes by an optimal assignment (tracking/assignment.ts) over
 *   a cost of IoU plus centre distance in the box's size, per label (tracking/association.ts).
 * - ByteTrack's stages: confirmed tracks take the high-score detections first; confirmed tracks left
 *   over then take low-score detections, with a stricter gate, so an object that is half hidden (its
 *   score drops) keeps its track instead of coasting or ending; only then do tentative tracks take what
 *   is left, and only unmatched high-score detections start tracks. Detections under lowScore are ignored.
 * - A new track is tentative until it has `minHits` matches in a row, which keeps one-frame noise from
 *   opening events; a confirmed track ends `maxAgeMs` after its last match.
 *
 * Deterministic: the assignment of a given cost matrix is fixed, tracks are kept oldest first and
 * detections in their given order.
 */
import { z } from 'zod';
import type { Detection } from '../inference/types.ts';
import type { Rect } from '../native/index.ts';
import { assign } from './tracking/assignment.ts';
import { associationCost, type Gate } from './tracking/association.ts';
import { BoxKalman } from './tracking/kalman.ts';

export { iou } from './tracking/box.ts';

/** The tracker's part of a camera's config (the config schema embeds this). */
export const trackerOptionsSchema = z
  .object({
    maxAgeMs: z
      .number()
      .int()
      .positive()
      .default(2000)
      .describe('A confirmed track ends this long (ms) after its last matching detection; it coasts on its predicted path until then.'),
    minHits: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(2)
      .describe('Matches in consecutive updates before a track is confirmed (reported as started).'),
    centroidGate: z
      .number()
      .positive()
      .default(2)
      .describe("Largest distance between a track's predicted centre and a detection's, in longer sides of the predicted box."),
    maxSpeed: z
      .number()
      .positive()
      .default(1.5)
      .describe(
        "How far (longer sides of the box a second) a confirmed track's object may stray from its predicted path: a confirmed track pairs only within 0.5 + maxSpeed x the time since its last match (capped by centroidGate), so a track whose person was missed does not jump to a neighbour.",
      ),
    maxAreaRatio: z
      .number()
      .min(1)
      .default(4)
      .describe('A track and a detection pair only when their areas differ by at most this factor.'),
    highScore: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("Detections scoring at least this are matched first and may start tracks (ByteTrack's high-score set)."),
    lowScore: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe(
        'Detections scoring from this up to highScore only keep existing tracks alive, with a stricter gate; lower ones are ignored.',
      ),
  })
  .strict()
  .refine((o) => o.lowScore <= o.highScore, { path: ['lowScore'], message: 'lowScore must not exceed highScore' });

export type TrackerOptions = z.output<typeof trackerOptionsSchema>;
export type TrackerOptionsInput = z.input<typeof trackerOptionsSchema>;

/**
 * Low-score detections pair only under this cost (of 2): an overlap of about IoU 0.5 with the
 * prediction, ByteTrack's second-stage threshold, because a weak detection near a track is as likely
 * to be a neighbour's fragment as the track's own object.
 */
const LOW_SCORE_MAX_COST = 1;
/**
 * A confirmed track's reach (longer sides) at no time since its match: the detector's box jitter and a
 * step's sway. Real footage (test/quality/footage.test.ts): without it, a track whose person the detector
 * missed for one frame took a neighbour 1.4-2 heights away (a jump no walker makes in 0.4 s).
 */
const CONFIRMED_GATE_S0 = 0.5;

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
  /** The Kalman filter's box at this update: where the object is believed to be, also while unseen. */
  readonly predicted: Rect;
  /** The filter's centre velocity, pixels a second. */
  readonly velocity: { x: number; y: number };
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
  readonly filter: BoxKalman;
  /** The filter's box predicted to the current update's time. */
  predicted: Rect;
  private filterTimeMs: number;

  constructor(
    readonly label: string,
    readonly classId: number,
    public box: Rect,
    public score: number,
    readonly firstSeenMs: number,
    public lastSeenMs: number,
  ) {
    this.maxScore = score;
    this.filter = new BoxKalman(box);
    this.filterTimeMs = firstSeenMs;
    this.predicted = this.filter.box();
  }

  get confirmed(): boolean {
    return this.id !== 0;
  }

  snapshot(): Track {
    const { id, label, classId, score, maxScore, firstSeenMs, lastSeenMs, hits, detection } = this;
    return {
      id,
      label,
      classId,
      box: { ...this.box },
      score,
      maxScore,
      firstSeenMs,
      lastSeenMs,
      hits,
      detection,
      predicted: { ...this.predicted },
      velocity: this.filter.velocity(),
    };
  }

  predict(timeMs: number): void {
    this.filter.predict((timeMs - this.filterTimeMs) / 1000);
    this.filterTimeMs = Math.max(this.filterTimeMs, timeMs);
    this.predicted = this.filter.box();
  }

  match(d: Detection, index: number, timeMs: number): void {
    this.filter.update(d.box);
    this.predicted = this.filter.box();
    this.box = { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height };
    this.score = d.score;
    this.maxScore = Math.max(this.maxScore, d.score);
    this.lastSeenMs = timeMs;
    this.detection = index;
    this.hits++;
  }
}

/** One camera's tracker. */
export class Tracker {
  readonly options: TrackerOptions;
  /** Live tracks, oldest first. */
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
    for (const t of this.tracks) {
      t.detection = -1;
      t.predict(now);
    }

    const { highScore, lowScore } = this.options;
    const high: number[] = [],
      low: number[] = [];
    detections.forEach((d, i) => {
      if (d.score >= highScore) high.push(i);
      else if (d.score >= lowScore) low.push(i);
    });
    const confirmed = this.tracks.filter((t) => t.confirmed);
    const tentative = this.tracks.filter((t) => !t.confirmed);
    const unmatchedHigh = this.match(confirmed, high, detections, 2, now);
    this.match(
      confirmed.filter((t) => t.detection < 0),
      low,
      detections,
      LOW_SCORE_MAX_COST,
      now,
    );
    const newHigh = this.match(tentative, unmatchedHigh, detections, 2, now);
    const lowLeft = low.filter((i) => !this.tracks.some((t) => t.detection === i));
    this.match(
      tentative.filter((t) => t.detection < 0),
      lowLeft,
      detections,
      LOW_SCORE_MAX_COST,
      now,
    );

    // A tentative track must match in every update until it is confirmed.
    this.tracks = this.tracks.filter((t) => t.detection >= 0 || t.confirmed);
    for (const t of this.tracks) {
      if (t.detection < 0) {
        t.filter.holdSize();
        continue;
      }
      if (!t.confirmed && t.hits >= this.options.minHits) this.confirm(t);
    }
    for (const i of newHigh) {
      const d = detections[i] as Detection;
      const t = new TrackState(d.label, d.classId, { ...d.box }, d.score, now, now);
      t.detection = i;
      this.tracks.push(t);
      if (this.options.minHits <= 1) this.confirm(t);
    }
    // One snapshot a track, in `active` and, when it matched, in `updated` (oldest first in both).
    for (const t of this.tracks) {
      if (!t.confirmed) continue;
      const snapshot = t.snapshot();
      result.active.push(snapshot);
      if (t.detection >= 0) result.updated.push(snapshot);
    }
    // A track is confirmed by the match that brings it to minHits, so that count marks its first report.
    result.started = result.updated.filter((t) => t.hits === this.options.minHits);
    return result;
  }

  /**
   * Time passed without an analysed frame (a still scene, or frames the track gate kept from the
   * detector): tracks past maxAgeMs end, but nothing counts as unseen, so a tentative track waits for
   * the next analysed frame instead of being dropped for a frame nobody looked at.
   */
  expire(timeMs: number): TrackerUpdate {
    const now = Math.max(timeMs, this.lastTimeMs);
    this.lastTimeMs = now;
    const ended: Track[] = [];
    this.tracks = this.tracks.filter((t) => {
      if (now - t.lastSeenMs < this.options.maxAgeMs) return true;
      if (t.confirmed) ended.push(t.snapshot());
      return false;
    });
    return { started: [], updated: [], ended, active: this.tracks.filter((t) => t.confirmed).map((t) => t.snapshot()) };
  }

  /** Tracks not yet confirmed: objects the detector has just found. */
  get tentative(): number {
    return this.tracks.filter((t) => !t.confirmed).length;
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

  /**
   * One association stage: pairs `tracks` with the detections at `indices` (same label, cost at most
   * `maxCost`), updates the matched tracks, and returns the indices left unmatched, in order.
   */
  private match(tracks: TrackState[], indices: number[], detections: readonly Detection[], maxCost: number, now: number): number[] {
    if (tracks.length === 0 || indices.length === 0) return indices;
    const { centroidGate, maxAreaRatio, maxSpeed } = this.options;
    const cost = tracks.map((t) => {
      // A confirmed track knows its velocity, so its prediction errs only by how much the object turned
      // or changed pace since the last match; a tentative one may still be anywhere within centroidGate.
      const reach = t.confirmed ? Math.min(centroidGate, CONFIRMED_GATE_S0 + (maxSpeed * (now - t.lastSeenMs)) / 1000) : centroidGate;
      const gate: Gate = { centroidGate, maxAreaRatio, reach };
      return indices.map((i) => {
        const d = detections[i] as Detection;
        return d.label === t.label ? associationCost(t.predicted, d.box, gate) : Infinity;
      });
    });
    const taken = new Set<number>();
    for (const { row, col } of assign(cost, indices.length, maxCost)) {
      const index = indices[col] as number;
      (tracks[row] as TrackState).match(detections[index] as Detection, index, now);
      taken.add(index);
    }
    return indices.filter((i) => !taken.has(i));
  }
}
