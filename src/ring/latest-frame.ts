/**
 * The newest frame of a ring, copied without taking it from the consumer (what a "latest snapshot" of a
 * camera shows). A seqlock read: the slot holding the highest sequence number that is not being written
 * is copied, then its state and sequence are read again; a producer that rewrote the slot meanwhile
 * either still holds it WRITING or committed a new sequence, and the copy is tried again. Slots the
 * consumer already released (FREE) keep their frame until the producer takes them, so they count.
 */
import { Ctrl, type FrameRing, Meta, SlotState } from './layout.ts';

const ATTEMPTS = 4;

/** Copies the newest frame into `into` (ring.frameBytes long); its capture time (epoch ms), or null when there is none. */
export function copyLatestFrame(ring: FrameRing, into: Uint8Array): number | null {
  if (into.length !== ring.frameBytes) throw new RangeError(`Expected ${ring.frameBytes} bytes for into but received ${into.length}`);
  if (Atomics.load(ring.ctrl, Ctrl.Published) === 0) return null;
  const { state } = ring;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let slot = -1;
    let seq = 0;
    for (let i = 0; i < state.length; i++) {
      if (Atomics.load(state, i) === SlotState.Writing) continue;
      const s = ring.metaOf(i, Meta.Seq);
      if (s > seq) [slot, seq] = [i, s];
    }
    if (slot < 0) return null;
    const captureMs = ring.metaOf(slot, Meta.CaptureMs);
    into.set(ring.slots[slot] as Uint8Array);
    if (Atomics.load(state, slot) !== SlotState.Writing && ring.metaOf(slot, Meta.Seq) === seq) return captureMs;
  }
  return null;
}
