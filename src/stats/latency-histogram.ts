/**
 * Fixed-bucket latency histograms in milliseconds: the channel worker's shared-memory stage timings, the
 * inference pool's queue and run times, the Prometheus export and the bench all use these buckets, so a
 * snapshot from any of them reads the same way.
 */
export const LATENCY_BUCKETS_MS = [0.5, 1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500] as const;

export interface HistogramSnapshot {
  /** Per-bucket (not cumulative) counts, the last one being +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/** The q-quantile (0..1) of a histogram, interpolated inside its bucket (as Prometheus does). */
export function quantileMs(h: HistogramSnapshot, q: number): number {
  if (h.count === 0) return 0;
  const rank = q * h.count;
  let seen = 0;
  for (let b = 0; b < h.buckets.length; b++) {
    const inBucket = h.buckets[b] as number;
    if (seen + inBucket >= rank && inBucket > 0) {
      const lo = b === 0 ? 0 : (LATENCY_BUCKETS_MS[b - 1] as number);
      const hi = LATENCY_BUCKETS_MS[b] ?? (LATENCY_BUCKETS_MS.at(-1) as number);
      return lo + ((hi - lo) * (rank - seen)) / inBucket;
    }
    seen += inBucket;
  }
  return LATENCY_BUCKETS_MS.at(-1) as number;
}
