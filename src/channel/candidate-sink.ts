/**
 * Where a camera's candidate regions go when the gateway runs inference: each region is cropped into a
 * free slot of the camera's crop slab (shared memory; the oldest queued crop gives way when it is full)
 * and announced to the coordinator with a small notice that carries the region's motion boxes and
 * contrast for the motion backend. Runs in the channel worker; allocates per candidate only.
 */
import { intersects } from './regions.ts';
import { CropSlab, CropState } from '../inference/crop-slab.ts';
import { CandidateSampler, CropSlabWriter } from '../inference/crop-writer.ts';
import { changedContrast } from '../inference/contrast.ts';
import type { PixelFormat, Rect } from '../native/index.ts';
import type { CandidateNotice } from '../protocol.ts';

export interface CandidateFrame {
  /** The ring slot: the colour frame at detect resolution, which regions are in. */
  frame: Uint8Array;
  format: PixelFormat;
  width: number;
  height: number;
  captureMs: number;
  /** Whether the face cascade searches the persons found in this frame's crops (inference.faces.trackedIntervalMs). */
  faces: boolean;
  /** The motion plane (a downscale of the frame) and what motion compared it with (MotionDetector.comparedPlane). */
  motion: { luma: Uint8Array; compared: Uint8Array | Float32Array; width: number; height: number };
}

/** A motion box is covered by a pending crop when at least this share of it lies within the crop's region. */
const COVERED = 0.8;

export class CandidateSink {
  private readonly writer: CropSlabWriter;
  /** The region each slot's crop was cut from: meaningful while the slot is queued or being inferred. */
  private readonly slotRegions: Array<Rect | null>;
  /** Applies the overload governor's rate multiplier (written into the slab by the coordinator). */
  readonly throttle: CandidateSampler;

  constructor(
    slab: SharedArrayBuffer,
    private readonly camera: string,
    private readonly notify: (notice: CandidateNotice) => void,
    private readonly motion: { threshold: number; alpha: number; foregroundAlpha: number },
  ) {
    const crops = CropSlab.attach(slab);
    this.writer = new CropSlabWriter(crops);
    this.throttle = new CandidateSampler(crops);
    this.slotRegions = new Array<Rect | null>(crops.slotCount).fill(null);
  }

  /**
   * Whether every box lies within the region of a crop still waiting for its detections (queued or
   * being inferred): those detections will say what is there, so another crop of the same place adds
   * nothing until they come. While the pool keeps up a crop is back before the next frame and this is
   * never true; when it falls behind, a camera holds at most one crop a place in the queue instead of
   * one a frame, so a backlog cannot feed itself (at start-up, every walker with no track yet sent
   * every frame, and the queue grew for 15 s at 60 cameras).
   */
  pendingCovers(boxes: readonly Rect[]): boolean {
    const { state } = this.writer.slab;
    for (const box of boxes) {
      let covered = false;
      for (let i = 0; i < state.length && !covered; i++) {
        const s = Atomics.load(state, i);
        const region = this.slotRegions[i];
        if ((s === CropState.Queued || s === CropState.Inferring) && region) covered = shareWithin(box, region) >= COVERED;
      }
      if (!covered) return false;
    }
    return boxes.length > 0;
  }

  /** Crops that fit in the camera's slab now without replacing a queued one. */
  freeSlots(): number {
    return this.writer.freeSlots();
  }

  /** Crops and announces each region; returns how many were committed (the rest were dropped, counted in the slab). */
  send(f: CandidateFrame, regions: readonly Rect[], boxes: ReadonlyArray<Rect & { area: number }>): number {
    let sent = 0;
    for (const region of regions) {
      const crop = this.writer.write(f.frame, f.format, f.width, f.height, region, f.captureMs, f.faces);
      if (crop === null) continue;
      this.slotRegions[crop.slot] = region;
      this.notify({
        camera: this.camera,
        slot: crop.slot,
        seq: crop.seq,
        captureMs: f.captureMs,
        regionCount: regions.length,
        region,
        mapping: crop.mapping,
        motion: boxes.filter((b) => intersects(b, region)),
        contrast: this.contrast(f, region),
      });
      sent++;
    }
    return sent;
  }

  /**
   * Measured on the motion plane, over the region scaled down to it. Changed pixels were blended into
   * the background with foregroundAlpha, which is what changedContrast has to undo there.
   */
  private contrast(f: CandidateFrame, region: Rect): number {
    const m = f.motion;
    const sx = m.width / f.width;
    const sy = m.height / f.height;
    const box = { x: region.x * sx, y: region.y * sy, width: region.width * sx, height: region.height * sy };
    const alpha = this.motion.alpha > 0 ? this.motion.foregroundAlpha : 0;
    return changedContrast(m.luma, m.compared, m.width, box, this.motion.threshold, alpha);
  }
}

/** Share of `a`'s area inside `b`. */
function shareWithin(a: Rect, b: Rect): number {
  const area = a.width * a.height;
  if (area <= 0) return 1;
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return ix > 0 && iy > 0 ? (ix * iy) / area : 0;
}
