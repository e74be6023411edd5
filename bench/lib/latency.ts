/**
 * Latency from the channel stats histograms (src/channel/stats.ts) over a measurement window: the
 * histograms are cumulative, so a window is the difference of two snapshots, merged over cameras.
 * Quantiles are interpolated inside fixed buckets (..., 20, 50, 100 ms), so a p99 of 34 ms means "in
 * (20, 50]"; the share above a bucket edge, though, is exact.
 */
import { LATENCY_BUCKETS_MS, quantileMs, type HistogramSnapshot } from '../../src/stats/latency-histogram.ts';

export function emptyHistogram(): HistogramSnapshot {
  return { buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sum: 0, count: 0 };
}

/** later - earlier, bucket by bucket. */
export function histogramDelta(later: HistogramSnapshot, earlier: HistogramSnapshot): HistogramSnapshot {
  return {
    buckets: later.buckets.map((v, i) => v - (earlier.buckets[i] ?? 0)),
    sum: later.sum - earlier.sum,
    count: later.count - earlier.count,
  };
}

/** Adds `h` into `into` (mutates and returns `into`). */
export function addHistogram(into: HistogramSnapshot, h: HistogramSnapshot): HistogramSnapshot {
  for (let i = 0; i < into.buckets.length; i++) into.buckets[i] = (into.buckets[i] as number) + (h.buckets[i] ?? 0);
  into.sum += h.sum;
  into.count += h.count;
  return into;
}

/** Share (0..1) of observations above `edgeMs`, which must be a bucket edge: exact, not interpolated. */
export function shareAbove(h: HistogramSnapshot, edgeMs: number): number {
  const edge = LATENCY_BUCKETS_MS.indexOf(edgeMs as (typeof LATENCY_BUCKETS_MS)[number]);
  if (edge < 0) throw new RangeError(`Expected a bucket edge (${LATENCY_BUCKETS_MS.join(', ')}) for edgeMs but received ${edgeMs}`);
  if (h.count === 0) return 0;
  let above = 0;
  for (let b = edge + 1; b < h.buckets.length; b++) above += h.buckets[b] as number;
  return above / h.count;
}

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  count: number;
  /** Share of frames above 50 ms (exact from the bucket edge). */
  over50: number;
}

export function summariseLatency(h: HistogramSnapshot): LatencySummary {
  return {
    p50Ms: quantileMs(h, 0.5),
    p99Ms: quantileMs(h, 0.99),
    meanMs: h.count ? h.sum / h.count : 0,
    count: h.count,
    over50: shareAbove(h, 50),
  };
}
