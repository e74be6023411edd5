/**
 * Best shot per track: of all the frames a track was seen in, the one whose crop a person would pick.
 * quality = score * 10 + sharpness, both terms 0..10, where
 *   sharpness = clamp(pointsPerDecade * log10(1 + tenengrad), 0, 10), 2 points a decade by default,
 * and tenengrad is measured over the crop region: the detection box padded by `padding` and at least
 * 2 pixels, because a box drawn tight around a flat object has no gradient inside; its sharpness is in
 * the outline. Why a log: Tenengrad scales with the content's contrast, and crops measured at the
 * analysis size span five decades (a blurred colour-bar crop 23, a cellular automaton 5.5e5), so no
 * linear reference fits every object. On a log scale a frame twice as sharp as another scores 0.6
 * points more whatever the object, so within a track (one object) only relative sharpness counts, and
 * 0.06 of detector confidence weighs as much as a factor of two in sharpness.
 *
 * Cost is bounded: every offer costs one native sharpness call over the region; only a frame that beats
 * the track's best is copied (the padded crop) and has its brightness measured; the JPEG is encoded once,
 * when the caller asks (normally when the track ends), never per frame.
 */
import { z } from 'zod';
import { cropResize, sharpness, type Rect } from '../native/index.ts';
import { DEFAULT_JPEG_QUALITY, encodeJpeg, type RawImage } from './jpeg.ts';

export const bestShotOptionsSchema = z.object({
  pointsPerDecade: z.number().positive().default(2)
    .describe('Sharpness points (of 10) per factor of ten in the Tenengrad of the crop region.'),
  padding: z.number().min(0).max(1).default(0.1)
    .describe('Fraction of the box size (at least 2 pixels) added on every side of the crop region.'),
  maxSide: z.number().int().min(16).max(4096).default(640)
    .describe('Crops larger than this on a side are downscaled (keeping the aspect ratio) when kept.'),
  jpegQuality: z.number().int().min(1).max(100).default(DEFAULT_JPEG_QUALITY)
    .describe('JPEG quality of the encoded best shot.'),
}).strict();

export type BestShotOptions = z.output<typeof bestShotOptionsSchema>;
export type BestShotOptionsInput = z.input<typeof bestShotOptionsSchema>;

/** A frame the channel worker holds: a luma plane first (gray, or the Y plane of yuv420p / nv12). */
export interface LumaFrame {
  data: Uint8Array;
  format: 'gray' | 'yuv420p' | 'nv12';
  width: number;
  height: number;
  timeMs: number;
}

export interface BestShot {
  trackId: number;
  timeMs: number;
  /** The detection box, rounded out to whole pixels inside the frame. */
  box: Rect;
  /** The padded box: the image shows it, sharpness and brightness are measured over it. */
  region: Rect;
  score: number;
  tenengrad: number;
  /** 0..10, see the module comment. */
  sharpness: number;
  quality: number;
  /** Mean luma 0..255 of the region. */
  brightness: number;
  /** The region's pixels: gray for gray frames, RGB otherwise; downscaled when larger than maxSide. */
  image: RawImage;
}

export function sharpnessPoints(tenengrad: number, pointsPerDecade: number): number {
  return Math.min(10, Math.max(0, pointsPerDecade * Math.log10(1 + tenengrad)));
}

export function shotQuality(score: number, sharpnessScore: number): number {
  return score * 10 + sharpnessScore;
}

/** The box rounded outwards and clipped to the frame, or null when nothing of it is inside. */
function pixelBox(r: Rect, width: number, height: number): Rect | null {
  const x1 = Math.max(0, Math.floor(r.x)), y1 = Math.max(0, Math.floor(r.y));
  const x2 = Math.min(width, Math.ceil(r.x + r.width)), y2 = Math.min(height, Math.ceil(r.y + r.height));
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : null;
}

function meanLuma(plane: Uint8Array, stride: number, r: Rect): number {
  let sum = 0;
  for (let y = r.y; y < r.y + r.height; y++) {
    const row = y * stride;
    for (let x = r.x; x < r.x + r.width; x++) sum += plane[row + x] as number;
  }
  return sum / (r.width * r.height);
}

/** The region's pixels at most maxSide a side: gray rows copied as they are, anything else through cropResize. */
function copyRegion(frame: LumaFrame, region: Rect, maxSide: number): RawImage {
  const scale = Math.min(1, maxSide / Math.max(region.width, region.height));
  const width = Math.max(1, Math.round(region.width * scale));
  const height = Math.max(1, Math.round(region.height * scale));
  if (frame.format === 'gray' && scale === 1) {
    const data = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const start = (region.y + y) * frame.width + region.x;
      data.set(frame.data.subarray(start, start + width), y * width);
    }
    return { data, width, height, channels: 1 };
  }
  const rgb = cropResize(frame.data, frame.format, frame.width, frame.height, { roi: region, width, height, layout: 'nhwc-u8' }).tensor as Uint8Array;
  if (frame.format !== 'gray') return { data: rgb, width, height, channels: 3 };
  // A gray frame converts to R = G = B: keep one channel.
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i * 3] as number;
  return { data, width, height, channels: 1 };
}

interface Measured {
  box: Rect;
  region: Rect;
  score: number;
  tenengrad: number;
  points: number;
  quality: number;
  luma: Uint8Array;
}

/** Best shots of one camera's live tracks. */
export class BestShotSelector {
  readonly options: BestShotOptions;
  private readonly shots = new Map<number, BestShot>();

  constructor(options: BestShotOptionsInput = {}) {
    this.options = bestShotOptionsSchema.parse(options);
  }

  /**
   * Considers the frame as the track's best shot: `box` and `score` are the track's matched detection in
   * this frame. Returns true when it became the best (the crop was copied), false otherwise.
   */
  offer(trackId: number, box: Rect, score: number, frame: LumaFrame): boolean {
    const m = this.measure(box, score, frame);
    if (m === null || !this.beats(trackId, m.quality)) return false;
    this.shots.set(trackId, this.materialize(trackId, m, frame));
    return true;
  }

  /**
   * Measures a detection and copies its crop now, for callers that lose the frame before they know the
   * track (the coordinator, whose frame is a crop-slab snapshot released after inference); `consider`
   * it once the tracker has matched it. Null when the box is outside the frame.
   */
  capture(box: Rect, score: number, frame: LumaFrame): BestShot | null {
    const m = this.measure(box, score, frame);
    return m === null ? null : this.materialize(-1, m, frame);
  }

  /** Keeps a captured shot as the track's best when it beats the current one. */
  consider(trackId: number, shot: BestShot): boolean {
    if (!this.beats(trackId, shot.quality)) return false;
    this.shots.set(trackId, { ...shot, trackId });
    return true;
  }

  private beats(trackId: number, quality: number): boolean {
    const previous = this.shots.get(trackId);
    // Ties keep the earlier frame: the first good view of an object is the one people expect.
    return previous === undefined || quality > previous.quality;
  }

  private measure(box: Rect, score: number, frame: LumaFrame): Measured | null {
    const b = pixelBox(box, frame.width, frame.height);
    if (!b) return null;
    const px = Math.max(2, Math.round(b.width * this.options.padding));
    const py = Math.max(2, Math.round(b.height * this.options.padding));
    const region = pixelBox({ x: b.x - px, y: b.y - py, width: b.width + 2 * px, height: b.height + 2 * py }, frame.width, frame.height) as Rect;
    const luma = frame.format === 'gray' ? frame.data : frame.data.subarray(0, frame.width * frame.height);
    const { tenengrad } = sharpness(luma, frame.width, frame.height, region);
    const points = sharpnessPoints(tenengrad, this.options.pointsPerDecade);
    return { box: b, region, score, tenengrad, points, quality: shotQuality(score, points), luma };
  }

  private materialize(trackId: number, m: Measured, frame: LumaFrame): BestShot {
    return {
      trackId, timeMs: frame.timeMs, box: m.box, region: m.region, score: m.score, tenengrad: m.tenengrad,
      sharpness: m.points, quality: m.quality, brightness: meanLuma(m.luma, frame.width, m.region),
      image: copyRegion(frame, m.region, this.options.maxSide),
    };
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
    return { shot, jpeg: await this.encode(shot) };
  }

  /** Encodes a best shot on demand (a snapshot of a live track), without removing it. */
  encode(shot: BestShot): Promise<Buffer> {
    return encodeJpeg(shot.image, { quality: this.options.jpegQuality });
  }

  /** Drops a track's best shot without encoding it (the track never became an event). */
  discard(trackId: number): void {
    this.shots.delete(trackId);
  }

  get size(): number {
    return this.shots.size;
  }
}
