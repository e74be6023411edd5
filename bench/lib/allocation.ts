/**
 * Bytes one thread allocates over a stretch of code, without starting node with --expose-gc: force a
 * full GC, read V8's used heap and this thread's ArrayBuffer allocator total, run, read both again.
 * With no GC in between, the growth is what was allocated; a GC inside would hide garbage, so a window
 * also says how many GCs ran in it (v8.GCProfiler) and callers keep only windows with none.
 * V8 sweeps after a full GC on background threads and frees ArrayBuffer backing stores there, so the
 * counters keep falling for a while after gc() returns: `begin` waits until they hold still.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface AllocationCounts {
  /** Growth of v8 used_heap_size: JS objects. */
  heap: number;
  /** Growth of process.memoryUsage().arrayBuffers: backing stores, outside the V8 heap. */
  arrayBuffers: number;
  /** GCs that ran inside the window on this thread: above 0, the growth understates the allocation. */
  gcs: number;
}

let gc: (() => void) | undefined;
const SETTLE_MS = 5;
const SETTLE_TRIES = 40;
/** Heap movement between two idle reads that is only the reads themselves and the timer. */
const SETTLED_HEAP_BYTES = 2048;

/** A full GC; `--expose-gc` set at run time applies to contexts created after it, so make one. */
export function forceGc(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

export class AllocationWindow {
  private readonly profiler = new v8.GCProfiler();
  private heap = 0;
  private arrayBuffers = 0;

  /** Resolves once a full GC has run and its background sweeping no longer moves the counters. */
  async begin(): Promise<void> {
    forceGc();
    let last = process.memoryUsage();
    for (let i = 0; i < SETTLE_TRIES; i++) {
      await sleep(SETTLE_MS);
      const now = process.memoryUsage();
      const still = now.arrayBuffers === last.arrayBuffers && Math.abs(now.heapUsed - last.heapUsed) < SETTLED_HEAP_BYTES;
      last = now;
      if (still) break;
    }
    this.profiler.start();
    const m = process.memoryUsage();
    this.heap = m.heapUsed;
    this.arrayBuffers = m.arrayBuffers;
  }

  end(): AllocationCounts {
    const m = process.memoryUsage();
    const gcs = this.profiler.stop().statistics.length;
    return { heap: m.heapUsed - this.heap, arrayBuffers: m.arrayBuffers - this.arrayBuffers, gcs };
  }
}
