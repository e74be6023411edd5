/**
 * Once a minute, the memory the process freed goes back to the kernel (malloc_trim, src/native/heap.ts
 * says why glibc keeps it). Without it RSS ratchets up at every peak of frame copies and pictures alive
 * and stays there: at 100 cameras, 7 minutes in, the main heap held 56 MB free and one trim took RSS
 * from 532 to 469 MB (README, "soak"). A pass walks every arena's free chunks and madvises their pages:
 * 12-14 ms of the main thread at 100 cameras on a loaded 2-core machine, once a minute.
 */
import { trimHeap } from '../native/index.ts';

export const HEAP_TRIM_INTERVAL_MS = 60_000;

export interface HeapTrimStats {
  passes: number;
  /** Passes that gave pages back. */
  released: number;
  /** Time the passes blocked the main thread, ms. */
  busyMs: number;
}

export class HeapTrim {
  readonly stats: HeapTrimStats = { passes: 0, released: 0, busyMs: 0 };
  #timer: NodeJS.Timeout | undefined;

  /** Trims every `intervalMs` until stop(); never where the C library has no malloc_trim. */
  start(intervalMs = HEAP_TRIM_INTERVAL_MS): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.pass(), intervalMs);
    // A trim is housekeeping: it never keeps the process alive.
    this.#timer.unref();
  }

  pass(): void {
    const started = performance.now();
    const result = trimHeap();
    if (result === 'unsupported') return this.stop();
    this.stats.busyMs += performance.now() - started;
    this.stats.passes++;
    if (result === 'released') this.stats.released++;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
