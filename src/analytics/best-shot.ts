/**
 * Best shot per track: of all the frames a track was seen in, the one whose picture a person would
 * pick. Each view is scored on the object's own box by src/analytics/shot-quality.ts (confidence,
 * Sobel sharpness, size, face, occlusion; a box cut off by the frame's edge ranks last); the picture
 * kept is the box with a margin (`padding`), in colour whenever the frame has colour.
 *
 * Cost is bounded: every view costs one native sharpness call over the box; only a view that beats the
 * track's best is copied (the whole frame, shared by the frame's shots, when full-frame pictures are
 * on, else the padded region); the JPEG is encoded once, when the caller asks (normally when the
 * track ends), never per frame.
 */
import { z } from 'zod';
import type { Face } from '../inference/types.ts';
import { sharpness, type Rect } from '../native/index.ts';
import type { FrameHold, HeldFrame } from './full-frame.ts';
import { DEFAULT_JPEG_QUALITY, encodeJpeg, type RawImage } from './jpeg.ts';
import { copyRegion, lumaOf, pixelBox, touchesEdge, type ShotFrame } from './shot-pixels.ts';
import { outranks, sharpnessPoints, shotQuality } from './shot-quality.ts';
import { coveredFraction } from './tracking/box.ts';

export type { ShotFrame } from './shot-pixels.ts';

export const bestShotOptionsSchema = z
  .object({
    pointsPerDecade: z.number().positive().default(2).describe('Sharpness points (of 10) per factor of ten in the Tenengrad of the box.'),
    padding: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('Margin around the box in the picture, as a fraction of the box size (at least 2 pixels); not scored.'),
    maxSide: z
      .number()
      .int()
      .min(16)
      .max(4096)
      .default(640)
      .describe('Pictures larger than this on a side are downscaled (keeping the aspect ratio) when kept.'),
    jpegQuality: z.number().int().min(1).max(100).default(DEFAULT_JPEG_QUALITY).describe('JPEG quality of the encoded best shot.'),
    frameWidth: z
      .number()
      .int()
      .min(0)
      .max(8192)
      .default(1280)
      .describe(
        'A full-frame JPEG at the best-shot moment is kept with each event, at most this wide (downscaled keeping the aspect ratio, never upscaled); 0 = none.',
      ),
  })
  .strict();

export type BestShotOptions = z.output<typeof bestShotOptionsSchema>;
export type BestShotOptionsInput = z.input<typeof bestShotOptionsSchema>;

/** What is scored: a detection's box, score and face (a Detection fits). */
export interface ShotSubject {
  box: Rect;
  score: number;
  face?: Face | undefined;
}

export interface BestShot {
  trackId: number;
  timeMs: number;
  /** The detection box, rounded out to whole pixels inside the frame: everything is scored over it. */
  box: Rect;
  /** The padded box: what the picture shows (frame pixels). */
  region: Rect;
  score: number;
  tenengrad: number;
  /** 0..10, see shot-quality.ts. */
  sharpness: number;
  /** See shot-quality.ts; includes the occlusion penalty once the frame's other boxes are known. */
  quality: number;
  /** The box touches the frame's edge. */
  truncated: boolean;
  /** Share of the box covered by other detections in the same frame, 0..1. */
  occlusion: number;
  /** The face found on the object in this frame (frame pixels), null when none. */
  face: Face | null;
  /** Mean luma 0..255 of the box. */
  brightness: number;
  /**
   * The region's pixels: gray for gray frames, RGB otherwise; downscaled when larger than maxSide.
   * Copied when the shot becomes a track's best (or is settled undecided) and holds no whole frame;
   * with one (`frame`) the picture is cut from it when encoded.
   */
  image: RawImage | null;
  /**
   * The whole frame the shot was taken from (a copy shared with the frame's other shots), for the
   * full-frame JPEG; null when not kept. Whoever drops the shot releases it (the selector does for the
   * shots it was given), so its buffer serves the next copy.
   */
  frame: HeldFrame | null;
  /** Where the pixels still are (the caller's frame, valid until it settles the shot); null once copied or dropped. */
  source: PixelSource | null;
}

/** A captured frame whose pixels a shot may still copy, and the hold that copies whole frames (null: none). */
interface PixelSource {
  frame: ShotFrame;
  hold: FrameHold | null;
}

/** Best shots of one camera's live tracks. */
export class BestShotSelector {
  readonly options: BestShotOptions;
  private readonly shots = new Map<number, BestShot>();

  constructor(options: BestShotOptionsInput = {}) {
    this.options = bestShotOptionsSchema.parse(options);
  }

  /**
   * Considers the frame as the track's best shot: `subject` is the track's matched detection in this
   * frame, `others` the boxes of the frame's other detections (they may hide part of it). Returns true
   * when it became the best (the picture was copied).
   */
  offer(trackId: number, subject: ShotSubject, frame: ShotFrame, others: readonly Rect[] = []): boolean {
    const shot = this.capture(subject, frame, null);
    return shot !== null && this.consider(trackId, shot, coveredFraction(shot.box, others));
  }

  /**
   * Measures a detection without copying any pixels; `consider` it once the tracker has matched it
   * (a shot that becomes the best copies its picture then), and `settle` it before `frame` is released
   * (the coordinator's frame is a crop-slab snapshot, released after inference). Null when the box is
   * outside the frame. `hold` copies the entire frame (see full-frame.ts) for a kept shot's full-frame
   * JPEG; null keeps none.
   */
  capture(subject: ShotSubject, frame: ShotFrame, hold: FrameHold | null = null): BestShot | null {
    const box = pixelBox(subject.box, frame.width, frame.height);
    if (!box) return null;
    const luma = lumaOf(frame, box);
    const { tenengrad, mean } = sharpness(luma.plane, luma.width, luma.height, luma.rect);
    const points = sharpnessPoints(tenengrad, this.options.pointsPerDecade);
    const px = Math.max(2, Math.round(box.width * this.options.padding));
    const py = Math.max(2, Math.round(box.height * this.options.padding));
    const region = pixelBox(
      { x: box.x - px, y: box.y - py, width: box.width + 2 * px, height: box.height + 2 * py },
      frame.width,
      frame.height,
    ) as Rect;
    const face = subject.face ? copyFace(subject.face) : null;
    return {
      trackId: -1,
      timeMs: frame.timeMs,
      box,
      region,
      score: subject.score,
      tenengrad,
      sharpness: points,
      quality: shotQuality({
        score: subject.score,
        sharpness: points,
        area: box.width * box.height,
        faceScore: face?.score ?? null,
        occlusion: 0,
      }),
      truncated: touchesEdge(subject.box, frame.width, frame.height),
      occlusion: 0,
      face,
      brightness: mean,
      image: null,
      frame: null,
      source: { frame, hold },
    };
  }

  /**
   * Call before the frames of captured shots are released. A shot already considered has its fate
   * (kept shots copied their pixels); `decided`: the shots' frame went through the tracker, so the rest
   * will never be considered and copy nothing; otherwise they wait for other regions and copy now.
   */
  settle(shots: ReadonlyArray<BestShot | null>, decided: boolean): void {
    for (const shot of shots) {
      if (shot === null || shot.source === null) continue;
      if (decided) shot.source = null;
      else this.take(shot);
    }
  }

  /**
   * Captured shots the caller drops without considering them (their detection matched no confirmed
   * track): the frames they copied are released. Considered shots hold none any more.
   */
  drop(shots: ReadonlyArray<BestShot | null>): void {
    for (const shot of shots) {
      if (shot === null) continue;
      shot.source = null;
      shot.frame?.release();
      shot.frame = null;
    }
  }

  /** Copies the shot's pictures from its source frame (still held by the caller). */
  private take(shot: BestShot): void {
    const source = shot.source;
    if (source === null) return;
    shot.source = null;
    shot.frame = source.hold === null ? null : source.hold.hold(source.frame);
    // A held whole frame has the picture too: cut when encoded, not copied for every new best.
    shot.image = shot.frame === null ? copyRegion(source.frame, shot.region, this.options.maxSide) : null;
  }

  /**
   * Keeps a captured shot as the track's best when it outranks the current one; `occlusion` is the
   * share of its box that the frame's other detections cover (known only once the frame is whole).
   */
  consider(trackId: number, shot: BestShot, occlusion = 0): boolean {
    const quality =
      occlusion === 0
        ? shot.quality
        : shotQuality({
            score: shot.score,
            sharpness: shot.sharpness,
            area: shot.box.width * shot.box.height,
            faceScore: shot.face?.score ?? null,
            occlusion,
          });
    const candidate: BestShot = { ...shot, trackId, occlusion, quality };
    // Considered once: the captured shot itself never copies pixels later, and its frame (if it copied
    // one already) is the candidate's now.
    shot.source = null;
    shot.frame = null;
    const previous = this.shots.get(trackId);
    if (previous !== undefined && !outranks(candidate, previous)) {
      candidate.frame?.release();
      return false;
    }
    this.take(candidate);
    if (previous !== undefined) this.release(previous);
    this.shots.set(trackId, candidate);
    return true;
  }

  /** The current best shot of a live track. */
  best(trackId: number): BestShot | undefined {
    return this.shots.get(trackId);
  }

  /** Removes the track's best shot (call when the track ends) and returns it with its JPEG. */
  async finish(trackId: number): Promise<{ shot: BestShot; jpeg: Buffer } | undefined> {
    const shot = this.shots.get(trackId);
    if (!shot) return undefined;
    this.shots.delete(trackId);
    const jpeg = this.encode(shot);
    this.release(shot);
    return { shot, jpeg: await jpeg };
  }

  /** Encodes a best shot on demand (a snapshot of a live track), without removing it. */
  encode(shot: BestShot): Promise<Buffer> {
    const { frame } = shot;
    const image = shot.image ?? (frame !== null ? copyRegion(frame, shot.region, this.options.maxSide) : null);
    // A kept shot copied its pictures when it was kept; one without is a caller that skipped `settle`.
    if (image === null) return Promise.reject(new Error(`best shot of track ${shot.trackId} has no picture`));
    return encodeJpeg(image, { quality: this.options.jpegQuality });
  }

  /** Drops a track's best shot (its pictures encoded, or not wanted: the track never became an event). */
  discard(trackId: number): void {
    const shot = this.shots.get(trackId);
    if (shot === undefined) return;
    this.shots.delete(trackId);
    this.release(shot);
  }

  private release(shot: BestShot): void {
    shot.frame?.release();
    shot.frame = null;
  }

  get size(): number {
    return this.shots.size;
  }
}

function copyFace(face: Face): Face {
  return { box: { ...face.box }, score: face.score, keypoints: face.keypoints.map((p) => ({ x: p.x, y: p.y })) };
}
