/**
 * Freed heap memory back to the kernel. glibc's free() gives memory back only from the top of an arena
 * (and whole chunks above the mmap threshold, a threshold that rises past every large buffer freed), so
 * the holes that frame-sized buffers leave in the main heap stay resident: RSS steps up at each peak of
 * buffers alive and never comes down (README, "soak"). malloc_trim(0) returns every free page.
 */
import { addon } from './load.ts';

/** released: some pages went back; none: nothing to give; unsupported: no malloc_trim (not glibc). */
export type HeapTrimResult = 'released' | 'none' | 'unsupported';

export function trimHeap(): HeapTrimResult {
  const r = addon().trimHeap();
  return r > 0 ? 'released' : r === 0 ? 'none' : 'unsupported';
}
