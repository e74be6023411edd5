/**
 * The running site: the site config applied to a Gateway (ingest, rings, channel workers) and an
 * InferenceHub (pool, tracking, decisions), with the event bus the outputs subscribe to. Implements
 * SiteControl, the one face the outputs see. Every change touches only the cameras it names.
 */
import type { Logger } from 'pino';
import type { TrackedDetections } from '../analytics/camera-analytics.ts';
import { EventBus, type EventMessage, type DetectionEvent } from '../analytics/events.ts';
import { cameraChanges } from '../config/camera-changes.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import { parseCamera } from '../config/load.ts';
import type { SiteConfig } from '../config/schema.ts';
import { analysisSettings, cameraSpec } from '../config/to-runtime.ts';
import type { CameraMetrics } from '../coordinator/camera-metrics.ts';
import type { CameraTransition } from '../coordinator/camera-state.ts';
import { Gateway } from '../coordinator/gateway.ts';
import { InferenceHub } from '../coordinator/inference-hub.ts';
import { CameraExistsError, CameraNotFoundError } from '../errors.ts';
import { isSnapshotFormat } from '../inference/region-copy.ts';
import type { FfmpegLocation } from '../ingest/ffmpeg-path.ts';
import type { CameraStatus, EventQuery, HealthReport, SiteControl } from '../outputs/site.ts';
import { cameraStatus } from './camera-status.ts';
import { EventHistory } from './event-history.ts';
import { siteHealth } from './site-health.ts';

interface SiteCamera {
  config: CameraConfig;
  /** Ingest running (enabled and not stopped at runtime). */
  streaming: boolean;
}

export interface SiteOptions {
  ffmpeg: FfmpegLocation;
  logger: Logger;
  /**
   * false: leave the cameras to `startCameras()`. A runner starts its outputs first, so their start-up
   * work (broker, HTTP server, module loading) cannot stall the event loop that reads the cameras'
   * first frames: ffmpeg catches up on a stall in a burst that overflows the frame rings.
   */
  startCameras?: boolean;
}

export class Site implements SiteControl {
  readonly bus: EventBus;
  readonly history = new EventHistory();
  private config: SiteConfig;
  private readonly cameraEntries = new Map<string, SiteCamera>();
  private readonly detectionListeners = new Set<(m: TrackedDetections) => void>();
  private readonly log: Logger;
  private readonly startedMs = Date.now();
  private camerasStarted = false;

  private constructor(config: SiteConfig, readonly gateway: Gateway, readonly hub: InferenceHub, bus: EventBus, logger: Logger) {
    this.config = config;
    this.bus = bus;
    this.log = logger;
    bus.subscribe((m) => this.history.record(m));
  }

  static async start(config: SiteConfig, options: SiteOptions): Promise<Site> {
    const { logger } = options;
    const bus = new EventBus({ onListenerError: (err) => logger.warn({ err }, 'an event subscriber failed') });
    const listeners = new Set<(m: TrackedDetections) => void>();
    const { inference } = config;
    const hub = await InferenceHub.start({
      pool: { backend: inference.backend, ...(inference.pool.threads === 'auto' ? {} : { threads: inference.pool.threads }) },
      scheduler: {
        maxBatch: inference.pool.maxBatch, maxWaitMs: inference.pool.maxWaitMs, maxShare: inference.pool.maxShare,
        shareWindow: inference.pool.shareWindow, maxRatePerCamera: inference.pool.maxRatePerCamera,
      },
      overload: inference.overload,
      queueDepth: inference.pool.queueDepth,
      analytics: { tracker: inference.tracker, bestShot: inference.bestShot },
      decisions: config.decisions,
      publisher: bus,
      onTracked: (frame) => listeners.forEach((l) => l(frame)),
      logger,
    });
    const gateway = new Gateway({
      ffmpeg: options.ffmpeg, logger, onCandidate: (notice) => hub.submit(notice), onTick: (now) => hub.tick(now),
      ...(config.gateway.workers === 'auto' ? {} : { workers: config.gateway.workers }),
    });
    gateway.start();
    const site = new Site(config, gateway, hub, bus, logger);
    listeners.add((m) => site.detectionListeners.forEach((l) => l(m)));
    if (options.startCameras !== false) await site.startCameras();
    return site;
  }

  /** Installs the config's cameras and starts the enabled ones (once; later changes go through reload). */
  async startCameras(): Promise<void> {
    if (this.camerasStarted) return;
    this.camerasStarted = true;
    for (const camera of this.config.cameras) await this.install(camera);
    this.log.info({ cameras: this.config.cameras.length, enabled: this.config.cameras.filter((c) => c.enabled).length }, 'site started');
  }

  /** Applies a new config (SIGHUP): only added, removed and changed cameras are touched. */
  async reload(next: SiteConfig): Promise<{ added: number; removed: number; changed: number }> {
    const changes = cameraChanges(this.config.cameras, next.cameras);
    this.config = { ...this.config, defaults: next.defaults, cameras: next.cameras };
    for (const id of changes.removed) await this.uninstall(id);
    for (const camera of changes.changed) {
      await this.uninstall(camera.id);
      await this.install(camera);
    }
    for (const camera of changes.added) await this.install(camera);
    const summary = { added: changes.added.length, removed: changes.removed.length, changed: changes.changed.length };
    this.log.info(summary, 'config reloaded');
    return summary;
  }

  async stop(): Promise<void> {
    await this.gateway.stop();
    await this.hub.close();
  }

  cameras(): CameraStatus[] {
    return [...this.cameraEntries.keys()].map((id) => this.camera(id) as CameraStatus);
  }

  camera(id: string): CameraStatus | undefined {
    const entry = this.cameraEntries.get(id);
    return entry && cameraStatus(entry.config, entry.streaming, this.gateway.camera(id), this.gateway.metrics(id));
  }

  cameraMetrics(id: string): CameraMetrics | undefined {
    return this.gateway.metrics(id);
  }

  cameraConfig(id: string): unknown {
    return this.entry(id).config;
  }

  async addCamera(input: unknown): Promise<CameraStatus> {
    const camera = parseCamera(input, this.config.defaults, 'request body');
    if (this.cameraEntries.has(camera.id)) throw new CameraExistsError(`A camera with id '${camera.id}' already exists; PUT /api/v1/cameras/${camera.id} changes it`);
    const duplicate = [...this.cameraEntries.values()].find((e) => e.config.channel === camera.channel);
    if (duplicate) throw new CameraExistsError(`Channel ${camera.channel} is already used by camera '${duplicate.config.id}'; choose another channel`);
    await this.install(camera);
    return this.camera(camera.id) as CameraStatus;
  }

  async updateCamera(id: string, input: unknown): Promise<CameraStatus> {
    this.entry(id);
    const camera = parseCamera({ ...(input as object), id }, this.config.defaults, 'request body');
    await this.uninstall(id);
    await this.install(camera);
    return this.camera(id) as CameraStatus;
  }

  async removeCamera(id: string): Promise<void> {
    this.entry(id);
    await this.uninstall(id);
  }

  async restartCamera(id: string): Promise<CameraStatus> {
    const { config, streaming } = this.entry(id);
    await this.uninstall(id);
    await this.install(config, streaming);
    return this.camera(id) as CameraStatus;
  }

  async setEnabled(id: string, enabled: boolean): Promise<CameraStatus> {
    const { config } = this.entry(id);
    await this.uninstall(id);
    await this.install({ ...config, enabled });
    return this.camera(id) as CameraStatus;
  }

  async setStreaming(id: string, streaming: boolean): Promise<CameraStatus> {
    const { config, streaming: now } = this.entry(id);
    if (now !== streaming) {
      await this.uninstall(id);
      await this.install(config, streaming);
    }
    return this.camera(id) as CameraStatus;
  }

  events(query: EventQuery): DetectionEvent[] {
    return this.history.query(query);
  }

  async snapshot(eventId: string): Promise<Buffer | null> {
    const ref = this.history.get(eventId)?.bestShot?.jpeg;
    return ref ? ((await this.hub.snapshots.get(ref)) ?? null) : null;
  }

  health(): HealthReport {
    return siteHealth(this.cameras(), this.hub, Date.now() - this.startedMs);
  }

  onEvent(listener: (message: EventMessage) => void): () => void {
    return this.bus.subscribe(listener);
  }

  onDetections(listener: (message: TrackedDetections) => void): () => void {
    this.detectionListeners.add(listener);
    return () => this.detectionListeners.delete(listener);
  }

  onTransition(listener: (transition: CameraTransition) => void): () => void {
    return this.gateway.onTransition(listener);
  }

  private entry(id: string): SiteCamera {
    const entry = this.cameraEntries.get(id);
    if (!entry) throw new CameraNotFoundError(id);
    return entry;
  }

  /** Registers the camera and, when it should stream, starts its ingest, analysis and inference queue. */
  private async install(config: CameraConfig, streaming = config.enabled): Promise<void> {
    this.cameraEntries.set(config.id, { config, streaming });
    if (!streaming) return;
    const { ai } = config;
    const snapshot = isSnapshotFormat(ai.format) ? { format: ai.format, width: ai.width, height: ai.height } : null;
    const slab = this.hub.addCamera(config.id, snapshot, config);
    const tensor = this.hub.pool.backend.tensor;
    const analysis = analysisSettings(config, tensor ? { width: tensor.width, height: tensor.height, layout: tensor.layout } : undefined);
    try {
      await this.gateway.addCamera(cameraSpec(config), { ...analysis, crops: slab.buffer, sampling: config.sampling });
    } catch (err) {
      this.hub.removeCamera(config.id);
      throw err;
    }
  }

  private async uninstall(id: string): Promise<void> {
    const entry = this.cameraEntries.get(id);
    if (!entry) return;
    this.cameraEntries.delete(id);
    if (!entry.streaming) return;
    await this.gateway.removeCamera(id);
    this.hub.removeCamera(id);
  }
}
