/**
 * Where a camera's candidate regions go when the gateway runs inference: each region is cropped into a
 * free slot of the camera's crop slab (shared memory; the oldest queued crop gives way when it is full)
 * and announced to the coordinator with a small notice that carries the region's motion boxes and
 * contrast for the motion backend. Runs in the channel worker; allocates per candidate only.
 */
import { intersects } from './regions.ts';
import { CropSlab } from '../inference/crop-slab.ts';
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

export class CandidateSink {
  private readonly writer: CropSlabWriter;
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
