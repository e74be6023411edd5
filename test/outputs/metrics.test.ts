import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { emptyCounters } from '../../src/analytics/decisions/counters.ts';
import { cameraDecisionsSchema } from '../../src/analytics/decisions/options.ts';
import { LATENCY_BUCKETS_MS, type HistogramSnapshot } from '../../src/stats/latency-histogram.ts';
import { Gateway } from '../../src/coordinator/gateway.ts';
import { InferenceHub } from '../../src/coordinator/inference-hub.ts';
import { CropSlabWriter } from '../../src/inference/crop-writer.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { createMetrics } from '../../src/outputs/metrics/registry.ts';
import type { InferenceSample, MetricsSources } from '../../src/outputs/metrics/sources.ts';
import { gatewayCameraSamples, hubInferenceSample } from '../../src/site/metrics-sources.ts';
import type { MqttOutputStats } from '../../src/outputs/mqtt/publisher.ts';
import { analysis, cameraSpec, lavfiSpec } from '../support/cameras.ts';
import { waitFor } from '../support/wait.ts';
import { scrape, seriesOf, valueOf } from './scrape.ts';

const logger = pino({ level: process.env['PANOPTES_TEST_LOG'] ?? 'silent' });
const SECRET = 'Hunter2-Secret';
const DEAD_URL = `rtsp://opsuser:${SECRET}@127.0.0.1:9/stream`;
let gateway: Gateway;

/** A histogram with `perBucket[i]` observations in bucket i (ms), the last one being +Inf. */
function histogram(perBucket: number[], sumMs: number): HistogramSnapshot {
  const buckets = Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, (_, i) => perBucket[i] ?? 0);
  return { buckets, sum: sumMs, count: buckets.reduce((a, b) => a + b, 0) };
}

const INFERENCE: InferenceSample = {
  pool: {
    backend: { type: 'onnx', tensor: null, maxBatch: 8, faces: { model: 'blazeface-back-256', error: null } },
    counters: {
      tasks: 40,
      failedTasks: 2,
      workerExits: 1,
      crops: 300,
      fallbackCrops: 12,
      shortCircuited: 3,
      faceSearches: 50,
      facesFound: 20,
      faceMs: 400,
    },
    breaker: 'half_open',
    degraded: true,
    utilization: 0.25,
    runMs: histogram([0, 0, 0, 4, 6], 80),
    queueWaitMs: histogram([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 9000),
    captureToResultMs: histogram([], 0),
  },
  atCapacity: true,
  framePool: { freeBytes: 691200, stats: { allocated: 7, reused: 40, decayed: 2, overflowed: 1 } },
  queues: [{ camera: 'gate', pending: 3, committed: 120, dropped: { queue_full: 5, in_flight_full: 1, rate_limited: 7 } }],
};

const MQTT: MqttOutputStats = {
  connected: true,
  connects: 2,
  published: { events: 10, alerts: 1, detections: 500, status: 4, health: 3, metrics: 2 },
  dropped: { detections_disconnected: 6, detections_backpressure: 0, periodic_disconnected: 1, outbox_full: 0 },
  outbox: {
    depth: 4,
    appended: 14,
    acked: 10,
    droppedOldest: 0,
    corruptLines: 0,
    recovered: 0,
    inFlight: 1,
    degraded: { reason: 'disk_full', code: 'ENOSPC', message: 'ENOSPC: no space left on device, write', sinceMs: 1 },
    bypassed: { disk_full: 3, read_only: 0, permission_denied: 0, io_error: 0, other: 0 },
  },
  control: { handled: 5, rejected: 2 },
  callbackErrors: 1,
};

/** Real cameras from the gateway; plain numbers for what this test does not run. */
function sources(overrides: Partial<MetricsSources> = {}): MetricsSources {
  const gateCounters = emptyCounters();
  gateCounters.published.start = 3;
  gateCounters.published.end = 2;
  gateCounters.filtered.score = 9;
  gateCounters.dropped.global_limit.start = 4;
  return {
    cameras: () => gatewayCameraSamples(gateway),
    inference: () => INFERENCE,
    decisions: () => [{ camera: 'gate', counters: gateCounters }],
    detections: () => [
      { camera: 'gate', label: 'person', count: 17 },
      { camera: 'yard', label: 'car', count: 4 },
    ],
    mqtt: () => MQTT,
    ws: () => ({
      clients: 3,
      dropped: { backpressure: 11 },
      filterEntries: 40,
      topics: 12,
      subscribesRejected: { unknown_camera: 2, unknown_label: 0, limit: 1 },
    }),
    ...overrides,
  };
}

before(async () => {
  gateway = new Gateway({ ffmpeg: resolveFfmpeg(), logger, workers: 1 });
  gateway.start();
  await gateway.addCamera(lavfiSpec('gate'), analysis());
  await gateway.addCamera(lavfiSpec('yard'), analysis());
  await gateway.addCamera(
    cameraSpec('dead', DEAD_URL, {
      backoff: { initialMs: 100, factor: 2, maxMs: 400, jitter: 0 },
      circuit: { failureThreshold: 2, openMs: 60_000, halfOpenMaxTrials: 1, successThreshold: 2 },
    }),
    analysis(),
  );
  await waitFor('both synthetic cameras online', () => ['gate', 'yard'].every((id) => gateway.camera(id)?.actor.state === 'ONLINE'));
  await waitFor('the dead camera opens its circuit', () => gateway.camera('dead')?.actor.state === 'CIRCUIT_OPEN');
});
after(() => gateway.stop());

test('frames received and analysed are counted per camera and grow between scrapes', async () => {
  const registry = createMetrics(sources());
  const first = await scrape(registry);
  const received = valueOf(first, 'panoptes_frames_received_total', { camera: 'gate' });
  await waitFor('more frames', () => (gateway.metrics('gate')?.framesAnalysed ?? 0) > received + 5);
  const second = await scrape(registry);
  assert.ok(valueOf(second, 'panoptes_frames_received_total', { camera: 'gate' }) > received);
  assert.ok(
    valueOf(second, 'panoptes_frames_analysed_total', { camera: 'gate' }) >
      valueOf(first, 'panoptes_frames_analysed_total', { camera: 'gate' }),
  );
  assert.equal(valueOf(second, 'panoptes_frames_received_total', { camera: 'dead' }), 0);
  assert.deepEqual(
    seriesOf(second, 'panoptes_frames_dropped_total', { camera: 'yard' })
      .map((s) => s.labels['reason'])
      .sort(),
    ['incomplete', 'ring_full'],
  );
  const occupancy = valueOf(second, 'panoptes_ring_occupancy_ratio', { camera: 'gate' });
  assert.ok(occupancy >= 0 && occupancy <= 1);
});

test('each camera has exactly one current lifecycle state and one current circuit state', async () => {
  const text = await scrape(createMetrics(sources()));
  for (const id of ['gate', 'yard', 'dead']) {
    const states = seriesOf(text, 'panoptes_camera_state', { camera: id });
    assert.equal(states.length, 6, `${id}: one series a lifecycle state`);
    assert.deepEqual(states.filter((s) => s.value === 1).length, 1, `${id}: exactly one current state`);
    const circuit = seriesOf(text, 'panoptes_camera_circuit_state', { camera: id });
    assert.deepEqual(circuit.filter((s) => s.value === 1).length, 1, `${id}: exactly one circuit state`);
  }
  assert.equal(valueOf(text, 'panoptes_camera_state', { camera: 'gate', state: 'ONLINE' }), 1);
  assert.equal(valueOf(text, 'panoptes_camera_state', { camera: 'dead', state: 'CIRCUIT_OPEN' }), 1);
  assert.equal(valueOf(text, 'panoptes_camera_circuit_state', { camera: 'dead', state: 'open' }), 1);
  assert.equal(valueOf(text, 'panoptes_camera_circuit_state', { camera: 'gate', state: 'closed' }), 1);
});

test('a failing camera shows its reconnects and its transitions into each state', async () => {
  const text = await scrape(createMetrics(sources()));
  assert.ok(valueOf(text, 'panoptes_camera_reconnects_total', { camera: 'dead' }) >= 1);
  assert.equal(valueOf(text, 'panoptes_camera_reconnects_total', { camera: 'gate' }), 0);
  assert.ok(valueOf(text, 'panoptes_camera_transitions_total', { camera: 'dead', state: 'CONNECTING' }) >= 2);
  assert.equal(valueOf(text, 'panoptes_camera_transitions_total', { camera: 'dead', state: 'CIRCUIT_OPEN' }), 1);
  assert.equal(valueOf(text, 'panoptes_camera_transitions_total', { camera: 'gate', state: 'ONLINE' }), 1);
});

test('stage latency histograms are cumulative, in seconds, with the count equal to the +Inf bucket', async () => {
  const text = await scrape(createMetrics(sources()));
  const labels = { camera: 'gate', stage: 'capture_to_motion' };
  const buckets = seriesOf(text, 'panoptes_stage_latency_seconds_bucket', labels);
  assert.deepEqual(
    buckets.map((b) => b.labels['le']),
    [...LATENCY_BUCKETS_MS.map((ms) => String(ms / 1000)), '+Inf'],
  );
  buckets.slice(1).forEach((b, i) => assert.ok(b.value >= (buckets[i]?.value ?? 0), 'buckets never decrease'));
  const count = valueOf(text, 'panoptes_stage_latency_seconds_count', labels);
  assert.ok(count > 0);
  assert.equal(count, buckets.at(-1)?.value);
  const meanSeconds = valueOf(text, 'panoptes_stage_latency_seconds_sum', labels) / count;
  assert.ok(meanSeconds > 0 && meanSeconds < 2.5, `a mean latency in seconds, not milliseconds (got ${meanSeconds})`);
  const stages = new Set(seriesOf(text, 'panoptes_stage_latency_seconds_count', { camera: 'yard' }).map((s) => s.labels['stage']));
  assert.deepEqual([...stages].sort(), ['capture_to_motion', 'capture_to_ring', 'motion_to_candidates', 'ring_to_motion']);
});

test("inference, event, detection, MQTT and WebSocket families carry the sources' numbers", async () => {
  const text = await scrape(createMetrics(sources()));
  assert.equal(valueOf(text, 'panoptes_inference_crops_total', { source: 'backend' }), 300);
  assert.equal(valueOf(text, 'panoptes_inference_crops_total', { source: 'fallback' }), 12);
  assert.equal(valueOf(text, 'panoptes_inference_task_failures_total', {}), 2);
  assert.equal(valueOf(text, 'panoptes_inference_face_searches_total', { result: 'found' }), 20);
  assert.equal(valueOf(text, 'panoptes_inference_face_searches_total', { result: 'none' }), 30);
  assert.equal(valueOf(text, 'panoptes_inference_face_seconds_total', {}), 0.4);
  assert.equal(valueOf(text, 'panoptes_inference_circuit_state', { state: 'half_open' }), 1);
  assert.equal(valueOf(text, 'panoptes_inference_degraded', {}), 1);
  assert.equal(valueOf(text, 'panoptes_inference_at_capacity', {}), 1);
  assert.equal(valueOf(text, 'panoptes_best_shot_frame_pool_bytes', {}), 691200);
  assert.equal(valueOf(text, 'panoptes_best_shot_frame_buffers_total', { outcome: 'reused' }), 40);
  assert.equal(valueOf(text, 'panoptes_best_shot_frame_buffers_total', { outcome: 'overflowed' }), 1);
  assert.equal(valueOf(text, 'panoptes_inference_backend_info', { backend: 'onnx' }), 1);
  assert.equal(valueOf(text, 'panoptes_inference_duration_seconds_bucket', { le: '0.005' }), 4);
  assert.equal(valueOf(text, 'panoptes_inference_duration_seconds_bucket', { le: '0.01' }), 10);
  assert.equal(valueOf(text, 'panoptes_inference_duration_seconds_sum', {}), 0.08);
  assert.equal(valueOf(text, 'panoptes_inference_queue_wait_seconds_bucket', { le: '2.5' }), 2);
  assert.equal(valueOf(text, 'panoptes_inference_queue_wait_seconds_bucket', { le: '+Inf' }), 4);
  assert.equal(valueOf(text, 'panoptes_inference_queue_depth', { camera: 'gate' }), 3);
  assert.equal(valueOf(text, 'panoptes_inference_crops_dropped_total', { camera: 'gate', reason: 'rate_limited' }), 7);
  assert.equal(valueOf(text, 'panoptes_detections_total', { camera: 'gate', label: 'person' }), 17);
  assert.equal(valueOf(text, 'panoptes_events_total', { camera: 'gate', type: 'start' }), 3);
  assert.equal(valueOf(text, 'panoptes_events_total', { camera: 'gate', type: 'update' }), 0);
  assert.equal(valueOf(text, 'panoptes_event_observations_filtered_total', { camera: 'gate', reason: 'score' }), 9);
  assert.equal(valueOf(text, 'panoptes_event_messages_rate_limited_total', { camera: 'gate', reason: 'global_limit', type: 'start' }), 4);
  assert.equal(valueOf(text, 'panoptes_mqtt_outbox_depth', {}), 4);
  assert.equal(valueOf(text, 'panoptes_mqtt_messages_published_total', { kind: 'detections' }), 500);
  assert.equal(valueOf(text, 'panoptes_mqtt_messages_dropped_total', { reason: 'detections_disconnected' }), 6);
  assert.equal(valueOf(text, 'panoptes_mqtt_control_requests_total', { outcome: 'rejected' }), 2);
  assert.equal(valueOf(text, 'panoptes_mqtt_outbox_degraded', {}), 1);
  assert.equal(valueOf(text, 'panoptes_mqtt_outbox_bypassed_total', { reason: 'disk_full' }), 3);
  assert.equal(valueOf(text, 'panoptes_mqtt_callback_errors_total', {}), 1);
  assert.equal(valueOf(text, 'panoptes_ws_clients', {}), 3);
  assert.equal(valueOf(text, 'panoptes_ws_dropped_messages_total', { reason: 'backpressure' }), 11);
  assert.equal(valueOf(text, 'panoptes_ws_filter_entries', {}), 40);
  assert.equal(valueOf(text, 'panoptes_ws_topics', {}), 12);
  assert.equal(valueOf(text, 'panoptes_ws_subscribes_rejected_total', { reason: 'limit' }), 1);
});

test("process metrics and event-loop lag are exported alongside the gateway's own", async () => {
  const text = await scrape(createMetrics(sources()));
  assert.ok(valueOf(text, 'process_resident_memory_bytes', {}) > 0);
  assert.ok(seriesOf(text, 'nodejs_eventloop_lag_seconds', {}).length === 1);
  assert.ok(seriesOf(text, 'nodejs_eventloop_lag_p99_seconds', {}).length === 1);
});

test("the process's heap trims are exported when it trims, and absent otherwise", async () => {
  const text = await scrape(createMetrics(sources({ heapTrim: () => ({ passes: 3, released: 2, busyMs: 40 }) })));
  assert.equal(valueOf(text, 'panoptes_heap_trims_total', {}), 3);
  assert.equal(valueOf(text, 'panoptes_heap_trim_seconds_total', {}), 0.04);
  assert.doesNotMatch(await scrape(createMetrics(sources())), /panoptes_heap_trim/);
});

test('a site without inference, MQTT or WebSocket exports those families without series', async () => {
  const text = await scrape(createMetrics(sources({ inference: () => null, mqtt: () => null, ws: () => null })));
  for (const name of [
    'panoptes_inference_tasks_total',
    'panoptes_inference_duration_seconds_count',
    'panoptes_inference_degraded',
    'panoptes_mqtt_outbox_depth',
    'panoptes_mqtt_connected',
    'panoptes_ws_clients',
    'panoptes_ws_dropped_messages_total',
  ]) {
    assert.deepEqual(seriesOf(text, name, {}), [], name);
  }
  assert.match(text, /^# TYPE panoptes_inference_duration_seconds histogram$/m);
  assert.ok(seriesOf(text, 'panoptes_frames_received_total', {}).length === 3, 'camera families are unaffected');
});

test('the scrape passes promtool check metrics with no problem reported', async () => {
  const heapTrim = () => ({ passes: 1, released: 1, busyMs: 12 });
  for (const overrides of [{ heapTrim }, { inference: () => null, mqtt: () => null, ws: () => null }]) {
    const text = await scrape(createMetrics(sources(overrides)));
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool runs (Debian package prometheus, see test/scripts/ensure-test-deps.sh)');
    assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'no lint problem reported');
    assert.equal(check.status, 0);
  }
});

test('camera URLs and their credentials never appear in the scrape', async () => {
  const text = await scrape(createMetrics(sources()));
  assert.ok(seriesOf(text, 'panoptes_camera_state', { camera: 'dead' }).length > 0, 'the camera with credentials is exported');
  assert.doesNotMatch(text, new RegExp(SECRET));
  assert.doesNotMatch(text, /opsuser|rtsp:|lavfi:|testsrc2/);
});

test('one scrape reads each source once, and the next scrape reads it again', async () => {
  let reads = 0;
  const registry = createMetrics(
    sources({
      cameras: () => {
        reads++;
        return gatewayCameraSamples(gateway);
      },
    }),
    { defaultMetrics: false },
  );
  await scrape(registry);
  assert.equal(reads, 1);
  await scrape(registry);
  assert.equal(reads, 2);
});

test('a removed camera disappears from the next scrape', async () => {
  const registry = createMetrics(sources(), { defaultMetrics: false });
  await gateway.addCamera(lavfiSpec('temp'), analysis());
  assert.ok(seriesOf(await scrape(registry), 'panoptes_camera_state', { camera: 'temp' }).length > 0);
  await gateway.removeCamera('temp');
  assert.deepEqual(seriesOf(await scrape(registry), 'panoptes_camera_state', { camera: 'temp' }), []);
  assert.deepEqual(seriesOf(await scrape(registry), 'panoptes_stage_latency_seconds_count', { camera: 'temp' }), []);
});

test('a running InferenceHub reports its committed, inferred and dropped crops', async () => {
  const hub = await InferenceHub.start({
    pool: { backend: { type: 'motion' }, threads: 1 },
    scheduler: { maxRatePerCamera: Infinity },
    queueDepth: 2,
    decisions: { rateLimit: null },
    publisher: { publish: () => {} },
    logger,
  });
  try {
    const { slab } = hub.addCamera('gate', null, cameraDecisionsSchema.parse({}));
    const writer = new CropSlabWriter(slab);
    const region = { x: 0, y: 0, width: 10, height: 10 };
    // Three crops into two slots before the scheduler runs: the oldest is overwritten (queue_full).
    const notices = [1, 2, 3].map((i) => {
      const slot = writer.acquire();
      const captureMs = performance.timeOrigin + performance.now();
      return {
        camera: 'gate',
        slot,
        seq: writer.commit(slot, captureMs),
        captureMs,
        regionCount: 1,
        region,
        contrast: 50 + i,
        motion: [{ ...region, area: 50 }],
        mapping: { roi: region, scaleX: 1, scaleY: 1, padX: 0, padY: 0, contentWidth: 10, contentHeight: 10 },
      };
    });
    notices.forEach((n) => hub.submit(n));
    await waitFor('crops inferred', () => hub.pool.stats().counters.crops >= 2);
    const text = await scrape(createMetrics(sources({ inference: () => hubInferenceSample(hub, ['gate']) }), { defaultMetrics: false }));
    assert.equal(valueOf(text, 'panoptes_inference_crops_committed_total', { camera: 'gate' }), 3);
    assert.equal(valueOf(text, 'panoptes_inference_crops_dropped_total', { camera: 'gate', reason: 'queue_full' }), 1);
    assert.ok(valueOf(text, 'panoptes_inference_crops_total', { source: 'backend' }) >= 2);
    assert.equal(valueOf(text, 'panoptes_inference_backend_info', { backend: 'motion' }), 1);
    assert.equal(valueOf(text, 'panoptes_inference_circuit_state', { state: 'closed' }), 1);
    assert.ok(valueOf(text, 'panoptes_inference_duration_seconds_count', {}) >= 1);
  } finally {
    await hub.close();
  }
});
