/**
 * The metrics sources read from the running coordinator: camera samples from the Gateway and the
 * inference sample from the InferenceHub. Called on scrape only; each is a handful of counter reads.
 */
import { STAGE_NAMES } from '../channel/stats.ts';
import type { Gateway } from '../coordinator/gateway.ts';
import type { InferenceHub } from '../coordinator/inference-hub.ts';
import { SlabCtrl } from '../inference/crop-slab.ts';
import type { CameraSample, InferenceQueueSample, InferenceSample } from '../outputs/metrics/sources.ts';

export function gatewayCameraSamples(gateway: Gateway): CameraSample[] {
  const samples: CameraSample[] = [];
  for (const { actor, stats } of gateway.list()) {
    const metrics = gateway.metrics(actor.spec.id);
    if (!metrics) continue;
    const latency = Object.fromEntries(STAGE_NAMES.map((name, stage) => [name, stats.histogram(stage)])) as CameraSample['latency'];
    samples.push({
      metrics, ringSlots: actor.ring.slots.length, circuit: actor.breaker.state,
      transitionsInto: actor.transitionsInto, latency,
    });
  }
  return samples;
}

export function hubInferenceSample(hub: InferenceHub, cameraIds: Iterable<string>): InferenceSample {
  const queues: InferenceQueueSample[] = [];
  for (const camera of cameraIds) {
    const slab = hub.camera(camera)?.slab;
    if (!slab) continue;
    const counters = hub.scheduler.counters(camera);
    queues.push({
      camera,
      pending: counters?.pending ?? 0,
      committed: slab.counter(SlabCtrl.Committed),
      dropped: {
        queue_full: slab.counter(SlabCtrl.DroppedQueueFull),
        in_flight_full: slab.counter(SlabCtrl.DroppedInFlight),
        rate_limited: counters?.rateLimited ?? 0,
      },
    });
  }
  return { pool: hub.pool.stats(), atCapacity: hub.governor.atCapacity, queues };
}
