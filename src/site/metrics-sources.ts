/**
 * The metrics sources read from the running coordinator: camera samples from the Gateway and the
 * inference sample from the InferenceHub. Called on scrape only; each is a handful of counter reads.
 */
import { STAGE_NAMES } from '../channel/stats.ts';
import { actorTotals } from '../coordinator/camera-metrics.ts';
import type { Gateway } from '../coordinator/gateway.ts';
import type { InferenceHub } from '../coordinator/inference-hub.ts';
import type { CameraSample, InferenceQueueSample, InferenceSample, RecordingSample } from '../outputs/metrics/sources.ts';
import type { Recordings } from '../storage/recording/recordings.ts';

export function gatewayCameraSamples(gateway: Gateway): CameraSample[] {
  const samples: CameraSample[] = [];
  for (const { actor, stats, carried } of gateway.list()) {
    const metrics = gateway.metrics(actor.spec.id);
    if (!metrics) continue;
    const latency = Object.fromEntries(STAGE_NAMES.map((name, stage) => [name, stats.histogram(stage)])) as CameraSample['latency'];
    samples.push({
      metrics,
      ringSlots: actor.ring.slots.length,
      circuit: actor.breaker.state,
      transitionsInto: actorTotals(actor, carried).transitionsInto,
      latency,
    });
  }
  return samples;
}

export function hubInferenceSample(hub: InferenceHub, cameraIds: Iterable<string>): InferenceSample {
  const queues: InferenceQueueSample[] = [];
  for (const camera of cameraIds) {
    const totals = hub.queueTotals(camera);
    if (!totals) continue;
    queues.push({ camera, pending: hub.scheduler.counters(camera)?.pending ?? 0, ...totals });
  }
  return {
    pool: hub.pool.stats(),
    atCapacity: hub.governor.atCapacity,
    queues,
    framePool: { freeBytes: hub.framePool.freeBytes, stats: { ...hub.framePool.stats } },
  };
}

export function recordingSample(recordings: Recordings): RecordingSample {
  const { store } = recordings;
  const recorders = new Map(recordings.recorders().map((r) => [r.camera, r]));
  const totals = store.totals();
  const cameras = [...new Set([...recorders.keys(), ...totals.keys()])].map((camera) => {
    const r = recorders.get(camera);
    const onDisk = totals.get(camera);
    return {
      camera,
      segments: r?.segments ?? 0,
      failures: r ? { ...r.failures } : {},
      onDisk: onDisk?.segments ?? 0,
      bytesOnDisk: onDisk?.bytes ?? 0,
    };
  });
  const deleted = [...store.deletions()].flatMap(([camera, byReason]) =>
    [...byReason].map(([reason, count]) => ({ camera, reason, segments: count.segments, bytes: count.bytes })),
  );
  const disk = recordings.disk && { freeBytes: recordings.disk.freeBytes, limitBytes: recordings.disk.limitBytes };
  return { cameras, deleted, disk };
}
