/**
 * The reading side of a frame ring (a channel worker). Frames are taken oldest first and analysed in
 * place in their slot; `release` hands the slot back. Waiting uses Atomics.waitAsync so one worker
 * thread can serve several cameras.
 */
import { Ctrl, FrameRing, Meta, SlotState } from './layout.ts';

export class FrameRingConsumer {
  readonly ring: FrameRing;
  private lastPublished = 0;

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
    const { state } = this.ring;
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
      if (oldest < 0) return -1;
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
   * Resolves when a frame may be ready (or the ring closed) or after `timeoutMs`. Returns false on
   * timeout. Spurious wake-ups are fine: callers loop on `tryAcquire`. A pending Atomics.waitAsync
   * does not keep the thread's event loop alive: the owning thread must (its control port does).
   */
  async wait(timeoutMs: number): Promise<boolean> {
    const published = Atomics.load(this.ring.ctrl, Ctrl.Published);
    if (published !== this.lastPublished) {
      this.lastPublished = published;
      return true;
    }
    const result = Atomics.waitAsync(this.ring.ctrl, Ctrl.Published, published, timeoutMs);
    const outcome = result.async ? await result.value : result.value;
    this.lastPublished = Atomics.load(this.ring.ctrl, Ctrl.Published);
    return outcome !== 'timed-out';
  }

  /** Blocking wait for threads that serve one ring only. */
  waitSync(timeoutMs: number): boolean {
    const published = Atomics.load(this.ring.ctrl, Ctrl.Published);
    if (published !== this.lastPublished) {
      this.lastPublished = published;
      return true;
    }
    const outcome = Atomics.wait(this.ring.ctrl, Ctrl.Published, published, timeoutMs);
    this.lastPublished = Atomics.load(this.ring.ctrl, Ctrl.Published);
    return outcome !== 'timed-out';
  }
}
