/**
 * What the outputs (MQTT, HTTP/WebSocket, metrics, health) see of the running gateway: read models,
 * control calls and subscriptions, and nothing of ingest, rings or workers. The process wiring
 * (src/site/) implements it over the Gateway, the InferenceHub and the site config; tests of an output
 * can run against the real implementation with synthetic cameras.
 */
import type { CameraMetrics } from '../coordinator/camera-metrics.ts';
import type { CameraState, CameraTransition } from '../coordinator/camera-state.ts';
import type { EventMessage } from '../analytics/events.ts';
import type { TrackedDetections } from '../analytics/camera-analytics.ts';
import type { EventPage, EventQuery, StoredEvent } from '../storage/event-query.ts';
import type { UploadStatus } from '../storage/upload/queue.ts';

export type { EventPage, EventQuery, StoredEvent } from '../storage/event-query.ts';
export type { UploadStatus } from '../storage/upload/queue.ts';
export type { StoredTrack, TrackPage, TrackQuery } from '../storage/track-store.ts';
import type { TrackPage, TrackQuery } from '../storage/track-store.ts';
import type { LatestFrameJpeg } from '../analytics/latest-frame-jpeg.ts';

/** An event as GET /events/{id} shows it: stored, with the state of its uploads ([] when uploads are off). */
export interface EventDetail extends StoredEvent {
  uploads: UploadStatus[];
}

/** One camera as operators see it. URLs are masked (`rtsp://***:***@host/...`), never resolved. */
export interface CameraStatus {
  id: string;
  name: string;
  channel: number;
  /** Configured on (config `enabled`). */
  enabled: boolean;
  /** Ingest running now (a stream can be stopped at runtime without changing the config). */
  streaming: boolean;
  state: CameraState;
  url: string;
  tags: string[];
  reconnects: number;
  lastError: { kind: string; message: string } | null;
  stream: { codec: string | null; width: number | null; height: number | null; fps: number | null } | null;
  inputFps: number;
  analysedFps: number;
}

/** Live detections of one analysed frame (after tracking: with track ids). */
export type DetectionsMessage = TrackedDetections;

export type HealthLevel = 'healthy' | 'degraded' | 'critical';

export interface HealthReport {
  status: HealthLevel;
  /** Why the status is not healthy, one line each. */
  reasons: string[];
  streams: { online: number; total: number; enabled: number };
  inference: { backend: string; degraded: boolean; atCapacity: boolean; reason: string | null };
  system: { rssBytes: number; heapUsedBytes: number; loadAverage1m: number; cores: number; diskFreeBytes: number | null };
  cameras: Array<{ id: string; state: CameraState; health: HealthLevel }>;
  uptimeMs: number;
  /** Present when the site records (src/site/recording-health.ts). */
  recording?: RecordingHealth;
}

export interface RecorderHealth {
  id: string;
  mode: string;
  /** idle: the camera's ffmpeg is not running; failing: a recent write failure, or no segment while the camera streams. */
  state: 'recording' | 'idle' | 'failing';
  segments: number;
  failures: number;
  lastFailure: string | null;
  /** Wall-clock end of the newest segment (epoch ms). */
  lastSegmentEndMs: number | null;
}

export interface RecordingHealth {
  /** The recordings disk against the disk guard's limits; null before the first check. */
  disk: { freeBytes: number; totalBytes: number; limitBytes: number; warnBytes: number } | null;
  /** Segments the disk guard deleted since start. */
  guardDeletions: number;
  cameras: RecorderHealth[];
}

/** An MP4 clip assembled from recordings, ready to be sent. */
export interface ClipFile {
  path: string;
  fromMs: number;
  toMs: number;
}

/** Something an output reports about itself (the MQTT outbox on a full disk), added to the health report. */
export interface HealthProblem {
  level: Exclude<HealthLevel, 'healthy'>;
  reason: string;
}

export interface SiteControl {
  /**
   * The site is stopping or stopped: calls that need storage, recordings or ingest throw StoppingError
   * (E_STOPPING, HTTP 503), and the HTTP layer answers any other failure of a request with it too.
   */
  readonly stopping: boolean;
  cameras(): CameraStatus[];
  /** Undefined for an unknown id (the HTTP layer answers 404). */
  camera(id: string): CameraStatus | undefined;
  cameraMetrics(id: string): CameraMetrics | undefined;
  /** The camera's config entry; stream URLs pass through maskUrl (`${VAR}` references stay, literal credentials become ***). */
  cameraConfig(id: string): unknown;
  /**
   * Control: bodies are validated here with the config schema (ConfigError -> 400); unknown ids throw
   * CameraNotFoundError (404), an existing id on add CameraExistsError (409). Only that camera restarts.
   */
  addCamera(input: unknown): Promise<CameraStatus>;
  updateCamera(id: string, input: unknown): Promise<CameraStatus>;
  removeCamera(id: string): Promise<void>;
  restartCamera(id: string): Promise<CameraStatus>;
  /** Config `enabled` on/off (kept across reloads of the same file only if the file says so). */
  setEnabled(id: string, enabled: boolean): Promise<CameraStatus>;
  /** Start/stop ingest now without changing the config. */
  setStreaming(id: string, streaming: boolean): Promise<CameraStatus>;
  /** A page of stored events (the events database), filtered and sorted as asked. */
  events(query: EventQuery): EventPage;
  /** A page of a camera's ended tracks (the events database), by first-seen time. */
  tracks(query: TrackQuery): TrackPage;
  /** One stored event with its uploads (storage.upload); undefined for an unknown (or expired) id. */
  event(id: string): EventDetail | undefined;
  /**
   * Failed uploads of one event (or of all, null) queued again from their first try; how many. E_NOT_FOUND
   * when uploads are off (storage.upload.enabled).
   */
  retryUploads(eventId: string | null): number;
  /** The best-shot JPEG of an event, from disk (or from the encoder while its file is written); null when it has none. */
  snapshot(eventId: string): Promise<Buffer | null>;
  /** The full-frame JPEG at the event's best-shot moment, from disk (or from the encoder); null when it has none. */
  frame(eventId: string): Promise<Buffer | null>;
  /** The camera's newest frame as a JPEG; null before its first frame (or while stopped). CameraNotFoundError for an unknown id. */
  latestFrame(camera: string): Promise<LatestFrameJpeg | null>;
  /**
   * The recording of a camera over [fromMs, toMs) as a seekable MP4. CameraNotFoundError for an unknown
   * camera, E_NOT_FOUND when nothing of the range is recorded, E_BUSY when too many clips are assembled.
   */
  clip(camera: string, fromMs: number, toMs: number): Promise<ClipFile>;
  /** An event's clip: its time with the camera's pre- and post-roll; E_NOT_FOUND for an unknown event. */
  eventClip(eventId: string): Promise<ClipFile>;
  health(): HealthReport;
  /** `check` is asked on every health report (null: nothing to report) until the returned function is called. */
  addHealthCheck(check: () => HealthProblem | null): () => void;
  /**
   * The labels detections and events can carry: the detector's class names and `motion` (the motion
   * backend, and the fallback while inference is degraded). Fixed for the life of the site.
   */
  labels(): ReadonlySet<string>;
  onEvent(listener: (message: EventMessage) => void): () => void;
  onDetections(listener: (message: DetectionsMessage) => void): () => void;
  onTransition(listener: (transition: CameraTransition) => void): () => void;
  /** A camera was deleted (API, MQTT control or a reload without it); not called for a restart. */
  onCameraRemoved(listener: (camera: string) => void): () => void;
}
