/**
 * The Prometheus registry served on `/metrics`. Every family reads the gateway's existing counters when
 * scraped (nothing is observed per frame here); the sources are plain data so the process wiring can
 * implement them over the Gateway, the InferenceHub and the MQTT/WebSocket outputs (see
 * src/site/metrics-sources.ts), and tests can hand in fixed numbers. Camera ids are the only camera label: a URL
 * never becomes a label value, so credentials cannot leak into a scrape.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { STAGE_NAMES, type HistogramSnapshot } from '../channel/stats.ts';
import type { CameraMetrics } from '../coordinator/camera-metrics.ts';
import { CAMERA_STATES, type CameraState } from '../coordinator/camera-state.ts';
import type { CircuitState } from '../coordinator/circuit-breaker.ts';
import type { DecisionCounters } from '../analytics/decisions/counters.ts';
import type { InferencePoolStats } from '../inference/pool.ts';
import type { MqttOutputStats } from './mqtt/publisher.ts';
import { registerInferenceMetrics } from './metrics-inference.ts';
import { registerOutputMetrics } from './metrics-outputs.ts';
import { CIRCUIT_STATES, SnapshotHistogram, counterFamily, gaugeFamily, stateSetSamples, type Sample } from './metric-families.ts';

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
  pool: Pick<InferencePoolStats, 'backend' | 'counters' | 'breaker' | 'degraded' | 'utilization' | 'queueWaitMs' | 'runMs' | 'captureToResultMs'>;
  atCapacity: boolean;
  queues: InferenceQueueSample[];
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
}

export interface MetricsOptions {
  /** Process and Node.js metrics (CPU, memory, GC, event-loop lag); default true. */
  defaultMetrics?: boolean;
}

/**
 * Reads a source once a scrape: every family's collect runs in the same synchronous stretch of
 * `registry.metrics()`, so the cached value is dropped on the next microtask and a scrape sees one
 * consistent reading. Correctness does not depend on it: a later caller would just read again.
 */
export function oncePerScrape<T>(read: () => T): () => T {
  let cached: { value: T } | null = null;
  return () => {
    if (cached === null) {
      cached = { value: read() };
      queueMicrotask(() => { cached = null; });
    }
    return cached.value;
  };
}

export function createMetrics(sources: MetricsSources, options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters (promtool flags them); each is the sum of its nodejs_active_* gauge by type.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  }
  const cameras = oncePerScrape(() => sources.cameras());
  registerCameraMetrics(registry, cameras);
  registerInferenceMetrics(registry, oncePerScrape(() => sources.inference()));
  registerOutputMetrics(registry, {
    decisions: oncePerScrape(() => sources.decisions()),
    detections: oncePerScrape(() => sources.detections()),
    mqtt: oncePerScrape(() => sources.mqtt()),
    ws: oncePerScrape(() => sources.ws()),
  });
  return registry;
}

function registerCameraMetrics(registry: Registry, cameras: () => CameraSample[]): void {
  const perCamera = (value: (c: CameraSample) => number) => (): Array<Sample<'camera'>> =>
    cameras().map((c) => ({ labels: { camera: c.metrics.camera }, value: value(c) }));
  const labelNames = ['camera'] as const;

  counterFamily({ registry, name: 'panoptes_frames_received_total', help: 'Frames received from ffmpeg into the ring.', labelNames },
    perCamera((c) => c.metrics.framesIn));
  counterFamily({ registry, name: 'panoptes_frames_analysed_total', help: 'Frames analysed by the channel worker (luma, motion).', labelNames },
    perCamera((c) => c.metrics.framesAnalysed));
  counterFamily({
    registry, name: 'panoptes_frames_dropped_total', labelNames: ['camera', 'reason'],
    help: 'Frames lost before analysis: ring_full (the worker fell behind; oldest unread frame overwritten), incomplete (ffmpeg exited mid-frame).',
  }, () => cameras().flatMap((c) => Object.entries(c.metrics.drops).map(([reason, value]) => ({ labels: { camera: c.metrics.camera, reason }, value }))));
  counterFamily({ registry, name: 'panoptes_frame_errors_total', help: 'Frames the channel worker failed to analyse and skipped.', labelNames },
    perCamera((c) => c.metrics.errors));
  counterFamily({ registry, name: 'panoptes_motion_candidates_total', help: 'Candidate regions sent on to inference.', labelNames },
    perCamera((c) => c.metrics.candidates));
  counterFamily({ registry, name: 'panoptes_lighting_changes_total', help: 'Frames skipped because most of the image changed at once (lighting).', labelNames },
    perCamera((c) => c.metrics.lightingChanges));
  gaugeFamily({ registry, name: 'panoptes_motion_ratio', help: 'Share of pixels that changed in the last analysed frame.', labelNames },
    perCamera((c) => c.metrics.motionRatio));
  gaugeFamily({ registry, name: 'panoptes_ring_occupancy_ratio', help: 'Share of the frame ring holding frames not yet analysed.', labelNames },
    perCamera((c) => (c.ringSlots > 0 ? c.metrics.ringOccupancy / c.ringSlots : 0)));
  counterFamily({ registry, name: 'panoptes_camera_reconnects_total', help: 'Reconnect attempts after a failed or stalled stream.', labelNames },
    perCamera((c) => c.metrics.reconnects));
  gaugeFamily({ registry, name: 'panoptes_camera_state', help: 'Camera lifecycle state: 1 for the current state, 0 for the others.', labelNames: ['camera', 'state'] },
    () => cameras().flatMap((c) => stateSetSamples({ camera: c.metrics.camera }, CAMERA_STATES, c.metrics.state)));
  counterFamily({ registry, name: 'panoptes_camera_transitions_total', help: 'Lifecycle transitions into each state.', labelNames: ['camera', 'state'] },
    () => cameras().flatMap((c) => CAMERA_STATES.map((state) => ({ labels: { camera: c.metrics.camera, state }, value: c.transitionsInto.get(state) ?? 0 }))));
  gaugeFamily({ registry, name: 'panoptes_camera_circuit_state', help: 'Camera circuit breaker: 1 for the current state, 0 for the others.', labelNames: ['camera', 'state'] },
    () => cameras().flatMap((c) => stateSetSamples({ camera: c.metrics.camera }, CIRCUIT_STATES, c.circuit)));
  new SnapshotHistogram({
    registry, name: 'panoptes_stage_latency_seconds', labelNames: ['camera', 'stage'],
    help: 'Per-frame latency of each stage: capture_to_ring, ring_to_motion, motion_to_candidates, capture_to_motion (end to end).',
  }, () => cameras().flatMap((c) => STAGE_NAMES.map((stage) => ({ labels: { camera: c.metrics.camera, stage }, snapshot: c.latency[stage] }))));
}
