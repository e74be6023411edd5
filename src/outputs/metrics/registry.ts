/**
 * The Prometheus registry served on `/metrics`. Every family reads the gateway's existing counters when
 * scraped (nothing is observed per frame here) from the sources in sources.ts. Camera ids are the only
 * camera label: a URL never becomes a label value, so credentials cannot leak into a scrape.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsSources } from './sources.ts';
import { registerCameraMetrics } from './cameras.ts';
import { registerHeapTrimMetrics } from './heap-trim.ts';
import { registerInferenceMetrics } from './inference.ts';
import { registerLiveMetrics } from './live.ts';
import { registerOutputMetrics } from './outputs.ts';
import { registerRecordingMetrics } from './recording.ts';
import { registerUploadMetrics } from './upload.ts';

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
      queueMicrotask(() => {
        cached = null;
      });
    }
    return cached.value;
  };
}

export function createMetrics(sources: MetricsSources, options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters (promtool flags them); each is the sum of its nodejs_active_* gauge by type.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
      registry.removeSingleMetric(name);
  }
  const cameras = oncePerScrape(() => sources.cameras());
  registerCameraMetrics(registry, cameras);
  registerInferenceMetrics(
    registry,
    oncePerScrape(() => sources.inference()),
  );
  registerOutputMetrics(registry, {
    decisions: oncePerScrape(() => sources.decisions()),
    detections: oncePerScrape(() => sources.detections()),
    mqtt: oncePerScrape(() => sources.mqtt()),
    ws: oncePerScrape(() => sources.ws()),
  });
  const recording = sources.recording;
  if (recording)
    registerRecordingMetrics(
      registry,
      oncePerScrape(() => recording()),
    );
  const upload = sources.upload;
  if (upload)
    registerUploadMetrics(
      registry,
      oncePerScrape(() => upload()),
    );
  const live = sources.live;
  if (live)
    registerLiveMetrics(
      registry,
      oncePerScrape(() => live()),
    );
  const heapTrim = sources.heapTrim;
  if (heapTrim) registerHeapTrimMetrics(registry, heapTrim);
  return registry;
}
