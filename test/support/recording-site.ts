/**
 * A SiteControl for the HTTP and WebSocket tests: cameras in a map, validated with the real camera
 * schema (so 400 bodies carry real `path: message` problems), every control call recorded, and
 * emitters for the live feed. The gateway's own implementation is tested by the site wiring.
 */
import type { EventMessage, DetectionEvent } from '../../src/analytics/events.ts';
import { cameraSchema, type CameraConfig } from '../../src/config/camera-schema.ts';
import { configErrorMap, formatIssues } from '../../src/config/issues.ts';
import { withId } from '../../src/config/load.ts';
import { isPlainObject } from '../../src/config/plain-object.ts';
import type { CameraMetrics } from '../../src/coordinator/camera-metrics.ts';
import type { CameraTransition } from '../../src/coordinator/camera-state.ts';
import { CameraExistsError, CameraNotFoundError, ConfigError, RequestError } from '../../src/errors.ts';
import { maskUrl } from '../../src/ingest/mask-url.ts';
import { COCO_LABELS } from '../../src/inference/labels.ts';
import type {
  CameraStatus,
  ClipFile,
  DetectionsMessage,
  EventPage,
  EventQuery,
  HealthLevel,
  HealthProblem,
  HealthReport,
  SiteControl,
  EventDetail,
  TrackPage,
  TrackQuery,
} from '../../src/outputs/site.ts';
import type { Storage } from '../../src/storage/storage.ts';
import { SnapshotStore } from '../../src/analytics/snapshot-store.ts';
import { EventRecorder } from '../../src/site/event-recorder.ts';
import { pino } from 'pino';

/** What a site with the default ONNX labels (or the motion backend) reports. */
const LABELS: ReadonlySet<string> = new Set([...COCO_LABELS, 'motion']);
import { shownCameraConfig } from '../../src/site/camera-status.ts';
import type { LatestFrameJpeg } from '../../src/analytics/latest-frame-jpeg.ts';

type Listener<T> = (message: T) => void;

/**
 * Events: with a Storage (the events API tests), emitted events go through the site's EventRecorder
 * into the real events database, and their pictures (added to `pictures`) to disk, as the site does;
 * without one, `recentEvents` and `snapshots` as the test fills them.
 */
export class RecordingSite implements SiteControl {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  readonly storage: Storage | undefined;
  /** The encoder's pictures: `add` one and put its reference in the end message's bestShot.jpeg. */
  readonly pictures = new SnapshotStore();
  readonly recorder: EventRecorder | undefined;
  readonly #cameras = new Map<string, { config: CameraConfig; status: CameraStatus }>();
  readonly recentEvents: DetectionEvent[] = [];
  readonly snapshots = new Map<string, Buffer>();
  /** Full-frame JPEGs by event id, as the test fills them (without a recorder). */
  readonly frames = new Map<string, Buffer>();
  healthLevel: HealthReport['status'] = 'healthy';
  stopping = false;
  readonly #events = new Set<Listener<EventMessage>>();
  readonly #detections = new Set<Listener<DetectionsMessage>>();
  readonly #transitions = new Set<Listener<CameraTransition>>();
  readonly #healthChecks = new Set<() => HealthProblem | null>();
  readonly #removed = new Set<Listener<string>>();

  constructor(options: { storage?: Storage } = {}) {
    this.storage = options.storage;
    this.recorder = options.storage && new EventRecorder(options.storage, this.pictures, pino({ level: 'silent' }));
  }

  #record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  #parse(input: unknown): CameraConfig {
    const parsed = cameraSchema.safeParse(input, { error: configErrorMap });
    if (!parsed.success) throw new ConfigError('the request body', formatIssues(parsed.error.issues));
    return parsed.data;
  }

  #entry(id: string) {
    const entry = this.#cameras.get(id);
    if (entry === undefined) throw new CameraNotFoundError(id);
    return entry;
  }

  #statusOf(config: CameraConfig, previous?: CameraStatus): CameraStatus {
    return {
      id: config.id,
      name: config.name ?? config.id,
      channel: config.channel,
      enabled: config.enabled,
      streaming: previous?.streaming ?? config.enabled,
      state: config.enabled ? 'ONLINE' : 'DISABLED',
      url: maskUrl(config.streams.secondary ?? config.streams.primary),
      tags: config.tags,
      reconnects: 0,
      lastError: null,
      stream: { codec: 'h264', width: 640, height: 360, fps: 5 },
      inputFps: 5,
      analysedFps: 5,
    };
  }

  cameras(): CameraStatus[] {
    return [...this.#cameras.values()].map((entry) => entry.status);
  }

  camera(id: string): CameraStatus | undefined {
    return this.#cameras.get(id)?.status;
  }

  cameraMetrics(id: string): CameraMetrics | undefined {
    const status = this.camera(id);
    if (status === undefined) return undefined;
    const stage = { p50Ms: 1, p99Ms: 2, count: 10 };
    return {
      camera: id,
      state: status.state,
      inputFps: 5,
      analysedFps: 5,
      framesIn: 100,
      framesAnalysed: 99,
      drops: { ring_full: 1, incomplete: 0 },
      ringOccupancy: 0.25,
      motionRatio: 0.1,
      candidates: 3,
      lightingChanges: 0,
      regionsSkipped: 0,
      fullFramePasses: 0,
      trackedSkips: 0,
      quietSkips: 0,
      backgroundResets: 0,
      errors: 0,
      reconnects: 0,
      latency: { capture_to_ring: stage, ring_to_motion: stage, motion_to_candidates: stage, capture_to_motion: stage },
    };
  }

  cameraConfig(id: string): unknown {
    const config = this.#cameras.get(id)?.config;
    return config === undefined ? undefined : shownCameraConfig(config);
  }

  async addCamera(input: unknown): Promise<CameraStatus> {
    this.#record('addCamera', input);
    const config = this.#parse(input);
    if (this.#cameras.has(config.id)) throw new CameraExistsError(`A camera with id '${config.id}' already exists`);
    if (this.cameras().some((c) => c.channel === config.channel)) throw new CameraExistsError(`Channel ${config.channel} is already used`);
    const status = this.#statusOf(config);
    this.#cameras.set(config.id, { config, status });
    return status;
  }

  async updateCamera(id: string, input: unknown): Promise<CameraStatus> {
    this.#record('updateCamera', id, input);
    const previous = this.#entry(id);
    const config = this.#parse(isPlainObject(input) ? withId(input, id, 'the request body') : input);
    const status = this.#statusOf(config, previous.status);
    this.#cameras.set(id, { config, status });
    return status;
  }

  async removeCamera(id: string): Promise<void> {
    this.#record('removeCamera', id);
    this.#entry(id);
    this.#cameras.delete(id);
    for (const listener of this.#removed) listener(id);
  }

  async restartCamera(id: string): Promise<CameraStatus> {
    this.#record('restartCamera', id);
    return this.#entry(id).status;
  }

  async setEnabled(id: string, enabled: boolean): Promise<CameraStatus> {
    this.#record('setEnabled', id, enabled);
    const entry = this.#entry(id);
    entry.config = { ...entry.config, enabled };
    entry.status = { ...this.#statusOf(entry.config), streaming: enabled };
    return entry.status;
  }

  async setStreaming(id: string, streaming: boolean): Promise<CameraStatus> {
    this.#record('setStreaming', id, streaming);
    const entry = this.#entry(id);
    entry.status = { ...entry.status, streaming, state: streaming ? 'ONLINE' : 'OFFLINE' };
    return entry.status;
  }

  events(query: EventQuery): EventPage {
    this.#record('events', query);
    if (this.storage) return this.storage.events.query(query);
    const events = this.recentEvents
      .filter((e) => (query.camera === undefined || e.camera === query.camera) && (query.label === undefined || e.label === query.label))
      .slice(0, query.limit)
      .map((e) => ({ ...e, clip: null }));
    return { events, nextCursor: null };
  }

  tracks(query: TrackQuery): TrackPage {
    this.#record('tracks', query);
    return this.storage ? this.storage.tracks.page(query) : { tracks: [], nextCursor: null };
  }

  event(id: string): EventDetail | undefined {
    const stored = this.storage ? this.storage.events.get(id) : this.recentEvents.find((e) => e.id === id);
    return stored && { clip: null, ...stored, uploads: [] };
  }

  retryUploads(eventId: string | null): number {
    this.#record('retryUploads', eventId);
    throw new RequestError('E_NOT_FOUND', 'Uploads are off: nothing to retry (set storage.upload.enabled and a target)');
  }

  async latestFrame(camera: string): Promise<LatestFrameJpeg | null> {
    if (this.camera(camera) === undefined) throw new CameraNotFoundError(camera);
    return null;
  }

  async snapshot(eventId: string): Promise<Buffer | null> {
    if (this.recorder) return this.recorder.snapshot(eventId);
    return this.snapshots.get(eventId) ?? null;
  }

  async frame(eventId: string): Promise<Buffer | null> {
    if (this.recorder) return this.recorder.frame(eventId);
    return this.frames.get(eventId) ?? null;
  }

  /** Clip files by camera id or event id (a test puts a real file here). */
  readonly clipFiles = new Map<string, string>();

  async clip(camera: string, fromMs: number, toMs: number): Promise<ClipFile> {
    this.#record('clip', camera, fromMs, toMs);
    this.#entry(camera);
    const file = this.clipFiles.get(camera);
    if (file === undefined) throw new RequestError('E_NOT_FOUND', `No recording of camera '${camera}'`);
    return { path: file, fromMs, toMs };
  }

  async eventClip(eventId: string): Promise<ClipFile> {
    this.#record('eventClip', eventId);
    const file = this.clipFiles.get(eventId);
    if (file === undefined) throw new RequestError('E_NOT_FOUND', `No event with id '${eventId}'`);
    return { path: file, fromMs: 0, toMs: 0 };
  }

  /** Outputs' problems raise the status and add their reasons, as the real site's do. */
  health(): HealthReport {
    const cameras = this.cameras();
    const problems = [...this.#healthChecks].flatMap((check) => check() ?? []);
    const rank = { healthy: 0, degraded: 1, critical: 2 } as const;
    const status = problems.reduce<HealthLevel>((level, p) => (rank[p.level] > rank[level] ? p.level : level), this.healthLevel);
    return {
      status,
      reasons: [...(this.healthLevel === 'healthy' ? [] : ['inference at capacity']), ...problems.map((p) => p.reason)],
      streams: {
        online: cameras.filter((c) => c.state === 'ONLINE').length,
        total: cameras.length,
        enabled: cameras.filter((c) => c.enabled).length,
      },
      inference: { backend: 'motion', degraded: false, atCapacity: this.healthLevel !== 'healthy', reason: null },
      system: { rssBytes: 1, heapUsedBytes: 1, loadAverage1m: 0.5, cores: 2, diskFreeBytes: null },
      cameras: cameras.map((c) => ({ id: c.id, state: c.state, health: 'healthy' as const })),
      uptimeMs: 1234,
    };
  }

  addHealthCheck(check: () => HealthProblem | null): () => void {
    this.#healthChecks.add(check);
    return () => this.#healthChecks.delete(check);
  }

  labels(): ReadonlySet<string> {
    return LABELS;
  }

  onEvent(listener: Listener<EventMessage>): () => void {
    this.#events.add(listener);
    return () => this.#events.delete(listener);
  }

  onDetections(listener: Listener<DetectionsMessage>): () => void {
    this.#detections.add(listener);
    return () => this.#detections.delete(listener);
  }

  onTransition(listener: Listener<CameraTransition>): () => void {
    this.#transitions.add(listener);
    return () => this.#transitions.delete(listener);
  }

  onCameraRemoved(listener: Listener<string>): () => void {
    this.#removed.add(listener);
    return () => this.#removed.delete(listener);
  }

  /** How many listeners follow the site (the outputs unsubscribe when they close). */
  get listeners(): number {
    return this.#events.size + this.#detections.size + this.#transitions.size + this.#removed.size;
  }

  emitEvent(message: EventMessage): void {
    this.recorder?.record(message);
    for (const listener of this.#events) listener(message);
  }

  emitDetections(message: DetectionsMessage): void {
    for (const listener of this.#detections) listener(message);
  }

  emitTransition(transition: CameraTransition): void {
    for (const listener of this.#transitions) listener(transition);
  }
}

/** An event of `camera` and `label`; ids are unique per (camera, label, n). */
export function sampleEvent(camera: string, label: string, n = 1, jpeg: string | null = null): DetectionEvent {
  return {
    id: `1700000000000-${camera}-${label}-${n}`,
    camera,
    label,
    score: 0.9,
    box: { x: 1, y: 2, width: 30, height: 40 },
    trackId: n,
    startMs: 1_700_000_000_000 + n,
    endMs: null,
    zones: [],
    face: null,
    bestShot:
      jpeg === null
        ? null
        : {
            quality: 15,
            score: 0.9,
            sharpness: 6,
            brightness: 120,
            box: { x: 1, y: 2, width: 30, height: 40 },
            region: { x: 0, y: 0, width: 32, height: 44 },
            truncated: false,
            occlusion: 0,
            face: null,
            timeMs: 1_700_000_000_000,
            jpeg,
            frameJpeg: null,
          },
  };
}
