/**
 * Turns the inference path's cumulative counters (scheduler, pool, crop slabs) into the per-interval
 * LoadSample the overload governor takes, and hands the governor's multipliers back to the slabs, where
 * the channel workers read them. The gateway calls `tick` from its stats timer.
 */
import { quantileMs, type HistogramSnapshot } from '../stats/latency-histogram.ts';
import { SlabCtrl, type CropSlab } from './crop-slab.ts';
import type { LoadSample, OverloadGovernor } from './overload.ts';
import type { InferencePoolStats } from './pool.ts';
import type { CameraQueueCounters } from './scheduler.ts';

/** What the meter reads; InferencePool and InferenceScheduler provide these. */
export interface MeteredPool {
  readonly threads: number;
  stats(): Pick<InferencePoolStats, 'counters' | 'queueWaitMs' | 'runMs'>;
}

export interface MeteredScheduler {
  counters(camera: string): CameraQueueCounters | undefined;
}

interface Previous {
  atMs: number;
  served: number;
  busyMs: number;
  queueWait: HistogramSnapshot;
  offered: Map<string, number>;
  dropped: Map<string, number>;
}

const offeredOf = (c: CameraQueueCounters | undefined, slab: CropSlab): number =>
  (c?.submitted ?? 0) + slab.counter(SlabCtrl.DroppedInFlight);

const droppedOf = (slab: CropSlab): number => slab.counter(SlabCtrl.DroppedQueueFull) + slab.counter(SlabCtrl.DroppedInFlight);

export class LoadMeter {
  private readonly pool: MeteredPool;
  private readonly scheduler: MeteredScheduler;
  private readonly clock: () => number;
  private previous: Previous;

  constructor(pool: MeteredPool, scheduler: MeteredScheduler, clock: () => number = () => performance.now()) {
    this.pool = pool;
    this.scheduler = scheduler;
    this.clock = clock;
    const s = pool.stats();
    this.previous = {
      atMs: clock(),
      served: s.counters.crops + s.counters.fallbackCrops,
      busyMs: s.runMs.sum,
      queueWait: s.queueWaitMs,
      offered: new Map(),
      dropped: new Map(),
    };
  }

  /** The interval since the previous sample (a camera seen for the first time counts from zero). */
  sample(slabs: ReadonlyMap<string, CropSlab>): LoadSample {
    const p = this.previous;
    const s = this.pool.stats();
    const atMs = this.clock();
    const served = s.counters.crops + s.counters.fallbackCrops;
    const offered = new Map<string, number>();
    const offeredNow = new Map<string, number>();
    const droppedNow = new Map<string, number>();
    let dropped = 0;
    for (const [id, slab] of slabs) {
      const o = offeredOf(this.scheduler.counters(id), slab);
      const d = droppedOf(slab);
      offeredNow.set(id, o);
      droppedNow.set(id, d);
      offered.set(id, o - (p.offered.get(id) ?? 0));
      dropped += d - (p.dropped.get(id) ?? 0);
    }
    const waits: HistogramSnapshot = {
      buckets: s.queueWaitMs.buckets.map((v, i) => v - (p.queueWait.buckets[i] ?? 0)),
      sum: s.queueWaitMs.sum - p.queueWait.sum,
      count: s.queueWaitMs.count - p.queueWait.count,
    };
    const elapsed = Math.max(1e-3, atMs - p.atMs);
    this.previous = { atMs, served, busyMs: s.runMs.sum, queueWait: s.queueWaitMs, offered: offeredNow, dropped: droppedNow };
    return {
      offered,
      served: served - p.served,
      dropped,
      queueWaitMs: quantileMs(waits, 0.9),
      utilization: Math.min(1, (s.runMs.sum - p.busyMs) / (elapsed * this.pool.threads)),
    };
  }

  /** Samples, lets the governor decide, and writes each camera's multiplier into its slab. */
  tick(governor: OverloadGovernor, slabs: ReadonlyMap<string, CropSlab>): LoadSample {
    const sample = this.sample(slabs);
    governor.observe(sample);
    for (const [id, slab] of slabs) slab.rateMultiplier = governor.multiplier(id);
    return sample;
  }
}
