/**
 * The overload governor: when the inference pool cannot keep up, lower the cameras' analysis rates
 * fairly instead of letting queues and latency grow, and say so (`atCapacity` and a reason, for the
 * metric, the log and the health state).
 *
 * Fed one LoadSample an interval (the gateway's stats tick). Overloaded = crops dropped for capacity, a
 * queue wait above `maxQueueWaitMs`, or the pool busier than `highUtilization`. Then the measured
 * throughput (x `headroom`) is shared max-min fairly over the cameras' natural demand (candidates/s
 * they would send at full rate): cameras under the fair level keep their rate; cameras above it are cut
 * to the fair level and at least by `decrease`, never below `floor`. A camera in constant motion is the
 * one above the level, so it pays first. When calm again (no drops, short waits, utilisation below
 * `lowUtilization`) every multiplier climbs back by `increaseStep` a tick (additive increase after a
 * multiplicative decrease: restored gradually, without oscillating). The multipliers go to each camera's
 * CropSlab (`rateMultiplier`), where the channel worker's CandidateSampler applies them.
 *
 * For `warmUpMs` after the first offered crop only drops count: the first crops' queue waits and run
 * times measure start-up (threads compiling their hot code, the coordinator still starting its
 * outputs), not capacity, and read as "at capacity" within the first second of every run.
 */

export interface OverloadOptions {
  /** Lowest analysis-rate multiplier a camera is given (0..1]. */
  floor: number;
  maxQueueWaitMs: number;
  highUtilization: number;
  lowUtilization: number;
  /** Multiplicative cut a tick for cameras above the fair level (0..1). */
  decrease: number;
  /** Additive restore a calm tick. */
  increaseStep: number;
  /** Share of measured throughput the fair allocation hands out, leaving room for queues to drain. */
  headroom: number;
  /** After the first offered crop, queue wait and utilisation are ignored this long (drops still count). */
  warmUpMs: number;
}

export const DEFAULT_OVERLOAD: OverloadOptions = {
  floor: 0.1,
  maxQueueWaitMs: 200,
  highUtilization: 0.95,
  lowUtilization: 0.75,
  decrease: 0.7,
  increaseStep: 0.1,
  headroom: 0.9,
  warmUpMs: 5000,
};

export interface LoadSample {
  /** Candidates each camera sent during the interval (at its current multiplier), counting the dropped. */
  offered: ReadonlyMap<string, number>;
  /** Crops inferred during the interval, all cameras. */
  served: number;
  /** Crops dropped for lack of capacity during the interval (queue_full, in_flight_full). */
  dropped: number;
  /** A high quantile (p90) of crop queue wait during the interval. */
  queueWaitMs: number;
  /** Share of the pool's worker time busy during the interval (0..1). */
  utilization: number;
}

export class OverloadGovernor {
  private readonly options: OverloadOptions;
  private readonly clock: () => number;
  private readonly multipliers = new Map<string, number>();
  private lastMs: number;
  /** When the warm-up ends: null until the first offered crop. */
  private warmUntilMs: number | null = null;
  private overloadReason: string | null = null;

  constructor(options: Partial<OverloadOptions> = {}, clock: () => number = () => performance.now()) {
    this.options = { ...DEFAULT_OVERLOAD, ...options };
    const o = this.options;
    if (!(o.floor > 0 && o.floor <= 1 && o.decrease > 0 && o.decrease < 1 && o.increaseStep > 0 && o.warmUpMs >= 0)) {
      throw new RangeError('Expected floor in (0, 1], decrease in (0, 1), increaseStep > 0 and warmUpMs >= 0 for the overload governor');
    }
    this.clock = clock;
    this.lastMs = clock();
  }

  /** The analysis-rate multiplier for a camera (1 = every candidate frame). */
  multiplier(camera: string): number {
    return this.multipliers.get(camera) ?? 1;
  }

  removeCamera(camera: string): void {
    this.multipliers.delete(camera);
  }

  /** True while overloaded or while any camera still runs below its full rate. */
  get atCapacity(): boolean {
    return this.overloadReason !== null || [...this.multipliers.values()].some((m) => m < 1);
  }

  /** Why the gateway is at capacity, or null. */
  get reason(): string | null {
    if (this.overloadReason !== null) return this.overloadReason;
    const lowered = [...this.multipliers.values()].filter((m) => m < 1).length;
    return lowered > 0 ? `recovering: analysis rate still lowered on ${lowered} camera(s)` : null;
  }

  /** Takes one interval's measurements and updates the multipliers; returns them (every camera seen). */
  observe(sample: LoadSample): ReadonlyMap<string, number> {
    const now = this.clock();
    const seconds = Math.max(1e-3, (now - this.lastMs) / 1000);
    this.lastMs = now;
    for (const camera of sample.offered.keys()) if (!this.multipliers.has(camera)) this.multipliers.set(camera, 1);
    if (this.warmUntilMs === null && [...sample.offered.values()].some((n) => n > 0)) this.warmUntilMs = now + this.options.warmUpMs;
    this.overloadReason = this.overloaded(sample, this.warmUntilMs === null || now < this.warmUntilMs);
    if (this.overloadReason !== null) this.lower(sample, seconds);
    else if (this.calm(sample)) this.restore();
    return this.multipliers;
  }

  private overloaded(s: LoadSample, warming: boolean): string | null {
    const o = this.options;
    const reasons: string[] = [];
    if (s.dropped > 0) reasons.push(`${s.dropped} crops dropped for capacity`);
    if (warming) return reasons.length > 0 ? `inference at capacity: ${reasons.join(', ')}` : null;
    if (s.queueWaitMs > o.maxQueueWaitMs) reasons.push(`queue wait ${s.queueWaitMs.toFixed(0)} ms > ${o.maxQueueWaitMs} ms`);
    if (s.utilization > o.highUtilization)
      reasons.push(`pool ${(s.utilization * 100).toFixed(0)}% busy > ${(o.highUtilization * 100).toFixed(0)}%`);
    return reasons.length > 0 ? `inference at capacity: ${reasons.join(', ')}` : null;
  }

  private calm(s: LoadSample): boolean {
    return s.dropped === 0 && s.queueWaitMs <= this.options.maxQueueWaitMs / 2 && s.utilization < this.options.lowUtilization;
  }

  private lower(s: LoadSample, seconds: number): void {
    const o = this.options;
    // Natural demand: what each camera would send at full rate.
    const demand = new Map<string, number>();
    for (const [camera, offered] of s.offered) {
      if (offered > 0) demand.set(camera, offered / seconds / this.multiplier(camera));
    }
    if (demand.size === 0) return;
    const level = fairLevel([...demand.values()], (s.served / seconds) * o.headroom);
    let above = [...demand].filter(([, d]) => d > level);
    // Throughput alone does not explain the overload (a burst): the heavier half pays.
    if (above.length === 0) {
      const mean = [...demand.values()].reduce((a, b) => a + b, 0) / demand.size;
      above = [...demand].filter(([, d]) => d >= mean);
    }
    for (const [camera, d] of above) {
      const cut = Math.min(this.multiplier(camera) * o.decrease, level / d);
      this.multipliers.set(camera, Math.max(o.floor, cut));
    }
  }

  private restore(): void {
    for (const [camera, m] of this.multipliers) this.multipliers.set(camera, Math.min(1, m + this.options.increaseStep));
  }
}

/**
 * Max-min fair share (water filling): the level L with sum(min(d, L)) = budget, or Infinity when the
 * budget covers every demand.
 */
export function fairLevel(demands: readonly number[], budget: number): number {
  const sorted = [...demands].sort((a, b) => a - b);
  let remaining = budget;
  for (let i = 0; i < sorted.length; i++) {
    const d = sorted[i] as number;
    const share = remaining / (sorted.length - i);
    if (d > share) return share;
    remaining -= d;
  }
  return Infinity;
}
