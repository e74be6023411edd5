/**
 * The shared memory of one camera's frame ring. One SharedArrayBuffer holds a control block, a state
 * word and a metadata record per slot, then the slots' frame bytes. Every view here is created once;
 * producer and consumer (on different threads) each wrap the same buffer with `FrameRing.attach`.
 *
 * Slot states move FREE -> WRITING -> READY -> READING -> FREE. The producer never waits: when no slot
 * is FREE it takes the oldest READY one (an unread frame, counted as dropped); it never touches the
 * slot the consumer is READING, so a frame being analysed is never torn.
 */
import type { PixelFormat } from '../native/index.ts';
import { PIXEL_FORMATS, frameBytes } from '../native/index.ts';

export const SlotState = { Free: 0, Writing: 1, Ready: 2, Reading: 3 } as const;

/** Indices into the control block (Int32). */
export const Ctrl = {
  /** Frames committed; also the word the consumer waits on. Wraps at 2^32 (compare by difference). */
  Published: 0,
  /** Frames handed to the consumer. */
  Consumed: 1,
  /** Unread frames overwritten because every slot was full (reason `ring_full`). */
  DroppedFull: 2,
  /** Frames the producer abandoned half-written (reason `incomplete`, e.g. ffmpeg exited mid-frame). */
  DroppedIncomplete: 3,
  /** 1 once the producer closed the ring. */
  Closed: 4,
  SlotCount: 5,
  Width: 6,
  Height: 7,
  Format: 8,
  /**
   * Threads blocked in `FrameRingConsumer.wait` on Published. A commit notifies only when one is: the
   * channel workers wait on their doorbell instead, and a needless Atomics.notify still takes V8's
   * process-wide futex lock, which the workers' own waits contend for.
   */
  Waiters: 9,
  /**
   * The ffmpeg run now feeding the ring (0 before the first): the coordinator starts each run, the
   * thread reading the run's pipe (the camera's channel worker) stamps it on every frame (Meta.Run).
   */
  Run: 10,
  /** Complete frames committed, over every run (Published also counts a close). */
  Frames: 11,
} as const;
const CTRL_INTS = 16;

/**
 * Fields of a slot's metadata record (Float64). `Run` numbers the ffmpeg runs of the camera (1 for the
 * first connection, +1 at every reconnect): a frame of a new run may show another scene (the camera
 * moved, night mode), so the channel worker starts its motion background again when it changes.
 */
export const Meta = { Seq: 0, CaptureMs: 1, Pts: 2, CommitMs: 3, Run: 4 } as const;
const META_DOUBLES = 5;
const ALIGN = 64;

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export interface RingGeometry {
  width: number;
  height: number;
  format: PixelFormat;
  slots: number;
}

export class FrameRing {
  readonly buffer: SharedArrayBuffer;
  readonly ctrl: Int32Array;
  readonly state: Int32Array;
  readonly meta: Float64Array;
  /** One view a slot, exactly one frame long: handed to kernels as is, never re-sliced per frame. */
  readonly slots: Uint8Array[];
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  readonly frameBytes: number;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.ctrl = new Int32Array(buffer, 0, CTRL_INTS);
    const slots = this.ctrl[Ctrl.SlotCount] as number;
    this.width = this.ctrl[Ctrl.Width] as number;
    this.height = this.ctrl[Ctrl.Height] as number;
    this.format = PIXEL_FORMATS[this.ctrl[Ctrl.Format] as number] as PixelFormat;
    this.frameBytes = frameBytes(this.format, this.width, this.height);
    const stateOffset = align(CTRL_INTS * 4);
    const metaOffset = stateOffset + align(slots * 4);
    const dataOffset = metaOffset + align(slots * META_DOUBLES * 8);
    this.state = new Int32Array(buffer, stateOffset, slots);
    this.meta = new Float64Array(buffer, metaOffset, slots * META_DOUBLES);
    const stride = align(this.frameBytes);
    this.slots = Array.from({ length: slots }, (_, i) => new Uint8Array(buffer, dataOffset + i * stride, this.frameBytes));
  }

  static create(geometry: RingGeometry): FrameRing {
    const { width, height, format, slots } = geometry;
    if (!Number.isInteger(slots) || slots < 2 || slots > 64) {
      throw new RangeError(`Expected an integer between 2 and 64 for slots but received ${String(slots)}`);
    }
    const bytes = frameBytes(format, width, height);
    const total = align(CTRL_INTS * 4) + align(slots * 4) + align(slots * META_DOUBLES * 8) + slots * align(bytes);
    const buffer = new SharedArrayBuffer(total);
    const ctrl = new Int32Array(buffer, 0, CTRL_INTS);
    ctrl[Ctrl.SlotCount] = slots;
    ctrl[Ctrl.Width] = width;
    ctrl[Ctrl.Height] = height;
    ctrl[Ctrl.Format] = PIXEL_FORMATS.indexOf(format);
    return new FrameRing(buffer);
  }

  /** Wraps a buffer made by `create` (typically received by a worker thread). */
  static attach(buffer: SharedArrayBuffer): FrameRing {
    return new FrameRing(buffer);
  }

  get slotCount(): number {
    return this.slots.length;
  }

  /** Where a slot's metadata field lives in `meta` (for writers that fill it in place, like a clock stamp). */
  metaIndex(slot: number, field: number): number {
    return slot * META_DOUBLES + field;
  }

  metaOf(slot: number, field: number): number {
    return this.meta[this.metaIndex(slot, field)] as number;
  }

  setMeta(slot: number, field: number, value: number): void {
    this.meta[this.metaIndex(slot, field)] = value;
  }

  counter(index: number): number {
    return Atomics.load(this.ctrl, index) >>> 0;
  }

  /** A new connection begins: frames committed from now on carry the next run number (Meta.Run). */
  beginRun(): number {
    return Atomics.add(this.ctrl, Ctrl.Run, 1) + 1;
  }

  /** The newest frame's commit time (src/ring/clock.ts), 0 before the first: a stall check reads it on a timer. */
  lastCommitMs(): number {
    let newest = 0;
    for (let i = 0; i < this.state.length; i++) newest = Math.max(newest, this.metaOf(i, Meta.CommitMs));
    return newest;
  }

  /** Frames committed but not yet taken by the consumer. */
  occupancy(): number {
    let ready = 0;
    for (let i = 0; i < this.state.length; i++) if (Atomics.load(this.state, i) === SlotState.Ready) ready++;
    return ready;
  }
}
