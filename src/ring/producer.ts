/**
 * The writing side of a frame ring (one per camera, on the thread that reads ffmpeg's output). It never
 * blocks: `acquire` always returns a slot, overwriting the oldest unread frame when the ring is full.
 * Times are stamped straight into the slot's metadata (`stampNow`), so a frame allocates nothing.
 * What outlives a producer is in the ring (the run, the frame count, each slot's sequence number), so a
 * producer made again on a restarted worker carries on where the last one stopped.
 */
import { stampNow } from './clock.ts';
import type { Doorbell } from './doorbell.ts';
import { Ctrl, type FrameRing, Meta, SlotState } from './layout.ts';

export class FrameRingProducer {
  readonly ring: FrameRing;
  /**
   * The bell of the channel worker that reads this ring (set when the camera is placed), rung on every
   * commit and close besides the ring's own Published word, which single-ring readers wait on.
   */
  doorbell: Doorbell | null;
  private current = -1;
  private seq = 0;

  constructor(ring: FrameRing, doorbell: Doorbell | null = null) {
    this.ring = ring;
    this.doorbell = doorbell;
    for (let i = 0; i < ring.slotCount; i++) this.seq = Math.max(this.seq, ring.metaOf(i, Meta.Seq));
  }

  /**
   * Claims a slot and returns its frame view; fill it, then `commit` or `commitCapturedAtAcquire` (or
   * `abort`). The claim time is stamped as the frame's capture time, which `commit` overrides.
   */
  acquire(): Uint8Array {
    if (this.current >= 0) return this.ring.slots[this.current] as Uint8Array;
    const slot = this.claim();
    stampNow(this.ring.meta, this.ring.metaIndex(slot, Meta.CaptureMs));
    return this.ring.slots[slot] as Uint8Array;
  }

  private claim(): number {
    const { state } = this.ring;
    for (;;) {
      let oldest = -1;
      let oldestSeq = Infinity;
      for (let i = 0; i < state.length; i++) {
        const s = Atomics.load(state, i);
        if (s === SlotState.Free && Atomics.compareExchange(state, i, SlotState.Free, SlotState.Writing) === SlotState.Free) {
          this.current = i;
          return i;
        }
        if (s === SlotState.Ready) {
          const seq = this.ring.metaOf(i, Meta.Seq);
          if (seq < oldestSeq) {
            oldestSeq = seq;
            oldest = i;
          }
        }
      }
      // Full: take the oldest unread frame unless the consumer claimed it meanwhile (then rescan).
      if (oldest >= 0 && Atomics.compareExchange(state, oldest, SlotState.Ready, SlotState.Writing) === SlotState.Ready) {
        Atomics.add(this.ring.ctrl, Ctrl.DroppedFull, 1);
        this.current = oldest;
        return oldest;
      }
    }
  }

  /** Publishes the acquired slot and wakes the consumer. `captureMs` is epoch milliseconds (src/ring/clock.ts). */
  commit(captureMs: number, pts: number): void {
    const slot = this.take();
    this.ring.setMeta(slot, Meta.CaptureMs, captureMs);
    this.ready(slot, pts);
  }

  /**
   * Publishes the acquired slot with the time `acquire` claimed it as its capture time: for a reader
   * that acquires when a frame's first byte arrives, with no clock read (and no allocation) of its own.
   */
  commitCapturedAtAcquire(pts: number): void {
    this.ready(this.take(), pts);
  }

  private take(): number {
    const slot = this.current;
    if (slot < 0) throw new Error('commit() without acquire()');
    this.current = -1;
    return slot;
  }

  private ready(slot: number, pts: number): void {
    this.ring.setMeta(slot, Meta.Seq, ++this.seq);
    this.ring.setMeta(slot, Meta.Pts, pts);
    this.ring.setMeta(slot, Meta.Run, Atomics.load(this.ring.ctrl, Ctrl.Run));
    stampNow(this.ring.meta, this.ring.metaIndex(slot, Meta.CommitMs));
    Atomics.store(this.ring.state, slot, SlotState.Ready);
    Atomics.add(this.ring.ctrl, Ctrl.Frames, 1);
    this.publish();
  }

  private publish(): void {
    Atomics.add(this.ring.ctrl, Ctrl.Published, 1);
    if (Atomics.load(this.ring.ctrl, Ctrl.Waiters) !== 0) Atomics.notify(this.ring.ctrl, Ctrl.Published);
    this.doorbell?.ring();
  }

  /** Gives a half-written slot back (the source ended mid-frame); counted as an incomplete drop. */
  abort(): void {
    if (this.current < 0) return;
    Atomics.store(this.ring.state, this.current, SlotState.Free);
    Atomics.add(this.ring.ctrl, Ctrl.DroppedIncomplete, 1);
    this.current = -1;
  }

  /** Gives an acquired slot back untouched (a read that brought nothing): no drop is counted. */
  release(): void {
    if (this.current < 0) return;
    Atomics.store(this.ring.state, this.current, SlotState.Free);
    this.current = -1;
  }

  close(): void {
    this.abort();
    Atomics.store(this.ring.ctrl, Ctrl.Closed, 1);
    this.publish();
  }
}
