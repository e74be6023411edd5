/**
 * Per-camera analysis statistics in a SharedArrayBuffer: the channel worker writes (one writer), the
 * coordinator reads for metrics without any message. Latencies go into fixed-bucket histograms.
 */
import { LATENCY_BUCKETS_MS, type HistogramSnapshot } from '../stats/latency-histogram.ts';

export const Counter = {
  /** Frames analysed. */
  Analysed: 0,
  /** Frames whose motion produced at least one box. */
  MotionFrames: 1,
  /** Candidate regions produced. */
  Candidates: 2,
  /**
   * Frames where most of the image changed at once (lighting switched, camera moved): not sent on, and
   * the motion background re-baselined on them.
   */
  LightingChanges: 3,
  /** Changed-pixel ratio of the last analysed frame. */
  LastMotionRatio: 4,
  /** Frames the pipeline failed on (bad size, kernel error), counted and skipped. */
  Errors: 5,
  /** Candidate frames the camera's sampling strategy kept from inference. */
  SampledOut: 6,
  /** Candidate frames skipped because the overload governor lowered the camera's rate. */
  Throttled: 7,
  /** Motion clusters beyond regions.maxRegions, not sent. */
  RegionsSkipped: 8,
  /** Full-frame passes sent (regions.fullFrameIntervalMs). */
  FullFramePasses: 9,
  /** Motion backgrounds started again because the camera reconnected. */
  BackgroundResets: 10,
  /** Frames with motion kept from the detector because it all lay within tracked objects (regions.trackedIntervalMs). */
  TrackedSkips: 11,
  /** Frames with motion kept from the detector because it lay within quiet areas (found empty an interval ago). */
  QuietSkips: 12,
} as const;
const COUNTERS = 13;

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
