/**
 * Spare whole-frame buffers for best shots (full-frame.ts), one pool for the site instead of a free
 * list a camera. Free lists a camera filled peak after peak up to their bound (4 frames a camera, 92 MB
 * at 100 cameras of 640x360) and stayed there: the soak hour read that as the main thread's external
 * memory growing 14 MB an hour. The pool keeps what recent demand used: every `decayMs` it frees the
 * buffers of a size that sat unused the whole time (the low-water mark of that size's free list), and
 * it never keeps more than `maxBytes`. Busy cameras recycle buffers within a frame or two, so their
 * buffers stay; a burst's leftovers go within two periods.
 */
export interface FramePoolOptions {
  /** Most bytes of free buffers kept. */
  maxBytes: number;
  /** How long a free buffer may sit unused before it is let go, ms. */
  decayMs: number;
  /** Clock, ms (tests). */
  now: () => number;
}

export interface FramePoolStats {
  /** Buffers handed out: new ones, and recycled ones. */
  allocated: number;
  reused: number;
  /** Free buffers let go: unused for a period, or over maxBytes. */
  decayed: number;
  overflowed: number;
}

/** A size's free buffers and the fewest it had since the last decay. */
interface FreeList {
  buffers: Uint8Array[];
  lowWater: number;
}

export class FramePool {
  readonly stats: FramePoolStats = { allocated: 0, reused: 0, decayed: 0, overflowed: 0 };
  readonly #options: FramePoolOptions;
  readonly #free = new Map<number, FreeList>();
  #freeBytes = 0;
  #decayAtMs: number;

  constructor(options: Partial<FramePoolOptions> = {}) {
    this.#options = { maxBytes: 64 * 1024 * 1024, decayMs: 10_000, now: () => performance.now(), ...options };
    this.#decayAtMs = this.#options.now() + this.#options.decayMs;
  }

  /** A buffer of `bytes` (its contents are whatever it last held): a free one when there is. */
  take(bytes: number): Uint8Array {
    this.decayWhenDue();
    const list = this.#free.get(bytes);
    const recycled = list?.buffers.pop();
    if (list === undefined || recycled === undefined) {
      this.stats.allocated++;
      return new Uint8Array(bytes);
    }
    list.lowWater = Math.min(list.lowWater, list.buffers.length);
    this.#freeBytes -= bytes;
    this.stats.reused++;
    return recycled;
  }

  /** A buffer nobody reads any more. */
  give(data: Uint8Array): void {
    this.decayWhenDue();
    if (this.#freeBytes + data.length > this.#options.maxBytes) {
      this.stats.overflowed++;
      return;
    }
    let list = this.#free.get(data.length);
    if (list === undefined) {
      // A new size starts with no history: whatever it keeps unused until the next decay goes then.
      list = { buffers: [], lowWater: 0 };
      this.#free.set(data.length, list);
    }
    list.buffers.push(data);
    this.#freeBytes += data.length;
  }

  /** Free buffers now, and their bytes. */
  get free(): number {
    let n = 0;
    for (const list of this.#free.values()) n += list.buffers.length;
    return n;
  }

  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** Lets go of the buffers unused for a period, when one has passed (take and give call it; an idle site's timer too). */
  decayWhenDue(): void {
    const now = this.#options.now();
    if (now < this.#decayAtMs) return;
    this.#decayAtMs = now + this.#options.decayMs;
    for (const [bytes, list] of this.#free) {
      // Buffers below the low-water mark were never taken this period: nothing needed them.
      const unused = list.lowWater;
      list.buffers.length -= unused;
      this.#freeBytes -= unused * bytes;
      this.stats.decayed += unused;
      list.lowWater = list.buffers.length;
      if (list.buffers.length === 0) this.#free.delete(bytes);
    }
  }
}
