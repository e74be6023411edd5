/**
 * The coordinator's half of the inference path: one crop slab a camera (kept across channel-worker
 * restarts), the fair scheduler, the piscina pool, the overload governor, and each camera's analytics
 * (frame assembly, tracking, best shot) feeding one decision engine. Channel workers send candidate
 * notices; events come out of the engine's publisher.
 *
 * A camera's counters (its slab's, its scheduler queue's, its decisions') are totals for the life of
 * the process under its id: a camera removed to be added again (a restart, an ingest change) leaves
 * them behind for its next add, until `forget` (the camera was deleted).
 */
import type { Logger } from 'pino';
import { TrackedBoxes } from '../channel/tracked-boxes.ts';
import { CameraAnalytics, type CameraAnalyticsOptions, type TrackedDetections } from '../analytics/camera-analytics.ts';
import { bestShotOptionsSchema, type ShotFrame } from '../analytics/best-shot.ts';
import { addCounters, emptyCounters, type DecisionCounters } from '../analytics/decisions/counters.ts';
import { DecisionEngine } from '../analytics/decisions/engine.ts';
import type { TrackListener } from '../analytics/decisions/track-log.ts';
import type { CameraDecisionOptions, GlobalDecisionOptions } from '../analytics/decisions/options.ts';
import type { EventPublisher } from '../analytics/events.ts';
import { FramePool } from '../analytics/frame-pool.ts';
import { SnapshotStore } from '../analytics/snapshot-store.ts';
import { CropSlab, SlabCtrl, type SnapshotGeometry } from '../inference/crop-slab.ts';
import { LoadMeter } from '../inference/load-meter.ts';
import { OverloadGovernor, type OverloadOptions } from '../inference/overload.ts';
import { InferencePool, type InferencePoolOptions } from '../inference/pool.ts';
import { InferenceScheduler, type CandidateNotice, type ScheduledCandidate, type SchedulerOptions } from '../inference/scheduler.ts';

export interface InferenceHubOptions {
  pool: InferencePoolOptions;
  scheduler?: Partial<SchedulerOptions>;
  overload?: Partial<OverloadOptions>;
  /** Crop slots a camera: the bound of its inference queue. */
  queueDepth?: number;
  analytics?: CameraAnalyticsOptions;
  decisions: GlobalDecisionOptions;
  publisher: EventPublisher;
  /** Every analysed frame with detections, after tracking. */
  onTracked?: (frame: TrackedDetections) => void;
  /** Each confirmed track's record when it ends (the site stores them). */
  onTrack?: TrackListener;
  logger: Logger;
}

export interface HubCamera {
  slab: CropSlab;
  /** The camera's confirmed tracks for its channel worker's track gate. */
  tracked: TrackedBoxes;
  analytics: CameraAnalytics;
}

/** A camera's crops on their way to inference: committed by its channel worker, or lost, by reason. */
export interface QueueTotals {
  committed: number;
  dropped: { queue_full: number; in_flight_full: number; rate_limited: number };
}

interface CarriedTotals {
  queue: QueueTotals;
  decisions: DecisionCounters;
}

export class InferenceHub {
  readonly pool: InferencePool;
  readonly scheduler: InferenceScheduler;
  readonly governor: OverloadGovernor;
  readonly engine: DecisionEngine;
  readonly snapshots = new SnapshotStore();
  /** Spare whole-frame buffers of every camera's best shots. */
  readonly framePool = new FramePool();
  private readonly meter: LoadMeter;
  private readonly cameras = new Map<string, HubCamera>();
  private readonly slabs = new Map<string, CropSlab>();
  private readonly carried = new Map<string, CarriedTotals>();
  private readonly options: InferenceHubOptions;
  private wasAtCapacity = false;

  private constructor(pool: InferencePool, options: InferenceHubOptions) {
    this.pool = pool;
    this.options = options;
    const maxBatch = Math.min(options.scheduler?.maxBatch ?? pool.backend.maxBatch, pool.backend.maxBatch);
    const maxInFlight = pool.runsInline ? 1 : pool.threads;
    this.scheduler = new InferenceScheduler({ maxInFlight, ...options.scheduler, maxBatch }, (batch) => this.run(batch));
    this.governor = new OverloadGovernor(options.overload);
    this.meter = new LoadMeter(pool, this.scheduler);
    this.engine = new DecisionEngine({
      publisher: options.publisher,
      global: options.decisions,
      onPublishError: (err, message) => options.logger.warn({ err, event: message.event.id }, 'event publisher failed'),
      ...(options.onTrack === undefined ? {} : { onTrack: options.onTrack }),
    });
  }

  static async start(options: InferenceHubOptions): Promise<InferenceHub> {
    const log = options.logger;
    const pool = await InferencePool.start({
      ...options.pool,
      onDegradedChange: (degraded, reason) => {
        if (degraded) log.warn({ reason }, 'inference degraded: events are motion-only until the backend recovers');
        else log.info({ reason }, 'inference backend recovered');
        options.pool.onDegradedChange?.(degraded, reason);
      },
    });
    log.info(
      { backend: pool.backend.type, threads: pool.threads, maxBatch: pool.backend.maxBatch, faces: pool.backend.faces?.model ?? null },
      'inference pool started',
    );
    const faces = pool.backend.faces;
    if (faces?.error != null) log.warn({ model: faces.model, reason: faces.error }, 'face cascade off: persons get no face');
    return new InferenceHub(pool, options);
  }

  /**
   * The crop slab the camera's channel worker writes and the tracks it reads; made once a camera, kept
   * across worker restarts. Its snapshots hold whole frames when full-frame best shots are on.
   */
  addCamera(id: string, frame: SnapshotGeometry | null, decisions: CameraDecisionOptions): HubCamera {
    if (this.cameras.has(id)) throw new Error(`camera '${id}' already has an inference queue`);
    const whole = (this.options.analytics?.bestShot?.frameWidth ?? bestShotOptionsSchema.parse({}).frameWidth) > 0;
    const slab = CropSlab.create(this.pool.backend.tensor, this.options.queueDepth ?? 4, frame && { ...frame, whole });
    const tracked = new TrackedBoxes();
    const analytics = new CameraAnalytics(
      id,
      this.options.analytics ?? {},
      this.engine,
      this.snapshots,
      { onTracked: this.options.onTracked, tracked },
      this.framePool,
    );
    this.engine.addCamera(id, decisions, { width: frame?.width ?? 1, height: frame?.height ?? 1 });
    this.scheduler.addCamera(id, slab);
    const camera = { slab, tracked, analytics };
    this.cameras.set(id, camera);
    this.slabs.set(id, slab);
    return camera;
  }

  /** New event rules for a camera (zones, objects, masks, ...): its tracks and running events go on. */
  updateDecisions(id: string, decisions: CameraDecisionOptions): void {
    this.engine.updateCamera(id, decisions);
  }

  /**
   * Ends the camera's tracks (and so its events) and forgets its queue; call after its channel worker
   * stopped writing the slab. Its counters stay for its next add under the same id.
   */
  removeCamera(id: string): void {
    const camera = this.cameras.get(id);
    if (!camera) return;
    const queue = this.queueTotals(id) as QueueTotals;
    this.scheduler.removeCamera(id);
    this.governor.removeCamera(id);
    camera.analytics.stop();
    const decisions = addCounters(this.engine.removeCamera(id), this.carried.get(id)?.decisions ?? emptyCounters());
    this.carried.set(id, { queue, decisions });
    this.cameras.delete(id);
    this.slabs.delete(id);
  }

  /** Drops a removed camera's counters: a camera added later under its id counts from zero. */
  forget(id: string): void {
    if (!this.cameras.has(id)) this.carried.delete(id);
  }

  camera(id: string): HubCamera | undefined {
    return this.cameras.get(id);
  }

  /** The camera's crop totals, earlier adds under its id included; undefined when it is not added. */
  queueTotals(id: string): QueueTotals | undefined {
    const slab = this.slabs.get(id);
    if (!slab) return undefined;
    const before = this.carried.get(id)?.queue;
    return {
      committed: (before?.committed ?? 0) + slab.counter(SlabCtrl.Committed),
      dropped: {
        queue_full: (before?.dropped.queue_full ?? 0) + slab.counter(SlabCtrl.DroppedQueueFull),
        in_flight_full: (before?.dropped.in_flight_full ?? 0) + slab.counter(SlabCtrl.DroppedInFlight),
        rate_limited: (before?.dropped.rate_limited ?? 0) + (this.scheduler.counters(id)?.rateLimited ?? 0),
      },
    };
  }

  /** The camera's decision counters, earlier adds under its id included; undefined when it is not added. */
  decisionCounters(id: string): DecisionCounters | undefined {
    if (!this.cameras.has(id)) return undefined;
    return addCounters(this.engine.counters(id), this.carried.get(id)?.decisions ?? emptyCounters());
  }

  /** A candidate notice from a channel worker. */
  submit(notice: CandidateNotice): void {
    if (this.cameras.has(notice.camera)) this.scheduler.submit(notice);
  }

  /** The gateway's stats tick: overload governor, late frames, track expiry. */
  tick(nowMs: number): void {
    this.meter.tick(this.governor, this.slabs);
    const atCapacity = this.governor.atCapacity;
    if (atCapacity !== this.wasAtCapacity) {
      this.wasAtCapacity = atCapacity;
      if (atCapacity) this.options.logger.warn({ reason: this.governor.reason }, 'inference at capacity: analysis rates lowered');
      else this.options.logger.info('inference below capacity again: analysis rates restored');
    }
    for (const c of this.cameras.values()) c.analytics.tick(nowMs);
    this.framePool.decayWhenDue();
  }

  /**
   * Call after ingest stopped: lets queued and in-flight crops finish (bounded by `drainMs`), so their
   * detections still reach the tracker, then ends every camera's tracks (their events end) and the pool.
   */
  async close(drainMs = 3000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.scheduler.idle(), new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))]);
    clearTimeout(timer);
    this.scheduler.close();
    for (const id of [...this.cameras.keys()]) this.removeCamera(id);
    await this.pool.close();
  }

  /** One batch: infer, then, while the slots are still claimed, capture best shots from their snapshots. */
  private async run(batch: ScheduledCandidate[]): Promise<void> {
    const outcome = await this.pool.infer(batch);
    batch.forEach(({ notice, slab }, i) => {
      const camera = this.cameras.get(notice.camera);
      if (!camera) return;
      const detections = outcome.detections[i] ?? [];
      const snap = slab.snapshot;
      const frame: ShotFrame | null =
        snap === null
          ? null
          : {
              data: slab.snapshots[notice.slot] as Uint8Array,
              format: snap.format,
              width: snap.width,
              height: snap.height,
              timeMs: notice.captureMs,
              whole: snap.whole === true,
            };
      const extras = camera.analytics.capture(detections, frame);
      camera.analytics.onRegion({
        captureMs: notice.captureMs,
        regionCount: notice.regionCount,
        region: notice.region,
        motion: notice.motion,
        detections,
        extras,
      });
    });
  }
}
