/**
 * The inference pool's measurements, kept on the coordinator thread (results come back there): task
 * and crop counters by outcome, and latency histograms on the same buckets as the channel stats so
 * one exporter handles both.
 */
import { LATENCY_BUCKETS_MS, type HistogramSnapshot } from '../stats/latency-histogram.ts';

export class LatencyHistogram {
  private readonly counts = new Float64Array(LATENCY_BUCKETS_MS.length + 1);
  private sum = 0;
  private count = 0;

  observe(ms: number): void {
    let b = 0;
    while (b < LATENCY_BUCKETS_MS.length && ms > (LATENCY_BUCKETS_MS[b] as number)) b++;
    this.counts[b] = (this.counts[b] as number) + 1;
    this.sum += ms;
    this.count++;
  }

  snapshot(): HistogramSnapshot {
    return { buckets: Array.from(this.counts), sum: this.sum, count: this.count };
  }
}

export interface PoolCounters {
  /** Tasks sent to the workers. */
  tasks: number;
  /** Tasks that failed (the backend threw, or its worker died): their crops got fallback detections. */
  failedTasks: number;
  /** Pool workers that exited while the pool was open (piscina replaces them). */
  workerExits: number;
  /** Crops inferred by the configured backend. */
  crops: number;
  /** Crops answered by the motion fallback (backend failure or open circuit). */
  fallbackCrops: number;
  /** Batches answered by the fallback because the circuit was open (no task sent). */
  shortCircuited: number;
  /** Head regions the face cascade searched, the faces it attached, and the time it took (ms, summed). */
  faceSearches: number;
  facesFound: number;
  faceMs: number;
}

export class PoolMeasurements {
  readonly counters: PoolCounters = {
    tasks: 0,
    failedTasks: 0,
    workerExits: 0,
    crops: 0,
    fallbackCrops: 0,
    shortCircuited: 0,
    faceSearches: 0,
    facesFound: 0,
    faceMs: 0,
  };
  /** Crop commit (channel worker) to the start of its detect call in a pool worker. */
  readonly queueWait = new LatencyHistogram();
  /** The detect call of a batch, in the worker. */
  readonly run = new LatencyHistogram();
  /** Frame capture to detections back on the coordinator, a crop. */
  readonly captureToResult = new LatencyHistogram();
}
