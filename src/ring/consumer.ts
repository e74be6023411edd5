/**
 * The reading side of a frame ring (a channel worker). Frames are taken oldest first and analysed in
 * place in their slot; `release` hands the slot back. A thread that serves several rings waits on its
 * doorbell in a RingDrainLoop (drain-loop.ts); `wait` is for a thread that reads this ring only.
 */
import { Ctrl, type FrameRing, Meta, SlotState } from './layout.ts';

export class FrameRingConsumer {
  readonly ring: FrameRing;
  private lastPublished = 0;
  /**
   * The Published count read before the last scan that found no ready frame (NaN: none yet). A frame
   * becomes ready only by a commit, which bumps Published after marking its slot, so while Published
   * still equals this the ring is empty: one load instead of a scan, for a worker checking hundreds of
   * rings on every wake-up.
   */
  private emptyAt = Number.NaN;

  constructor(ring: FrameRing) {
    this.ring = ring;
    this.lastPublished = Atomics.load(ring.ctrl, Ctrl.Published);
    // A ring has one consumer at a time, so a slot still READING here was held by a consumer whose thread
    // died mid-frame (a channel worker restart). The producer never takes a READING slot: unreclaimed, each
    // such death loses a slot for good, and once all are lost acquire() spins forever on the coordinator.
    // The frame is intact (analysis only reads it), so offer it again.
    for (let i = 0; i < ring.state.length; i++) Atomics.compareExchange(ring.state, i, SlotState.Reading, SlotState.Ready);
  }

  /** The slot index of the oldest ready frame, now claimed for reading, or -1 when none is ready. */
  tryAcquire(): number {
    const { state, ctrl } = this.ring;
    const published = Atomics.load(ctrl, Ctrl.Published);
    if (published === this.emptyAt) return -1;
    for (;;) {
      let oldest = -1;
      let oldestSeq = Infinity;
      for (let i = 0; i < state.length; i++) {
        if (Atomics.load(state, i) !== SlotState.Ready) continue;
        const seq = this.ring.metaOf(i, Meta.Seq);
        if (seq < oldestSeq) {
          oldestSeq = seq;
          oldest = i;
        }
      }
      if (oldest < 0) {
        this.emptyAt = published;
        return -1;
      }
      // The producer may have taken it for overwriting in between: then look again.
      if (Atomics.compareExchange(state, oldest, SlotState.Ready, SlotState.Reading) !== SlotState.Ready) continue;
      // While we scanned, the producer may have committed an older frame into a slot we had already
      // passed (then a newer one further on): hand ours back (the producer never touches a Reading
      // slot, so this is safe) and take the older one.
      if (!this.olderReady(oldest, oldestSeq)) {
        Atomics.add(this.ring.ctrl, Ctrl.Consumed, 1);
        return oldest;
      }
      Atomics.store(state, oldest, SlotState.Ready);
    }
  }

  private olderReady(taken: number, seq: number): boolean {
    const { state } = this.ring;
    for (let i = 0; i < state.length; i++) {
      if (i !== taken && Atomics.load(state, i) === SlotState.Ready && this.ring.metaOf(i, Meta.Seq) < seq) return true;
    }
    return false;
  }

  release(slot: number): void {
    Atomics.store(this.ring.state, slot, SlotState.Free);
  }

  get closed(): boolean {
    return Atomics.load(this.ring.ctrl, Ctrl.Closed) === 1;
  }

  /**
   * Blocks until a frame may be ready (or the ring closed) or `timeoutMs` passes; false on timeout.
   * Spurious wake-ups are fine: callers loop on `tryAcquire`.
   */
  wait(timeoutMs: number): boolean {
    const published = Atomics.load(this.ring.ctrl, Ctrl.Published);
    if (published !== this.lastPublished) {
      this.lastPublished = published;
      return true;
    }
    Atomics.add(this.ring.ctrl, Ctrl.Waiters, 1);
    let outcome: string;
    try {
      // Sequentially consistent with the producer's publish: it sees this waiter, or this wait sees its commit.
      outcome = Atomics.wait(this.ring.ctrl, Ctrl.Published, published, timeoutMs);
    } finally {
      Atomics.sub(this.ring.ctrl, Ctrl.Waiters, 1);
    }
    this.lastPublished = Atomics.load(this.ring.ctrl, Ctrl.Published);
    return outcome !== 'timed-out';
  }
}
