/**
 * Per-camera analysis statistics in a SharedArrayBuffer: the channel worker writes (one writer), the
 * coordinator reads for metrics without any message. Latencies go into fixed-bucket histograms.
 */
export const LATENCY_BUCKETS_MS = [0.5, 1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500] as const;

export const Counter = {
  /** Frames analysed. */
  Analysed: 0,
  /** Frames whose motion produced at least one box. */
  MotionFrames: 1,
  /** Candidate regions produced. */
  Candidates: 2,
  /** Frames where most of the image changed at once (lighting), not sent on. */
  LightingChanges: 3,
  /** Changed-pixel ratio of the last analysed frame. */
  LastMotionRatio: 4,
  /** Frames the pipeline failed on (bad size, kernel error), counted and skipped. */
  Errors: 5,
  /** Candidate frames the camera's sampling strategy kept from inference. */
  SampledOut: 6,
  /** Candidate frames skipped because the overload governor lowered the camera's rate. */
  Throttled: 7,
} as const;
const COUNTERS = 8;

export const Stage = {
  CaptureToRing: 0,
  RingToMotion: 1,
  MotionToCandidates: 2,
  /** Capture to the motion result: the end-to-end number the density targets use. */
  CaptureToMotion: 3,
} as const;
export const STAGE_NAMES = ['capture_to_ring', 'ring_to_motion', 'motion_to_candidates', 'capture_to_motion'] as const;
const STAGES = STAGE_NAMES.length;
const HIST = LATENCY_BUCKETS_MS.length + 3; // buckets, +Inf, sum, count

export interface HistogramSnapshot {
  /** Per-bucket (not cumulative) counts, the last one being +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

export class ChannelStats {
  readonly buffer: SharedArrayBuffer;
  private readonly values: Float64Array;

  constructor(buffer = new SharedArrayBuffer((COUNTERS + STAGES * HIST) * 8)) {
    this.buffer = buffer;
    this.values = new Float64Array(buffer);
  }

  add(counter: number, n = 1): void {
    this.values[counter] = (this.values[counter] as number) + n;
  }

  set(counter: number, value: number): void {
    this.values[counter] = value;
  }

  get(counter: number): number {
    return this.values[counter] as number;
  }

  observe(stage: number, ms: number): void {
    const base = COUNTERS + stage * HIST;
    let b = 0;
    while (b < LATENCY_BUCKETS_MS.length && ms > (LATENCY_BUCKETS_MS[b] as number)) b++;
    const v = this.values;
    v[base + b] = (v[base + b] as number) + 1;
    v[base + HIST - 2] = (v[base + HIST - 2] as number) + ms;
    v[base + HIST - 1] = (v[base + HIST - 1] as number) + 1;
  }

  histogram(stage: number): HistogramSnapshot {
    const base = COUNTERS + stage * HIST;
    const slice = Array.from(this.values.subarray(base, base + HIST));
    return { buckets: slice.slice(0, HIST - 2), sum: slice[HIST - 2] as number, count: slice[HIST - 1] as number };
  }
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
