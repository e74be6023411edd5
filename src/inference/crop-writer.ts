/**
 * The writing side of a crop slab, used by the channel worker (one writer a slab). It never blocks:
 * `acquire` returns a slot at once, taking the oldest queued crop when none is free, or -1 when every
 * slot is being inferred (the new crop is dropped then, counted). Also the sampler that applies the
 * overload governor's analysis-rate multiplier without a message.
 */
import { cropResize, type CropMapping, type PixelFormat, type Rect } from '../native/index.ts';
import { CropMeta, type CropSlab, CropState, SlabCtrl, type CropTensor } from './crop-slab.ts';
import { copyRegion, snapshotRect, SNAPSHOT_MARGIN } from './region-copy.ts';
import { epochMs as now } from '../native/clock.ts';

export class CropSlabWriter {
  readonly slab: CropSlab;

  constructor(slab: CropSlab) {
    this.slab = slab;
    // One writer a slab: a slot left WRITING belongs to a writer that died (channel worker restart).
    for (let i = 0; i < slab.slotCount; i++) Atomics.compareExchange(slab.state, i, CropState.Writing, CropState.Free);
  }

  /** Claims a slot to fill, or -1 when every slot is being inferred (the new crop is dropped, counted). */
  acquire(): number {
    const { state } = this.slab;
    for (;;) {
      let oldest = -1;
      let oldestSeq = Infinity;
      for (let i = 0; i < state.length; i++) {
        const s = Atomics.load(state, i);
        if (s === CropState.Free && Atomics.compareExchange(state, i, CropState.Free, CropState.Writing) === CropState.Free) return i;
        if (s === CropState.Queued) {
          const seq = this.slab.metaOf(i, CropMeta.Seq);
          if (seq < oldestSeq) {
            oldestSeq = seq;
            oldest = i;
          }
        }
      }
      if (oldest < 0) {
        Atomics.add(this.slab.ctrl, SlabCtrl.DroppedInFlight, 1);
        return -1;
      }
      // Full: replace the oldest queued crop unless the pool claimed it meanwhile (then rescan).
      if (Atomics.compareExchange(state, oldest, CropState.Queued, CropState.Writing) === CropState.Queued) {
        Atomics.add(this.slab.ctrl, SlabCtrl.DroppedQueueFull, 1);
        return oldest;
      }
    }
  }

  /** Slots neither queued nor being inferred: how many crops fit without replacing a queued one. */
  freeSlots(): number {
    const { state } = this.slab;
    let free = 0;
    for (let i = 0; i < state.length; i++) if (Atomics.load(state, i) === CropState.Free) free++;
    return free;
  }

  /** The acquired slot's tensor view, to fill in place. */
  tensor(slot: number): CropTensor {
    return this.slab.tensors[slot] as CropTensor;
  }

  /** Publishes a filled slot; returns the candidate's sequence number (the notice carries it). */
  commit(slot: number, captureMs: number, faces = true): number {
    const slab = this.slab;
    const seq = Atomics.add(slab.ctrl, SlabCtrl.Seq, 1) + 1;
    slab.setMeta(slot, CropMeta.Seq, seq);
    slab.setMeta(slot, CropMeta.CaptureMs, captureMs);
    slab.setMeta(slot, CropMeta.Faces, faces ? 1 : 0);
    slab.setMeta(slot, CropMeta.CommitMs, now());
    Atomics.store(slab.state, slot, CropState.Queued);
    Atomics.add(slab.ctrl, SlabCtrl.Committed, 1);
    return seq;
  }

  /** Gives back a slot that was not filled (crop failed). */
  abort(slot: number): void {
    Atomics.compareExchange(this.slab.state, slot, CropState.Writing, CropState.Free);
  }

  /**
   * Crops `region` of a frame into a slot (letterboxed to the slab's tensor) and commits it. Returns
   * the slot, sequence and mapping for the candidate notice, or null when the crop was dropped.
   * Allocates only the mapping record the notice carries.
   */
  write(
    frame: Uint8Array,
    format: PixelFormat,
    width: number,
    height: number,
    region: Rect,
    captureMs: number,
    faces = true,
  ): WrittenCrop | null {
    const slot = this.acquire();
    if (slot < 0) return null;
    const slab = this.slab;
    let mapping: CropMapping;
    try {
      if (slab.layout === null) {
        mapping = { roi: { ...region }, scaleX: 1, scaleY: 1, padX: 0, padY: 0, contentWidth: region.width, contentHeight: region.height };
      } else {
        mapping = cropResize(
          frame,
          format,
          width,
          height,
          {
            roi: region,
            width: slab.width,
            height: slab.height,
            layout: slab.layout,
            letterbox: true,
            ...(slab.mean === null || slab.std === null ? {} : { mean: slab.mean, std: slab.std }),
          },
          this.tensor(slot),
        ).mapping;
      }
      const snap = slab.snapshot;
      if (snap !== null && snap.format === format && snap.width === width && snap.height === height) {
        const snapshot = slab.snapshots[slot] as Uint8Array;
        if (snap.whole === true) snapshot.set(frame.subarray(0, snapshot.length));
        else copyRegion(frame, snapshot, snap.format, width, height, snapshotRect(region, SNAPSHOT_MARGIN, width, height));
      }
    } catch (err) {
      this.abort(slot);
      throw err;
    }
    return { slot, seq: this.commit(slot, captureMs, faces), mapping };
  }
}

export interface WrittenCrop {
  slot: number;
  seq: number;
  mapping: CropMapping;
}

/**
 * Applies the slab's analysis-rate multiplier to candidate frames: with multiplier m, about m of every
 * candidate frame is analysed, evenly spaced (an accumulator, not a random draw, so the rate is exact
 * and tests are deterministic). Motion still runs on every frame; only the candidates are thinned.
 */
export class CandidateSampler {
  private readonly slab: CropSlab;
  // Starts full so the first candidate after a (re)start is analysed.
  private credit = 1;

  constructor(slab: CropSlab) {
    this.slab = slab;
  }

  /** Whether this candidate frame should be cropped and sent to inference. */
  take(): boolean {
    // credit stays below 1 + m (it is spent whenever it reaches 1), so no burst follows a slow period.
    this.credit += this.slab.rateMultiplier;
    if (this.credit < 1) return false;
    this.credit -= 1;
    return true;
  }
}
