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
 * Start-up is not capacity: every camera's first crops (its first full-frame pass, the motion of a
 * background still forming) come within seconds of each other while the pool's threads compile their
 * hot code and the cameras' ffmpegs start. At 60 cameras that read as 139 crops dropped in a second,
 * and the cuts it caused outlasted the burst by 15 s. So nothing is overload until `warmUpMs` after the
 * last camera of the start sent its first crop (a camera starting within the warm-up extends it;
 * cameras added later get none) and the pool has caught up with the start's backlog once (no drops,
 * queue wait under half the limit), or at the latest 2 x `warmUpMs` later: a site overloaded for good
 * never catches up. A queue wait over the limit is overload at twice the limit or for two ticks in a
 * row (at 70 cameras, single seconds at 210 ms cut 9 cameras' rates while the latency budget held).
 * A busy pool alone is overload only for `busyTicks` ticks in a row: a
 * second at 100% with short queues is a burst served in time.
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
  /** Nothing is overload until this long after the start's last camera sent its first crop. */
  warmUpMs: number;
  /** Ticks in a row above `highUtilization` before a busy pool alone is overload. */
  busyTicks: number;
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
  busyTicks: 3,
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
  /** The start is over: the warm-up ended and the pool caught up once (or the cap passed). */
  private startedUp = false;
  /** Cameras that sent a crop. */
  private readonly started = new Set<string>();
  /** Ticks in a row with the pool above highUtilization. */
  private busyRun = 0;
  /** Ticks in a row with the queue wait above maxQueueWaitMs. */
  private slowRun = 0;
  private overloadReason: string | null = null;

  constructor(options: Partial<OverloadOptions> = {}, clock: () => number = () => performance.now()) {
    this.options = { ...DEFAULT_OVERLOAD, ...options };
    const o = this.options;
    if (!(o.floor > 0 && o.floor <= 1 && o.decrease > 0 && o.decrease < 1 && o.increaseStep > 0 && o.warmUpMs >= 0 && o.busyTicks >= 1)) {
      throw new RangeError(
        'Expected floor in (0, 1], decrease in (0, 1), increaseStep > 0, warmUpMs >= 0 and busyTicks >= 1 for the overload governor',
      );
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
    this.started.delete(camera);
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
    for (const [camera, n] of sample.offered) {
      if (!this.multipliers.has(camera)) this.multipliers.set(camera, 1);
      if (n > 0 && !this.started.has(camera)) {
        this.started.add(camera);
        if (!this.startedUp) this.warmUntilMs = Math.max(this.warmUntilMs ?? 0, now + this.options.warmUpMs);
      }
    }
    this.busyRun = sample.utilization > this.options.highUtilization ? this.busyRun + 1 : 0;
    this.slowRun = sample.queueWaitMs > this.options.maxQueueWaitMs ? this.slowRun + 1 : 0;
    this.overloadReason = this.starting(sample, now) ? null : this.overloaded(sample);
    if (this.overloadReason !== null) this.lower(sample, seconds);
    else if (this.calm(sample)) this.restore();
    return this.multipliers;
  }

  /** Whether the start is still going on (see the class comment); false for good once it is over. */
  private starting(s: LoadSample, now: number): boolean {
    if (this.startedUp) return false;
    if (this.warmUntilMs === null || now < this.warmUntilMs) return true;
    const caughtUp = s.dropped === 0 && s.queueWaitMs <= this.options.maxQueueWaitMs / 2;
    this.startedUp = caughtUp || now >= this.warmUntilMs + 2 * this.options.warmUpMs;
    return !this.startedUp;
  }

  private overloaded(s: LoadSample): string | null {
    const o = this.options;
    const reasons: string[] = [];
    if (s.dropped > 0) reasons.push(`${s.dropped} crops dropped for capacity`);
    if (this.slowRun >= 2 || s.queueWaitMs > 2 * o.maxQueueWaitMs)
      reasons.push(`queue wait ${s.queueWaitMs.toFixed(0)} ms > ${o.maxQueueWaitMs} ms`);
    if (this.busyRun >= o.busyTicks) {
      const ticks = o.busyTicks > 1 ? ` for ${this.busyRun} s` : '';
      reasons.push(`pool ${(s.utilization * 100).toFixed(0)}% busy > ${(o.highUtilization * 100).toFixed(0)}%${ticks}`);
    }
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
