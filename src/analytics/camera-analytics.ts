/**
 * What happens to one camera's detections on the coordinator: frames are put back together from their
 * regions, tracked, each track keeps its best shot, and the decision engine turns tracks into events.
 * When a track of an event ends, its best-shot JPEG and full-frame JPEG (full-frame.ts) are encoded
 * before the decision layer publishes the event's end; a track that was no event's encodes nothing.
 */
import type { TrackedBoxes } from '../channel/tracked-boxes.ts';
import type { Detection } from '../inference/types.ts';
import { BestShotSelector, type BestShot, type BestShotOptionsInput, type ShotFrame } from './best-shot.ts';
import type { DecisionEngine } from './decisions/engine.ts';
import type { BestShotInput } from './decisions/tracks.ts';
import { FrameAssembler, type AssembledFrame, type RegionOutcome } from './frame-assembler.ts';
import { FramePool } from './frame-pool.ts';
import { encodeFrame, FrameHold } from './full-frame.ts';
import { QuietAreas } from './quiet-areas.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import { Tracker, type Track, type TrackerOptionsInput } from './tracker.ts';
import type { Rect } from '../native/index.ts';
import { coveredByOthers } from './tracking/box.ts';

/** A frame missing regions this long after capture is tracked with what it has. */
const FLUSH_AGE_MS = 1000;
const NO_MOTION: readonly Rect[] = [];
/** No frame for this long: the scene is still, so the tracker is told time passed (tracks can end on time). */
const QUIET_MS = 200;

/** One analysed frame's detections after tracking (live feeds: WebSocket, MQTT detections). */
export interface TrackedDetections {
  camera: string;
  captureMs: number;
  /** trackId null: not (yet) a confirmed track. */
  detections: Array<Detection & { trackId: number | null }>;
}

/** Where a camera's analysis results go besides the decision engine. */
export interface CameraAnalyticsOutputs {
  /** Every analysed frame with detections, after tracking. */
  onTracked?: ((frame: TrackedDetections) => void) | undefined;
  /** The camera's confirmed tracks and quiet areas after every update, for its channel worker's track gate. */
  tracked?: TrackedBoxes | undefined;
}

export interface CameraAnalyticsOptions {
  tracker?: TrackerOptionsInput;
  bestShot?: BestShotOptionsInput;
}

export class CameraAnalytics {
  readonly camera: string;
  readonly assembler = new FrameAssembler<BestShot>();
  private readonly tracker: Tracker;
  private readonly shots: BestShotSelector;
  private readonly engine: DecisionEngine;
  private readonly store: SnapshotStore;
  /** JPEG references of tracks that ended in the frame being decided. */
  private readonly jpegRefs = new Map<number, string>();
  /** Full-frame JPEG references of those tracks that were events. */
  private readonly frameRefs = new Map<number, string>();
  /** Whole frames copied for best shots (when the crop slab's snapshots hold whole frames). */
  readonly frames: FrameHold;
  private lastUpdateMs = -Infinity;
  /**
   * How far behind the clock the camera's last result came back (capture -> detections here). The
   * tracker runs on capture time, so the timer's clock is moved back by this before it ages tracks or
   * gives up on a frame's missing regions: with the pool seconds behind (a burst, a loaded machine) the
   * wall clock would end a person's track, and flush frames whose crops are still queued, while their
   * detections are on the way, and the person would come back as a second event.
   */
  private lagMs = 0;
  detections = 0;
  private readonly quiet = new QuietAreas();

  private readonly onTracked: ((frame: TrackedDetections) => void) | undefined;
  private readonly tracked: TrackedBoxes | undefined;

  constructor(
    camera: string,
    options: CameraAnalyticsOptions,
    engine: DecisionEngine,
    store: SnapshotStore,
    outputs: CameraAnalyticsOutputs = {},
    framePool: FramePool = new FramePool(),
  ) {
    this.camera = camera;
    this.frames = new FrameHold(framePool);
    this.onTracked = outputs.onTracked;
    this.tracked = outputs.tracked;
    this.tracker = new Tracker(options.tracker);
    this.shots = new BestShotSelector(options.bestShot);
    this.engine = engine;
    this.store = store;
  }

  /**
   * Measures each detection as a best shot while its crop snapshot is still held (see
   * BestShotSelector.capture). Pass them to `onRegion` before the snapshot is released: only those that
   * become a track's best copy their picture (and the whole frame, when full-frame pictures are on).
   */
  capture(detections: readonly Detection[], frame: ShotFrame | null): Array<BestShot | null> {
    if (frame === null || detections.length === 0) return detections.map(() => null);
    const hold = frame.whole === true && this.shots.options.frameWidth > 0 ? this.frames : null;
    return detections.map((d) => this.shots.capture(d, frame, hold));
  }

  /**
   * One region's detections (with their captured shots) from the inference pool, while the frame they
   * were captured from is still held: a frame whose other regions are still to come keeps copies of
   * its shots' pictures, since its best shots are decided after the frame is released.
   */
  onRegion(outcome: RegionOutcome<BestShot>, nowMs = Date.now()): void {
    this.lagMs = Math.max(0, nowMs - outcome.captureMs);
    this.quiet.observe(outcome.captureMs, outcome.region, outcome.motion ?? NO_MOTION, outcome.detections);
    // A late region's shots will never be considered: they copy nothing.
    let decided = this.assembler.isLate(outcome.captureMs);
    for (const frame of this.assembler.add(outcome)) {
      this.onFrame(frame);
      if (frame.captureMs === outcome.captureMs) decided = true;
    }
    this.shots.settle(outcome.extras, decided);
  }

  /**
   * Called on the gateway's timer: releases frames whose regions never came, and tells the tracker time
   * passed when no frame did, so tracks of objects that left end on time in a still scene.
   */
  tick(wallMs: number): void {
    const nowMs = wallMs - this.lagMs;
    for (const frame of this.assembler.flush(nowMs - FLUSH_AGE_MS)) this.onFrame(frame);
    if (nowMs - this.lastUpdateMs >= QUIET_MS && this.assembler.size === 0) {
      const update = this.tracker.expire(nowMs);
      this.share(nowMs, update.active);
      this.decide(nowMs, update);
    }
  }

  /** Ends every track (the camera is removed or stopped): their events end now. */
  stop(): void {
    const ended = this.tracker.endAll();
    this.decide(Math.max(this.lastUpdateMs, 0), { started: [], updated: [], ended });
  }

  private onFrame(frame: AssembledFrame<BestShot>): void {
    this.detections += frame.detections.length;
    const update = this.tracker.update(frame.detections, frame.captureMs);
    this.share(frame.captureMs, update.active);
    for (const t of update.updated) {
      const shot = t.detection >= 0 ? frame.extras[t.detection] : null;
      if (!shot) continue;
      // Any other object in the frame can hide part of this one, whatever its label or track state.
      this.shots.consider(t.id, shot, coveredByOthers(shot.box, frame.detections, t.detection));
    }
    // The rest matched no confirmed track, or were another region's duplicates: the frames they copied
    // (a frame held for later regions) go back.
    this.shots.drop(frame.extras);
    this.shots.drop(frame.discarded);
    if (this.onTracked && frame.detections.length > 0) {
      const ids = new Map(update.updated.map((t) => [t.detection, t.id]));
      this.onTracked({
        camera: this.camera,
        captureMs: frame.captureMs,
        detections: frame.detections.map((d, i) => ({ ...d, trackId: ids.get(i) ?? null })),
      });
    }
    this.decide(frame.captureMs, update);
  }

  /**
   * Gives the channel worker's track gate the confirmed tracks and the quiet areas; none while an
   * object is still tentative, so the frames that confirm it (maybe beside a tracked one) all reach
   * the detector.
   */
  private share(timeMs: number, active: readonly Track[]): void {
    if (this.tracked === undefined) return;
    if (this.tracker.tentative > 0) {
      this.tracked.write(timeMs, []);
      return;
    }
    const boxes = active.map((t) => ({ ...t.predicted, vx: t.velocity.x, vy: t.velocity.y }));
    this.tracked.write(timeMs, boxes, this.quiet.areas);
  }

  private decide(timeMs: number, update: Parameters<DecisionEngine['onFrame']>[2]): void {
    this.lastUpdateMs = Math.max(this.lastUpdateMs, timeMs);
    for (const t of update.ended) {
      const shot = this.shots.best(t.id);
      // A track that never became an event (filtered, still pending) has no use for its pictures: in a
      // busy scene most motion tracks are such, and encoding their JPEGs was a fifth of the coordinator.
      if (!shot || !this.engine.isEvent(this.camera, t.id)) continue;
      this.jpegRefs.set(t.id, this.store.add(this.camera, this.shots.encode(shot)));
      if (shot.frame !== null) {
        const { frameWidth, jpegQuality } = this.shots.options;
        this.frameRefs.set(t.id, this.store.add(this.camera, encodeFrame(shot.frame, frameWidth, jpegQuality)));
      }
    }
    this.engine.onFrame(this.camera, timeMs, update, this.bestShotOf);
    for (const t of update.ended) {
      this.shots.discard(t.id);
      this.jpegRefs.delete(t.id);
      this.frameRefs.delete(t.id);
    }
  }

  private readonly bestShotOf = (trackId: number): BestShotInput | null => {
    const shot = this.shots.best(trackId);
    if (!shot) return null;
    const { quality, score, sharpness, brightness, box, region, truncated, occlusion, face, timeMs } = shot;
    return {
      quality,
      score,
      sharpness,
      brightness,
      box,
      region,
      truncated,
      occlusion,
      face,
      timeMs,
      jpeg: this.jpegRefs.get(trackId) ?? null,
      frameJpeg: this.frameRefs.get(trackId) ?? null,
    };
  };
}
