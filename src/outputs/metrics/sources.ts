/**
 * What the `/metrics` registry reads when scraped: plain data, so the process wiring can implement it
 * over the Gateway, the InferenceHub and the MQTT/WebSocket outputs (src/site/metrics-sources.ts) and
 * tests can hand in fixed numbers.
 */
import type { STAGE_NAMES } from '../../channel/stats.ts';
import type { HistogramSnapshot } from '../../stats/latency-histogram.ts';
import type { CameraMetrics } from '../../coordinator/camera-metrics.ts';
import type { CameraState } from '../../coordinator/camera-state.ts';
import type { CircuitState } from '../../resilience/circuit-breaker.ts';
import type { DecisionCounters } from '../../analytics/decisions/counters.ts';
import type { FramePoolStats } from '../../analytics/frame-pool.ts';
import type { InferencePoolStats } from '../../inference/pool.ts';
import type { MqttOutputStats } from '../mqtt/publisher.ts';

export type StageName = (typeof STAGE_NAMES)[number];

export interface CameraSample {
  metrics: CameraMetrics;
  /** Slots in the camera's frame ring (occupancy is exported as a share of them). */
  ringSlots: number;
  circuit: CircuitState;
  /** Transitions into each state since the camera was added. */
  transitionsInto: ReadonlyMap<CameraState, number>;
  /** The channel worker's latency histograms (milliseconds, LATENCY_BUCKETS_MS). */
  latency: Record<StageName, HistogramSnapshot>;
}

/** Crops a camera lost before inference, by reason (crop slab and scheduler counters). */
export type CropDropReason = 'queue_full' | 'in_flight_full' | 'rate_limited';

export interface InferenceQueueSample {
  camera: string;
  /** Candidates waiting in the scheduler now. */
  pending: number;
  /** Crops the channel worker wrote into the slab. */
  committed: number;
  dropped: Record<CropDropReason, number>;
}

export interface InferenceSample {
  pool: Pick<
    InferencePoolStats,
    'backend' | 'counters' | 'breaker' | 'degraded' | 'utilization' | 'queueWaitMs' | 'runMs' | 'captureToResultMs'
  >;
  atCapacity: boolean;
  queues: InferenceQueueSample[];
  /** The whole-frame buffers kept for best shots (src/analytics/frame-pool.ts): free bytes now, and what became of buffers. */
  framePool: { freeBytes: number; stats: FramePoolStats };
}

export interface WebSocketSample {
  clients: number;
  /** Messages not sent to a client, by reason (slow client backpressure, ...). */
  dropped: Readonly<Record<string, number>>;
  /** Cameras and labels held in every client's filter. */
  filterEntries: number;
  /** uWS topics every client is subscribed to. */
  topics: number;
  /** Subscribes refused, by reason (unknown_camera, unknown_label, limit). */
  subscribesRejected: Readonly<Record<string, number>>;
}

/** Live video (src/live/live-video.ts LiveStats). */
export interface LiveSample {
  cameras: Readonly<Record<string, { viewers: number; running: boolean; starts: number; skips: number; dropped: number; sent: number }>>;
  refused: Readonly<Record<string, number>>;
}

export interface RecordingSample {
  /** Per camera: segments filed, recorder failures by reason, segments and bytes on disk now. */
  cameras: Array<{ camera: string; segments: number; failures: Readonly<Record<string, number>>; onDisk: number; bytesOnDisk: number }>;
  /** Deleted segments and their bytes, by camera and reason (not_kept, retention, disk_guard, incomplete). */
  deleted: Array<{ camera: string; reason: string; segments: number; bytes: number }>;
  disk: { freeBytes: number; limitBytes: number } | null;
}

export interface UploadSample {
  /** By kind (snapshot, clip). */
  uploaded: Readonly<Record<string, number>>;
  bytes: Readonly<Record<string, number>>;
  retries: Readonly<Record<string, number>>;
  failed: Readonly<Record<string, number>>;
  /** Uploads done by how their SHA-256 was verified: sha256-response, sha256-head, sha256-read-back. */
  verified: Readonly<Record<string, number>>;
  /** Rows by state: pending, uploading, failed. */
  queue: Readonly<Record<string, number>>;
}

/** The process's periodic heap trims (src/site/heap-trim.ts). */
export interface HeapTrimSample {
  passes: number;
  released: number;
  busyMs: number;
}

export interface MetricsSources {
  cameras(): CameraSample[];
  /** Null when the site runs without inference. */
  inference(): InferenceSample | null;
  /** The decision engine's counters, one entry a camera. */
  decisions(): Array<{ camera: string; counters: DecisionCounters }>;
  /** Detections after tracking, counted by camera and label. */
  detections(): Array<{ camera: string; label: string; count: number }>;
  mqtt(): MqttOutputStats | null;
  ws(): WebSocketSample | null;
  /** Null when nothing records. */
  recording?(): RecordingSample | null;
  /** Null when uploads are off. */
  upload?(): UploadSample | null;
  /** Null when live video is not served. */
  live?(): LiveSample | null;
  /** Absent when the process does not trim its heap (a Site run without the CLI). */
  heapTrim?(): HeapTrimSample | null;
}
