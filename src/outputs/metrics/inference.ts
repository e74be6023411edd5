/**
 * Inference families of the `/metrics` registry: the pool (tasks, crops by source, latency histograms,
 * its circuit breaker), the overload governor, and each camera's crop queue. Families stay empty when
 * the site runs without inference.
 */
import type { Registry } from 'prom-client';
import type { CropDropReason, InferenceSample } from './sources.ts';
import { CIRCUIT_STATES, SnapshotHistogram, counterFamily, gaugeFamily, stateSetSamples, type Sample } from './families.ts';

const CROP_DROP_REASONS: readonly CropDropReason[] = ['queue_full', 'in_flight_full', 'rate_limited'];

export function registerInferenceMetrics(registry: Registry, inference: () => InferenceSample | null): void {
  const one = (value: (s: InferenceSample) => number) => (): Array<Sample<never>> => {
    const s = inference();
    return s ? [{ labels: {}, value: value(s) }] : [];
  };
  const perQueue = (value: (q: InferenceSample['queues'][number]) => number) => (): Array<Sample<'camera'>> =>
    (inference()?.queues ?? []).map((q) => ({ labels: { camera: q.camera }, value: value(q) }));
  const none = [] as const;

  counterFamily(
    { registry, name: 'panoptes_inference_tasks_total', help: 'Batches sent to the inference workers.', labelNames: none },
    one((s) => s.pool.counters.tasks),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_inference_task_failures_total',
      help: 'Batches whose backend threw or whose worker died (answered by the motion fallback).',
      labelNames: none,
    },
    one((s) => s.pool.counters.failedTasks),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_inference_worker_exits_total',
      help: 'Inference workers that exited while the pool was open.',
      labelNames: none,
    },
    one((s) => s.pool.counters.workerExits),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_inference_short_circuited_batches_total',
      help: 'Batches answered by the motion fallback without a task because the circuit was open.',
      labelNames: none,
    },
    one((s) => s.pool.counters.shortCircuited),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_inference_crops_total',
      help: 'Crops answered, by source: backend (the configured detector) or fallback (motion only).',
      labelNames: ['source'],
    },
    () => {
      const s = inference();
      return s
        ? [
            { labels: { source: 'backend' }, value: s.pool.counters.crops },
            { labels: { source: 'fallback' }, value: s.pool.counters.fallbackCrops },
          ]
        : [];
    },
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_inference_face_searches_total',
      labelNames: ['result'],
      help: 'Head regions of detected persons the face cascade searched, by result: found (a face was attached) or none.',
    },
    () => {
      const s = inference();
      if (!s) return [];
      const { faceSearches, facesFound } = s.pool.counters;
      return [
        { labels: { result: 'found' }, value: facesFound },
        { labels: { result: 'none' }, value: faceSearches - facesFound },
      ];
    },
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_inference_face_seconds_total',
      help: 'Time the face cascade took in the inference workers (part of the detect duration).',
      labelNames: none,
    },
    one((s) => s.pool.counters.faceMs / 1000),
  );
  gaugeFamily(
    { registry, name: 'panoptes_inference_backend_info', help: 'The configured detector backend (always 1).', labelNames: ['backend'] },
    () => {
      const s = inference();
      return s ? [{ labels: { backend: s.pool.backend.type }, value: 1 }] : [];
    },
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_inference_circuit_state',
      help: 'Inference circuit breaker: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
    },
    () => {
      const s = inference();
      return s ? stateSetSamples({}, CIRCUIT_STATES, s.pool.breaker) : [];
    },
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_inference_degraded',
      help: '1 while the backend circuit is not closed and events come from motion only.',
      labelNames: none,
    },
    one((s) => Number(s.pool.degraded)),
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_inference_at_capacity',
      help: '1 while the overload governor lowers analysis rates because inference cannot keep up.',
      labelNames: none,
    },
    one((s) => Number(s.atCapacity)),
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_best_shot_frame_pool_bytes',
      help: "Free whole-frame buffers kept for best shots' full-frame copies (one pool a site; a buffer unused for 10 s is let go).",
      labelNames: none,
    },
    one((s) => s.framePool.freeBytes),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_best_shot_frame_buffers_total',
      help: "Whole-frame buffers for best shots' copies: allocated new, reused from the pool, let go unused (decayed) or over the pool's bound (overflowed).",
      labelNames: ['outcome'],
    },
    () => {
      const s = inference();
      return s ? Object.entries(s.framePool.stats).map(([outcome, value]) => ({ labels: { outcome }, value })) : [];
    },
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_inference_utilization_ratio',
      help: "Share of the inference workers' time spent in tasks since start.",
      labelNames: none,
    },
    one((s) => s.pool.utilization),
  );

  const histogram = (name: string, help: string, pick: (s: InferenceSample) => InferenceSample['pool']['runMs']): void => {
    new SnapshotHistogram({ registry, name, help, labelNames: none }, () => {
      const s = inference();
      return s ? [{ labels: {}, snapshot: pick(s) }] : [];
    });
  };
  histogram('panoptes_inference_duration_seconds', "Duration of one batch's detect call in an inference worker.", (s) => s.pool.runMs);
  histogram(
    'panoptes_inference_queue_wait_seconds',
    'Crop commit in the channel worker to the start of its detect call.',
    (s) => s.pool.queueWaitMs,
  );
  histogram(
    'panoptes_inference_capture_to_result_seconds',
    'Frame capture to detections back on the coordinator, a crop.',
    (s) => s.pool.captureToResultMs,
  );

  gaugeFamily(
    { registry, name: 'panoptes_inference_queue_depth', help: 'Candidates waiting for inference.', labelNames: ['camera'] },
    perQueue((q) => q.pending),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_inference_crops_committed_total',
      help: 'Crops the channel worker wrote for inference.',
      labelNames: ['camera'],
    },
    perQueue((q) => q.committed),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_inference_crops_dropped_total',
      labelNames: ['camera', 'reason'],
      help: 'Crops lost before inference: queue_full (overwritten by a newer crop), in_flight_full (every slot being inferred), rate_limited (over the per-camera rate).',
    },
    () =>
      (inference()?.queues ?? []).flatMap((q) =>
        CROP_DROP_REASONS.map((reason) => ({ labels: { camera: q.camera, reason }, value: q.dropped[reason] })),
      ),
  );
}
