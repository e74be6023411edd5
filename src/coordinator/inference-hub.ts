/**
 * The coordinator's half of the inference path: one crop slab a camera (kept across channel-worker
 * restarts), the fair scheduler, the piscina pool, the overload governor, and each camera's analytics
 * (frame assembly, tracking, best shot) feeding one decision engine. Channel workers send candidate
 * notices; events come out of the engine's publisher.
 */
import type { Logger } from 'pino';
import { CameraAnalytics, type CameraAnalyticsOptions, type TrackedDetections } from '../analytics/camera-analytics.ts';
import type { ShotFrame } from '../analytics/best-shot.ts';
import { DecisionEngine } from '../analytics/decisions/engine.ts';
import type { CameraDecisionOptions, GlobalDecisionOptions } from '../analytics/decisions/options.ts';
import type { EventPublisher } from '../analytics/events.ts';
import { SnapshotStore } from '../analytics/snapshot-store.ts';
import { CropSlab, type SnapshotGeometry } from '../inference/crop-slab.ts';
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
  logger: Logger;
}

export interface HubCamera {
  slab: CropSlab;
  analytics: CameraAnalytics;
}

export class InferenceHub {
  readonly pool: InferencePool;
  readonly scheduler: InferenceScheduler;
  readonly governor: OverloadGovernor;
  readonly engine: DecisionEngine;
  readonly snapshots = new SnapshotStore();
  private readonly meter: LoadMeter;
  private readonly cameras = new Map<string, HubCamera>();
  private readonly slabs = new Map<string, CropSlab>();
  private readonly options: InferenceHubOptions;
  private wasAtCapacity = false;

  private constructor(pool: InferencePool, options: InferenceHubOptions) {
    this.pool = pool;
    this.options = options;
    const maxBatch = Math.min(options.scheduler?.maxBatch ?? pool.backend.maxBatch, pool.backend.maxBatch);
    this.scheduler = new InferenceScheduler({ maxInFlight: pool.threads, ...options.scheduler, maxBatch }, (batch) => this.run(batch));
    this.governor = new OverloadGovernor(options.overload);
    this.meter = new LoadMeter(pool, this.scheduler);
    this.engine = new DecisionEngine({
      publisher: options.publisher, global: options.decisions,
      onPublishError: (err, message) => options.logger.warn({ err, event: message.event.id }, 'event publisher failed'),
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
    log.info({ backend: pool.backend.type, threads: pool.threads, maxBatch: pool.backend.maxBatch }, 'inference pool started');
    return new InferenceHub(pool, options);
  }

  /** The crop slab the camera's channel worker writes; made once a camera, kept across worker restarts. */
  addCamera(id: string, frame: SnapshotGeometry | null, decisions: CameraDecisionOptions): CropSlab {
    if (this.cameras.has(id)) throw new Error(`camera '${id}' already has an inference queue`);
    const slab = CropSlab.create(this.pool.backend.tensor, this.options.queueDepth ?? 4, frame);
    const analytics = new CameraAnalytics(id, this.options.analytics ?? {}, this.engine, this.snapshots, this.options.onTracked);
    this.engine.addCamera(id, decisions, { width: frame?.width ?? 1, height: frame?.height ?? 1 });
    this.scheduler.addCamera(id, slab);
    this.cameras.set(id, { slab, analytics });
    this.slabs.set(id, slab);
    return slab;
  }

  /** Ends the camera's tracks (and so its events) and forgets its queue. */
  removeCamera(id: string): void {
    const camera = this.cameras.get(id);
    if (!camera) return;
    this.scheduler.removeCamera(id);
    this.governor.removeCamera(id);
    camera.analytics.stop();
    this.engine.removeCamera(id);
    this.cameras.delete(id);
    this.slabs.delete(id);
  }

  camera(id: string): HubCamera | undefined {
    return this.cameras.get(id);
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
      const frame: ShotFrame | null = snap === null ? null : {
        data: slab.snapshots[notice.slot] as Uint8Array, format: snap.format, width: snap.width, height: snap.height, timeMs: notice.captureMs,
      };
      const extras = camera.analytics.capture(detections, frame);
      camera.analytics.onRegion({ captureMs: notice.captureMs, regionCount: notice.regionCount, detections, extras });
    });
  }
}
