/**
 * What the decision layer reads for one camera frame: the tracker's update (src/analytics/tracker.ts
 * `TrackerUpdate` fits as it is) and, per track, the best shot so far (`BestShotSelector.best` fits,
 * with the JPEG reference added once the shot has been encoded and stored). Only the fields decisions
 * use are named, so the two modules stay free to grow.
 */
import type { Face } from '../../inference/types.ts';
import type { Rect } from '../../native/index.ts';

export interface TrackedObject {
  /** Stable for the track's life, never reused on the camera. */
  readonly id: number;
  readonly label: string;
  /** Detector score of the track's detection in this frame, 0..1. */
  readonly score: number;
  /** Its box, analysis-frame pixels. */
  readonly box: Rect;
}

export interface TrackFrame {
  /** Tracks confirmed in this frame (the tracker lists them in `updated` as well; either is enough). */
  readonly started: readonly TrackedObject[];
  /** Tracks that matched a detection in this frame. */
  readonly updated: readonly TrackedObject[];
  /** Tracks the tracker ended in this frame, with their last state. */
  readonly ended: readonly TrackedObject[];
}

export interface BestShotInput {
  readonly quality: number;
  readonly score: number;
  readonly sharpness: number;
  readonly brightness: number;
  readonly box: Rect;
  readonly timeMs: number;
  /** What the picture shows; the box when absent. */
  readonly region?: Rect;
  /** The box touches the frame's edge; false when absent. */
  readonly truncated?: boolean;
  /** 0..1; 0 when absent. */
  readonly occlusion?: number;
  readonly face?: Face | null;
  /** Where the encoded JPEG can be fetched (an id or path the outputs serve); absent until encoded. */
  readonly jpeg?: string | null;
  /** The same for the full-frame JPEG at the best-shot moment; absent when none is kept. */
  readonly frameJpeg?: string | null;
}

/** The track's best shot so far; asked for every observed and every ended track. */
export type BestShotLookup = (trackId: number) => BestShotInput | null | undefined;
