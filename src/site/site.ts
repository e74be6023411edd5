/**
 * The running site: the site config applied to a Gateway (ingest, rings, channel workers) and an
 * InferenceHub (pool, tracking, decisions), with the event bus the outputs subscribe to. Implements
 * SiteControl, the one face the outputs see. Every change touches only the cameras it names, and
 * only as far as it reaches (src/config/camera-changes.ts): a restart for ingest changes, new
 * settings for a running channel worker and decision layer for analysis changes.
 */
import type { Logger } from 'pino';
import type { TrackedDetections } from '../analytics/camera-analytics.ts';
import { EventBus, snapshotEvent, type EventMessage, type DetectionEvent } from '../analytics/events.ts';
import { cameraChangeKind, cameraChanges } from '../config/camera-changes.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import { parseCamera } from '../config/load.ts';
import type { SiteConfig } from '../config/schema.ts';
import { analysisSettings, cameraSpec } from '../config/to-runtime.ts';
import type { CameraMetrics } from '../coordinator/camera-metrics.ts';
import type { CameraTransition } from '../coordinator/camera-state.ts';
import { Gateway, type AnalysisSettings } from '../coordinator/gateway.ts';
import { InferenceHub, type HubCamera } from '../coordinator/inference-hub.ts';
import { CameraExistsError, CameraNotFoundError, RequestError, StoppingError } from '../errors.ts';
import { isSnapshotFormat } from '../inference/region-copy.ts';
import type { FfmpegLocation } from '../ingest/ffmpeg-path.ts';
import type { LiveLookup } from '../live/live-video.ts';
import type { CameraStatus, ClipFile, EventDetail, HealthProblem, HealthReport, SiteControl } from '../outputs/site.ts';
import type { EventPage, EventQuery } from '../storage/event-query.ts';
import { markEndAnnounced, unannouncedEnds } from '../storage/interrupted-events.ts';
import type { TrackPage, TrackQuery } from '../storage/track-store.ts';
import { Recordings } from '../storage/recording/recordings.ts';
import { Storage, type StorageOptions } from '../storage/storage.ts';
import { targetClient } from '../storage/upload/target.ts';
import { Uploader } from '../storage/upload/uploader.ts';
import { clipReadyMs, clipSource } from './clip-uploads.ts';
import { cameraStatus, shownCameraConfig } from './camera-status.ts';
import { EventRecorder } from './event-recorder.ts';
import { recordingHealth, recordingProblems } from './recording-health.ts';
import { siteHealth } from './site-health.ts';
import { siteLabels } from './site-labels.ts';
import { uploadProblems } from './upload-health.ts';
import { latestFrameJpeg, type LatestFrameJpeg } from '../analytics/latest-frame-jpeg.ts';

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
  /** Event write batching and the retention interval (tests shorten them); the defaults otherwise. */
  storage?: Omit<StorageOptions, 'logger'>;
  /** How late an event's start may be published before recordings decide (tests shorten it). */
  recordingDecisionLagMs?: number;
}

/** Where motion goes once the site exists (the gateway is made before it). */
interface MotionSink {
  motion(camera: string, atMs: number): void;
}

export class Site implements SiteControl {
  /** Events as the decision layer publishes them: stored, recorded, queued for upload, then passed to the outputs. */
  readonly bus: EventBus;
  /** What the outputs hear (onEvent): the bus's messages after the site's own subscribers, and the restart ends. */
  readonly #outputs: EventBus;
  readonly storage: Storage;
  /** Copies of events' JPEGs and clips (storage.upload); null when uploads are off. */
  readonly uploader: Uploader | null;
  readonly #recorder: EventRecorder;
  private config: SiteConfig;
  private readonly cameraEntries = new Map<string, SiteCamera>();
  private readonly detectionListeners = new Set<(m: TrackedDetections) => void>();
  private readonly healthChecks = new Set<() => HealthProblem | null>();
  private readonly removedListeners = new Set<(camera: string) => void>();
  private readonly log: Logger;
  private readonly startedMs = Date.now();
  private camerasStarted = false;
  /** Started with the first camera that records (a site that records nothing makes no directory). */
  private recordingsStart: Promise<Recordings> | null = null;
  private recordings: Recordings | null = null;
  private readonly options: SiteOptions;
  /** Set as stop() begins; a second stop() waits for the first. */
  #stopping: Promise<void> | null = null;

  private constructor(
    config: SiteConfig,
    readonly gateway: Gateway,
    readonly hub: InferenceHub,
    bus: EventBus,
    storage: Storage,
    uploader: Uploader | null,
    logger: Logger,
    private readonly labelSet: ReadonlySet<string>,
    options: SiteOptions,
  ) {
    this.config = config;
    this.bus = bus;
    this.#outputs = new EventBus({ onListenerError: (err) => logger.warn({ err }, 'an event output failed') });
    this.storage = storage;
    this.uploader = uploader;
    this.log = logger;
    this.options = options;
    this.#recorder = new EventRecorder(storage, hub.snapshots, logger, (id, kind, reference) =>
      uploader?.pictureWritten(id, kind, reference),
    );
    // First subscriber: the row and the picture's write exist before any output sees the message.
    bus.subscribe((m) => this.#recorder.record(m));
    bus.subscribe((m) => this.recordings?.onEvent(m));
    if (uploader) {
      bus.subscribe((m) => {
        if (m.type !== 'end') return;
        const settings = this.#recordingOf(m.event.camera);
        if (settings.mode !== 'off') uploader.eventEnded(m.event.id, clipReadyMs(m.event, settings));
      });
      this.healthChecks.add(() => uploadProblems(uploader, Date.now()));
    }
    // Last: an output sees a message only once the row, the pictures' writes and the uploads exist.
    bus.subscribe((m) => this.#outputs.publish(m));
    this.healthChecks.add(() => {
      const { failing, pending, dropped } = storage.events.stats;
      return failing
        ? {
            level: 'degraded',
            reason: `events database writes are failing (disk full or unwritable?): ${pending} queued, ${dropped} dropped`,
          }
        : null;
    });
  }

  static async start(config: SiteConfig, options: SiteOptions): Promise<Site> {
    const { logger } = options;
    const bus = new EventBus({ onListenerError: (err) => logger.warn({ err }, 'an event subscriber failed') });
    const listeners = new Set<(m: TrackedDetections) => void>();
    const { inference } = config;
    const labels = await siteLabels(inference.backend);
    // Before anything starts: a locked or unreadable database refuses the start with its fix.
    const storage = Storage.open(config.storage, { logger, ...options.storage });
    const { upload } = config.storage;
    // The clip source reads the site's recordings, so it is bound once the site exists.
    const clips: { site: Site | null } = { site: null };
    const uploader =
      upload.enabled && upload.target !== undefined
        ? new Uploader({
            config: upload,
            events: storage.events,
            root: config.storage.dir,
            client: await targetClient(upload.target, upload.timeoutSeconds * 1000),
            clips: clipSource({
              recordings: () => clips.site?.recordings ?? null,
              settingsOf: (camera) => (clips.site ? clips.site.#recordingOf(camera) : config.defaults.recording),
            }),
            logger,
          })
        : null;
    const hub = await InferenceHub.start({
      pool: {
        backend: inference.backend,
        faces: inference.faces,
        ...(inference.pool.threads === 'auto' ? {} : { threads: inference.pool.threads }),
      },
      scheduler: {
        maxBatch: inference.pool.maxBatch,
        maxWaitMs: inference.pool.maxWaitMs,
        maxShare: inference.pool.maxShare,
        shareWindow: inference.pool.shareWindow,
        maxRatePerCamera: inference.pool.maxRatePerCamera,
      },
      overload: inference.overload,
      queueDepth: inference.pool.queueDepth,
      analytics: { tracker: inference.tracker, bestShot: inference.bestShot },
      decisions: config.decisions,
      publisher: bus,
      onTracked: (frame) => listeners.forEach((l) => l(frame)),
      onTrack: (track, phase) => storage.tracks.record(track, phase),
      logger,
    }).catch(async (err: unknown) => {
      await storage.close();
      throw err;
    });
    if (config.gateway.runDir !== undefined) {
      logger.warn({ runDir: config.gateway.runDir }, 'gateway.runDir is ignored: frames no longer go through FIFO files; remove the key');
    }
    let gateway: Gateway;
    const motionSink: MotionSink = { motion: () => {} };
    try {
      gateway = new Gateway({
        ffmpeg: options.ffmpeg,
        logger,
        onCandidate: (notice) => {
          hub.submit(notice);
          // A full-frame pass without motion is a notice too; only moving pixels count as motion.
          if (notice.motion.length > 0) motionSink.motion(notice.camera, notice.captureMs);
        },
        onTick: (now) => hub.tick(now),
        ...(config.gateway.workers === 'auto' ? {} : { workers: config.gateway.workers }),
      });
    } catch (err) {
      await hub.close();
      await storage.close();
      throw err;
    }
    gateway.start();
    const site = new Site(config, gateway, hub, bus, storage, uploader, logger, labels, options);
    clips.site = site;
    await uploader?.start();
    // Events a killed run left running were ended by Storage.open, with no end message to queue their clips.
    for (const event of uploader ? storage.interrupted : []) {
      const settings = site.#recordingOf(event.camera);
      if (settings.mode !== 'off') uploader?.eventEnded(event.id, clipReadyMs(event, settings));
    }
    motionSink.motion = (camera, atMs) => site.recordings?.motion(camera, atMs);
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

  /**
   * Applies a new config (SIGHUP): only added, removed and changed cameras are touched. The file is
   * compared with the cameras as they run, so it also undoes what the API changed since.
   */
  async reload(next: SiteConfig): Promise<{ added: number; removed: number; changed: number }> {
    this.#refuseWhenStopping();
    const changes = cameraChanges(
      [...this.cameraEntries.values()].map((e) => e.config),
      next.cameras,
    );
    this.config = { ...this.config, defaults: next.defaults, cameras: next.cameras };
    for (const id of changes.removed) await this.delete(id);
    for (const camera of changes.changed) await this.apply(camera);
    for (const camera of changes.added) await this.install(camera);
    const summary = { added: changes.added.length, removed: changes.removed.length, changed: changes.changed.length };
    this.log.info(summary, 'config reloaded');
    return summary;
  }

  get stopping(): boolean {
    return this.#stopping !== null;
  }

  /**
   * Ingest, then inference (its events end and are stored), then the pictures being written, then the
   * database. From its first line, requests that need any of these are refused (E_STOPPING): the HTTP
   * server stays open until the site has stopped (src/cli/run-site.ts).
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopInOrder();
    return this.#stopping;
  }

  async #stopInOrder(): Promise<void> {
    await this.gateway.stop();
    await this.hub.close();
    await (await this.recordingsStart?.catch(() => null))?.stop();
    await this.#recorder.drain();
    await this.uploader?.stop();
    await this.storage.close();
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
    return shownCameraConfig(this.entry(id).config);
  }

  async addCamera(input: unknown): Promise<CameraStatus> {
    this.#refuseWhenStopping();
    const camera = parseCamera(input, this.config.defaults, 'request body');
    if (this.cameraEntries.has(camera.id))
      throw new CameraExistsError(`A camera with id '${camera.id}' already exists; PUT /api/v1/cameras/${camera.id} changes it`);
    const duplicate = [...this.cameraEntries.values()].find((e) => e.config.channel === camera.channel);
    if (duplicate)
      throw new CameraExistsError(`Channel ${camera.channel} is already used by camera '${duplicate.config.id}'; choose another channel`);
    await this.install(camera);
    return this.camera(camera.id) as CameraStatus;
  }

  async updateCamera(id: string, input: unknown): Promise<CameraStatus> {
    this.#refuseWhenStopping();
    this.entry(id);
    const camera = parseCamera(input, this.config.defaults, 'request body', id);
    const duplicate = [...this.cameraEntries.values()].find((e) => e.config.channel === camera.channel && e.config.id !== id);
    if (duplicate)
      throw new CameraExistsError(`Channel ${camera.channel} is already used by camera '${duplicate.config.id}'; choose another channel`);
    await this.apply(camera);
    return this.camera(id) as CameraStatus;
  }

  async removeCamera(id: string): Promise<void> {
    this.#refuseWhenStopping();
    this.entry(id);
    await this.delete(id);
  }

  async restartCamera(id: string): Promise<CameraStatus> {
    this.#refuseWhenStopping();
    const { config, streaming } = this.entry(id);
    await this.uninstall(id);
    await this.install(config, streaming);
    return this.camera(id) as CameraStatus;
  }

  async setEnabled(id: string, enabled: boolean): Promise<CameraStatus> {
    this.#refuseWhenStopping();
    const { config } = this.entry(id);
    if (config.enabled !== enabled) await this.apply({ ...config, enabled });
    return this.camera(id) as CameraStatus;
  }

  async setStreaming(id: string, streaming: boolean): Promise<CameraStatus> {
    this.#refuseWhenStopping();
    const { config, streaming: now } = this.entry(id);
    if (now !== streaming) {
      await this.uninstall(id);
      await this.install(config, streaming);
    }
    return this.camera(id) as CameraStatus;
  }

  events(query: EventQuery): EventPage {
    this.#refuseWhenStopping();
    return this.storage.events.query(query);
  }

  tracks(query: TrackQuery): TrackPage {
    this.#refuseWhenStopping();
    return this.storage.tracks.page(query);
  }

  event(id: string): EventDetail | undefined {
    this.#refuseWhenStopping();
    const event = this.storage.events.get(id);
    return event && { ...event, uploads: this.uploader?.uploadsOf(id) ?? [] };
  }

  retryUploads(eventId: string | null): number {
    this.#refuseWhenStopping();
    if (this.uploader === null)
      throw new RequestError('E_NOT_FOUND', 'Uploads are off: nothing to retry (set storage.upload.enabled and a target)');
    return this.uploader.retryFailed(eventId);
  }

  async snapshot(eventId: string): Promise<Buffer | null> {
    this.#refuseWhenStopping();
    return this.#recorder.snapshot(eventId);
  }

  async frame(eventId: string): Promise<Buffer | null> {
    this.#refuseWhenStopping();
    return this.#recorder.frame(eventId);
  }

  async latestFrame(camera: string): Promise<LatestFrameJpeg | null> {
    this.#refuseWhenStopping();
    if (this.camera(camera) === undefined) throw new CameraNotFoundError(camera);
    const running = this.gateway.camera(camera);
    return running === undefined ? null : latestFrameJpeg(running.actor.ring);
  }

  health(): HealthReport {
    const problems = [...this.healthChecks].flatMap((check) => check() ?? []);
    const cameras = this.cameras();
    const { recordings } = this;
    if (!recordings) return siteHealth(cameras, this.hub, Date.now() - this.startedMs, problems);
    const now = Date.now();
    const recording = recordingHealth(recordings, new Map(cameras.map((c) => [c.id, c.state])), now);
    problems.push(...recordingProblems(recording, now, recordings.lastGuardMs));
    return { ...siteHealth(cameras, this.hub, now - this.startedMs, problems), recording };
  }

  async clip(camera: string, fromMs: number, toMs: number): Promise<ClipFile> {
    this.#refuseWhenStopping();
    this.entry(camera);
    const recordings = this.recordings;
    if (!recordings) throw new RequestError('E_NOT_FOUND', `No recording of camera '${camera}': no camera of this site records`);
    return recordings.clip(camera, fromMs, toMs);
  }

  async eventClip(eventId: string): Promise<ClipFile> {
    this.#refuseWhenStopping();
    const event = this.storage.events.get(eventId);
    if (!event) throw new RequestError('E_NOT_FOUND', `No event with id '${eventId}'; GET /api/v1/events lists them`);
    const settings = this.#recordingOf(event.camera);
    const fromMs = event.startMs - settings.preRollSeconds * 1000;
    const toMs = (event.endMs ?? Date.now()) + settings.postRollSeconds * 1000;
    const recordings = this.recordings;
    if (!recordings) throw new RequestError('E_NOT_FOUND', `No recording of event '${eventId}': no camera of this site records`);
    return recordings.clip(event.camera, fromMs, toMs);
  }

  #refuseWhenStopping(): void {
    if (this.#stopping !== null) throw new StoppingError();
  }

  /** The camera's recording settings: running, else as configured (not installed yet), else the defaults'. */
  #recordingOf(camera: string) {
    return (
      this.cameraEntries.get(camera)?.config.recording ??
      this.config.cameras.find((c) => c.id === camera)?.recording ??
      this.config.defaults.recording
    );
  }

  /** The recordings, once a camera records (null before). */
  recordingsNow(): Recordings | null {
    return this.recordings;
  }

  /** The site's recordings, started on first use. */
  private startRecordings(): Promise<Recordings> {
    this.recordingsStart ??= Recordings.start({
      config: this.config.recordings,
      ffmpegPath: this.options.ffmpeg.path,
      logger: this.log,
      index: this.storage.segments,
      events: this.storage.events,
      defaultRetention: this.config.defaults.recording.retentionDays,
      rollsOf: (camera) => this.#recordingOf(camera),
      ...(this.options.recordingDecisionLagMs === undefined ? {} : { decisionLagMs: this.options.recordingDecisionLagMs }),
    }).then((recordings) => {
      this.recordings = recordings;
      return recordings;
    });
    return this.recordingsStart;
  }

  addHealthCheck(check: () => HealthProblem | null): () => void {
    this.healthChecks.add(check);
    return () => this.healthChecks.delete(check);
  }

  labels(): ReadonlySet<string> {
    return this.labelSet;
  }

  onEvent(listener: (message: EventMessage) => void): () => void {
    return this.#outputs.subscribe(listener);
  }

  /**
   * Sends the end message of each event a killed run left running (ended when the storage opened) to
   * the outputs, once: a runner calls it when its outputs are up. The message is a live end's, with the
   * end at the last commit before the kill and `endReason: 'restart'`; each is marked announced as it
   * goes, so a later start never sends it again. Only the outputs hear it: the row, its clip and its
   * upload were settled at start. Returns how many were sent.
   */
  announceRestartEnds(): number {
    const ended = unannouncedEnds(this.storage.events.db);
    for (const event of ended) {
      this.#outputs.publish({ type: 'end', event: snapshotEvent(event) });
      markEndAnnounced(this.storage.events.db, event.id);
    }
    if (ended.length > 0) this.log.info({ events: ended.length }, 'events ended at restart announced to the outputs');
    return ended.length;
  }

  onDetections(listener: (message: TrackedDetections) => void): () => void {
    this.detectionListeners.add(listener);
    return () => this.detectionListeners.delete(listener);
  }

  onTransition(listener: (transition: CameraTransition) => void): () => void {
    return this.gateway.onTransition(listener);
  }

  onCameraRemoved(listener: (camera: string) => void): () => void {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  /** The stream a camera is watched live from (its main stream, which recording copies too), or why it cannot be. */
  liveSource(id: string): LiveLookup {
    const entry = this.cameraEntries.get(id);
    if (!entry) return { refused: 'unknown' };
    if (!entry.config.enabled || !entry.streaming) return { refused: 'disabled' };
    const { streams, transport, loop, lifecycle } = entry.config;
    return {
      source: {
        url: streams.primary,
        transport,
        loop,
        ioTimeoutMs: lifecycle.ioTimeoutMs,
        firstFrameTimeoutMs: lifecycle.firstFrameTimeoutMs,
      },
    };
  }

  /** Whether an event start also goes to the critical alerts, by its camera's current `alerts`. */
  isCritical(event: Readonly<DetectionEvent>): boolean {
    const alerts = this.cameraEntries.get(event.camera)?.config.alerts;
    return alerts !== undefined && alerts.critical && (alerts.labels.length === 0 || alerts.labels.includes(event.label));
  }

  private entry(id: string): SiteCamera {
    const entry = this.cameraEntries.get(id);
    if (!entry) throw new CameraNotFoundError(id);
    return entry;
  }

  /** The channel worker's settings for the camera, cropping into its slab in the hub and reading its tracks. */
  private analysis(config: CameraConfig, hubCamera: HubCamera): AnalysisSettings {
    return {
      ...analysisSettings(config, this.hub.pool.backend.tensor ?? null),
      faceIntervalMs: this.config.inference.faces.trackedIntervalMs,
      crops: hubCamera.slab.buffer,
      tracked: hubCamera.tracked.buffer,
      sampling: config.sampling,
    };
  }

  /** Registers the camera and, when it should stream, starts its ingest, analysis and inference queue. */
  private async install(config: CameraConfig, streaming = config.enabled): Promise<void> {
    this.cameraEntries.set(config.id, { config, streaming });
    if (!streaming) return;
    const { ai } = config;
    const snapshot = isSnapshotFormat(ai.format) ? { format: ai.format, width: ai.width, height: ai.height } : null;
    const analysis = this.analysis(config, this.hub.addCamera(config.id, snapshot, config));
    try {
      const tap = await this.recorderOf(config);
      await this.gateway.addCamera(cameraSpec(config), analysis, tap);
    } catch (err) {
      this.hub.removeCamera(config.id);
      throw err;
    }
  }

  /** The camera's recorder, or undefined when it records nothing. */
  private async recorderOf(config: CameraConfig) {
    if (config.recording.mode === 'off' && !this.recordings) return undefined;
    const recordings = await this.startRecordings();
    // Analysis reads the sub-stream when there is one; the recording is of the main stream, in a
    // process of its own when it is another stream (see the gateway's addCamera).
    const { primary, secondary } = config.streams;
    const url = secondary === undefined || secondary === primary ? null : primary;
    return recordings.recorderFor(config.id, config.recording, url);
  }

  /**
   * A changed entry of a known camera, applied as far as it reaches: an ingest change restarts the
   * camera; an analysis change goes to its running channel worker and decision layer, ffmpeg and
   * the tracks going on; metadata is only stored.
   */
  private async apply(next: CameraConfig): Promise<void> {
    const entry = this.entry(next.id);
    const kind = cameraChangeKind(entry.config, next);
    if (kind === 'ingest') {
      await this.uninstall(next.id);
      await this.install(next);
      return;
    }
    entry.config = next;
    if (kind === 'metadata' || !entry.streaming) return;
    this.hub.updateDecisions(next.id, next);
    const hubCamera = this.hub.camera(next.id);
    if (hubCamera) await this.gateway.reconfigureAnalysis(next.id, this.analysis(next, hubCamera));
  }

  private async uninstall(id: string): Promise<void> {
    const entry = this.cameraEntries.get(id);
    if (!entry) return;
    this.cameraEntries.delete(id);
    if (!entry.streaming) return;
    await this.gateway.removeCamera(id);
    this.hub.removeCamera(id);
    this.recordings?.release(id);
  }

  /** The camera is gone for good: its counters are dropped and the outputs told (retained status). */
  private async delete(id: string): Promise<void> {
    await this.uninstall(id);
    this.gateway.forget(id);
    this.hub.forget(id);
    this.removedListeners.forEach((l) => l(id));
  }
}
