/**
 * One camera's detector crops in shared memory, between the channel worker (writer) and the inference
 * pool (reader). One SharedArrayBuffer holds a control block, a state word and a metadata record per
 * slot, then K tensor slots sized by the backend's TensorSpec (zero bytes for backends that need no
 * pixels, such as `motion`: the slots then only carry the queue state). The coordinator creates the slab
 * and keeps it, so it outlives channel-worker restarts; its sequence counter lives in the buffer too.
 *
 * Slot states move FREE -> WRITING -> QUEUED -> INFERRING -> FREE. The writer never waits: when no slot
 * is FREE it takes the OLDEST queued crop (counted `queue_full`), so the newest candidates survive; a slot
 * being inferred is never overwritten, and when every slot is in inference the new crop is the one dropped
 * (counted `in_flight_full`). The layout follows src/ring/layout.ts.
 */
import type { TensorLayout } from '../native/index.ts';
import { snapshotBytes, type SnapshotFormat } from './region-copy.ts';
import type { TensorSpec } from './types.ts';

export const CropState = { Free: 0, Writing: 1, Queued: 2, Inferring: 3 } as const;

/** Indices into the control block (Int32). */
export const SlabCtrl = {
  SlotCount: 0,
  Width: 1,
  Height: 2,
  /** 0 = no tensor, 1 = nhwc-u8, 2 = nchw-f32. */
  Layout: 3,
  /** Crops committed. */
  Committed: 4,
  /** Queued crops overwritten by a newer one because every slot was taken (reason `queue_full`). */
  DroppedQueueFull: 5,
  /** New crops dropped because every slot was being inferred (reason `in_flight_full`). */
  DroppedInFlight: 6,
  /** Last sequence number handed out; kept here so a restarted writer continues it. */
  Seq: 7,
  /** Queued crops the scheduler discarded (rate limit, removed camera), reason `discarded`. */
  Discarded: 8,
  /** Process-unique id (pool workers cache their view of the slab under it). */
  Id: 9,
  /** The camera frame the region snapshots are cut from (0 x 0 = no snapshots). */
  FrameWidth: 10,
  FrameHeight: 11,
  /** Index into SNAPSHOT_FORMATS. */
  FrameFormat: 12,
  /** 1: each snapshot is the whole frame, not only its region (full-frame best shots, `bestShot.frameWidth`). */
  FrameWhole: 13,
} as const;
const CTRL_INTS = 16;

/** Control doubles after the Int32 block. */
export const SlabRate = {
  /** Share of candidate frames the channel worker should analyse (0..1], written by the overload governor. */
  Multiplier: 0,
} as const;
const RATE_DOUBLES = 2;
/** The backend's normalisation (TensorSpec mean then std, RGB order) after the rate doubles. */
const NORM_DOUBLES = 6;

/** Fields of a slot's metadata record (Float64). */
/** Per slot doubles: sequence, capture and commit times, and Faces (1: the face cascade searches this crop, 0: skip). */
export const CropMeta = { Seq: 0, CaptureMs: 1, CommitMs: 2, Faces: 3 } as const;
const META_DOUBLES = 4;
const ALIGN = 64;
const LAYOUTS: readonly (TensorLayout | null)[] = [null, 'nhwc-u8', 'nchw-f32'];
const SNAPSHOT_FORMATS: readonly SnapshotFormat[] = ['gray', 'yuv420p', 'nv12'];

/** The camera frame a slab snapshots candidate regions of (for the best shot after inference). */
export interface SnapshotGeometry {
  format: SnapshotFormat;
  width: number;
  height: number;
  /**
   * The writer copies the whole frame into a slot's snapshot, not only the region with its margin, so
   * the coordinator can keep the frame of a best shot. Same shared memory (a snapshot is frame-sized
   * either way); more bytes copied a candidate (README "Full-frame snapshots").
   */
  whole?: boolean;
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
// Slabs are created on the coordinator thread only, so a module counter is unique for the process.
let nextId = 1;

export type CropTensor = Uint8Array | Float32Array;

export class CropSlab {
  readonly buffer: SharedArrayBuffer;
  readonly ctrl: Int32Array;
  readonly rate: Float64Array;
  readonly state: Int32Array;
  readonly meta: Float64Array;
  /** One view a slot, exactly one tensor long (empty when the backend needs no pixels). */
  readonly tensors: CropTensor[];
  readonly width: number;
  readonly height: number;
  readonly layout: TensorLayout | null;
  readonly id: number;
  /**
   * One frame-sized view a slot holding the candidate region (grown by a margin) at its place in the
   * frame, the rest of the view stale; or the whole frame when `snapshot.whole`. Empty when the slab
   * was made without snapshots.
   */
  readonly snapshots: Uint8Array[];
  readonly snapshot: SnapshotGeometry | null;
  /** nchw-f32 normalisation the writer applies, (v / 255 - mean) / std; null = v / 255. */
  readonly mean: readonly [number, number, number] | null;
  readonly std: readonly [number, number, number] | null;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.ctrl = new Int32Array(buffer, 0, CTRL_INTS);
    const slots = this.ctrl[SlabCtrl.SlotCount] as number;
    this.width = this.ctrl[SlabCtrl.Width] as number;
    this.height = this.ctrl[SlabCtrl.Height] as number;
    this.layout = LAYOUTS[this.ctrl[SlabCtrl.Layout] as number] ?? null;
    this.id = this.ctrl[SlabCtrl.Id] as number;
    const rateOffset = align(CTRL_INTS * 4);
    const normOffset = rateOffset + align(RATE_DOUBLES * 8);
    const stateOffset = normOffset + align(NORM_DOUBLES * 8);
    const metaOffset = stateOffset + align(slots * 4);
    const dataOffset = metaOffset + align(slots * META_DOUBLES * 8);
    this.rate = new Float64Array(buffer, rateOffset, RATE_DOUBLES);
    const norm = new Float64Array(buffer, normOffset, NORM_DOUBLES);
    // Written once by create(); all zeros (no std) means the default v / 255.
    const normalised = norm[3] !== 0;
    this.mean = normalised ? [norm[0] as number, norm[1] as number, norm[2] as number] : null;
    this.std = normalised ? [norm[3] as number, norm[4] as number, norm[5] as number] : null;
    this.state = new Int32Array(buffer, stateOffset, slots);
    this.meta = new Float64Array(buffer, metaOffset, slots * META_DOUBLES);
    const elements = tensorElements(this.layout, this.width, this.height);
    const stride = align(elements * (this.layout === 'nchw-f32' ? 4 : 1));
    this.tensors = Array.from({ length: slots }, (_, i) =>
      this.layout === 'nchw-f32'
        ? new Float32Array(buffer, dataOffset + i * stride, elements)
        : new Uint8Array(buffer, dataOffset + i * stride, elements),
    );
    const c = this.ctrl;
    const format = SNAPSHOT_FORMATS[c[SlabCtrl.FrameFormat] as number];
    this.snapshot =
      format === undefined
        ? null
        : {
            format,
            width: c[SlabCtrl.FrameWidth] as number,
            height: c[SlabCtrl.FrameHeight] as number,
            whole: c[SlabCtrl.FrameWhole] === 1,
          };
    const snapBytes = this.snapshot === null ? 0 : snapshotBytes(format as SnapshotFormat, this.snapshot.width, this.snapshot.height);
    const snapOffset = dataOffset + slots * stride;
    this.snapshots =
      this.snapshot === null
        ? []
        : Array.from({ length: slots }, (_, i) => new Uint8Array(buffer, snapOffset + i * align(snapBytes), snapBytes));
  }

  /**
   * A slab of `slots` crops shaped by `tensor` (null: no pixels, queue state only), and with `snapshot`
   * a frame-sized region snapshot a slot.
   */
  static create(tensor: TensorSpec | null, slots = 4, snapshot: SnapshotGeometry | null = null): CropSlab {
    if (!Number.isInteger(slots) || slots < 1 || slots > 64) {
      throw new RangeError(`Expected an integer between 1 and 64 for slots but received ${String(slots)}`);
    }
    const layout = tensor?.layout ?? null;
    const width = tensor?.width ?? 0;
    const height = tensor?.height ?? 0;
    const bytes = tensorElements(layout, width, height) * (layout === 'nchw-f32' ? 4 : 1);
    const snapBytes = snapshot === null ? 0 : snapshotBytes(snapshot.format, snapshot.width, snapshot.height);
    const total =
      align(CTRL_INTS * 4) +
      align(RATE_DOUBLES * 8) +
      align(NORM_DOUBLES * 8) +
      align(slots * 4) +
      align(slots * META_DOUBLES * 8) +
      slots * (align(bytes) + align(snapBytes));
    const buffer = new SharedArrayBuffer(total);
    const ctrl = new Int32Array(buffer, 0, CTRL_INTS);
    ctrl[SlabCtrl.SlotCount] = slots;
    ctrl[SlabCtrl.Width] = width;
    ctrl[SlabCtrl.Height] = height;
    ctrl[SlabCtrl.Layout] = LAYOUTS.indexOf(layout);
    ctrl[SlabCtrl.Id] = nextId++;
    ctrl[SlabCtrl.FrameFormat] = snapshot === null ? -1 : SNAPSHOT_FORMATS.indexOf(snapshot.format);
    ctrl[SlabCtrl.FrameWidth] = snapshot?.width ?? 0;
    ctrl[SlabCtrl.FrameHeight] = snapshot?.height ?? 0;
    ctrl[SlabCtrl.FrameWhole] = snapshot?.whole === true ? 1 : 0;
    if (layout === 'nchw-f32' && (tensor?.mean !== undefined || tensor?.std !== undefined)) {
      new Float64Array(buffer, align(CTRL_INTS * 4) + align(RATE_DOUBLES * 8), NORM_DOUBLES).set([
        ...(tensor.mean ?? [0, 0, 0]),
        ...(tensor.std ?? [1, 1, 1]),
      ]);
    }
    const slab = new CropSlab(buffer);
    slab.rate[SlabRate.Multiplier] = 1;
    return slab;
  }

  /** Wraps a buffer made by `create` (in the channel worker, in a pool worker). */
  static attach(buffer: SharedArrayBuffer): CropSlab {
    return new CropSlab(buffer);
  }

  get slotCount(): number {
    return this.state.length;
  }

  metaOf(slot: number, field: number): number {
    return this.meta[slot * META_DOUBLES + field] as number;
  }

  setMeta(slot: number, field: number, value: number): void {
    this.meta[slot * META_DOUBLES + field] = value;
  }

  counter(index: number): number {
    return Atomics.load(this.ctrl, index) >>> 0;
  }

  /** The analysis-rate multiplier the overload governor asks this camera to run at. */
  get rateMultiplier(): number {
    return this.rate[SlabRate.Multiplier] as number;
  }

  set rateMultiplier(value: number) {
    this.rate[SlabRate.Multiplier] = value;
  }

  /**
   * Reader side: takes a queued crop for inference if the slot still holds candidate `seq` (a newer crop
   * may have replaced it, or the writer may hold it). False means the candidate is gone: skip it.
   */
  claim(slot: number, seq: number): boolean {
    if (Atomics.compareExchange(this.state, slot, CropState.Queued, CropState.Inferring) !== CropState.Queued) return false;
    if (this.metaOf(slot, CropMeta.Seq) === seq) return true;
    // A newer crop took the slot after this notice was sent: leave it queued for its own notice.
    Atomics.store(this.state, slot, CropState.Queued);
    return false;
  }

  /** Reader side: gives a claimed slot back to the writer. */
  release(slot: number): void {
    Atomics.compareExchange(this.state, slot, CropState.Inferring, CropState.Free);
  }

  /** Reader side: frees a queued crop that will not be inferred (rate limit, camera removed); counted. */
  discard(slot: number, seq: number): boolean {
    if (!this.claim(slot, seq)) return false;
    this.release(slot);
    Atomics.add(this.ctrl, SlabCtrl.Discarded, 1);
    return true;
  }

  /** Crops waiting for inference. */
  queued(): number {
    let n = 0;
    for (let i = 0; i < this.state.length; i++) if (Atomics.load(this.state, i) === CropState.Queued) n++;
    return n;
  }
}

function tensorElements(layout: TensorLayout | null, width: number, height: number): number {
  return layout === null ? 0 : width * height * 3;
}
