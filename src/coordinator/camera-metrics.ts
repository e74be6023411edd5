/**
 * Per-camera metrics as the coordinator sees them: counters from ingest (the ring's frame count), the ring
 * (drops by reason) and the channel worker's shared stats block, plus rates over the last window.
 * Nothing here costs anything per frame: it samples counters when asked.
 *
 * Counters are totals for the life of the process under the camera's id: a restart replaces the
 * actor (its reader, ring and reconnect count), so what the earlier actors counted is carried in
 * ActorTotals and added here; the stats block itself is kept across restarts by the gateway.
 */
import { Counter, STAGE_NAMES, type ChannelStats } from '../channel/stats.ts';
import { quantileMs } from '../stats/latency-histogram.ts';
import { Ctrl } from '../ring/layout.ts';
import type { CameraActor } from './camera.ts';
import type { CameraState } from './camera-state.ts';

export interface StageLatency {
  p50Ms: number;
  p99Ms: number;
  count: number;
}

export interface CameraMetrics {
  camera: string;
  state: CameraState;
  /** Frames per second arriving from ffmpeg over the last window. */
  inputFps: number;
  /** Frames per second analysed by the channel worker over the last window. */
  analysedFps: number;
  framesIn: number;
  framesAnalysed: number;
  drops: { ring_full: number; incomplete: number };
  ringOccupancy: number;
  motionRatio: number;
  candidates: number;
  lightingChanges: number;
  /** Motion clusters beyond regions.maxRegions, not sent. */
  regionsSkipped: number;
  fullFramePasses: number;
  /** Frames with motion kept from the detector because it lay within tracked objects. */
  trackedSkips: number;
  /** Frames with motion kept from the detector because it lay within quiet areas (nothing found there an interval ago). */
  quietSkips: number;
  /** Motion backgrounds started again after a reconnect. */
  backgroundResets: number;
  errors: number;
  reconnects: number;
  latency: Record<(typeof STAGE_NAMES)[number], StageLatency>;
}

/** The actor's own counters; a new actor (restart, ingest change) starts them from zero. */
export interface ActorTotals {
  framesIn: number;
  drops: { ring_full: number; incomplete: number };
  reconnects: number;
  /** Transitions into each state. */
  transitionsInto: Map<CameraState, number>;
}

export function emptyActorTotals(): ActorTotals {
  return { framesIn: 0, drops: { ring_full: 0, incomplete: 0 }, reconnects: 0, transitionsInto: new Map() };
}

/** `carried` (earlier actors of the camera) plus what `actor` has counted. */
export function actorTotals(actor: CameraActor, carried: ActorTotals): ActorTotals {
  const ring = actor.ring;
  const transitionsInto = new Map(carried.transitionsInto);
  for (const [state, n] of actor.transitionsInto) transitionsInto.set(state, (transitionsInto.get(state) ?? 0) + n);
  return {
    framesIn: carried.framesIn + actor.frames,
    drops: {
      ring_full: carried.drops.ring_full + ring.counter(Ctrl.DroppedFull),
      incomplete: carried.drops.incomplete + ring.counter(Ctrl.DroppedIncomplete),
    },
    reconnects: carried.reconnects + actor.reconnects,
    transitionsInto,
  };
}

/** Keeps the previous sample of each counter to turn totals into rates. */
export class RateWindow {
  private lastMs = 0;
  private lastIn = 0;
  private lastAnalysed = 0;
  inputFps = 0;
  analysedFps = 0;

  sample(nowMs: number, framesIn: number, analysed: number): void {
    if (this.lastMs > 0 && nowMs > this.lastMs) {
      const seconds = (nowMs - this.lastMs) / 1000;
      this.inputFps = (framesIn - this.lastIn) / seconds;
      this.analysedFps = (analysed - this.lastAnalysed) / seconds;
    }
    this.lastMs = nowMs;
    this.lastIn = framesIn;
    this.lastAnalysed = analysed;
  }
}

export function cameraMetrics(actor: CameraActor, stats: ChannelStats, rates: RateWindow, carried: ActorTotals): CameraMetrics {
  const totals = actorTotals(actor, carried);
  const latency = Object.fromEntries(
    STAGE_NAMES.map((name, stage) => {
      const h = stats.histogram(stage);
      return [name, { p50Ms: quantileMs(h, 0.5), p99Ms: quantileMs(h, 0.99), count: h.count }];
    }),
  ) as CameraMetrics['latency'];
  return {
    camera: actor.spec.id,
    state: actor.state,
    inputFps: rates.inputFps,
    analysedFps: rates.analysedFps,
    framesIn: totals.framesIn,
    framesAnalysed: stats.get(Counter.Analysed),
    drops: totals.drops,
    ringOccupancy: actor.ring.occupancy(),
    motionRatio: stats.get(Counter.LastMotionRatio),
    candidates: stats.get(Counter.Candidates),
    lightingChanges: stats.get(Counter.LightingChanges),
    regionsSkipped: stats.get(Counter.RegionsSkipped),
    fullFramePasses: stats.get(Counter.FullFramePasses),
    trackedSkips: stats.get(Counter.TrackedSkips),
    quietSkips: stats.get(Counter.QuietSkips),
    backgroundResets: stats.get(Counter.BackgroundResets),
    errors: stats.get(Counter.Errors),
    reconnects: totals.reconnects,
    latency,
  };
}
