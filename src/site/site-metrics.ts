/**
 * The site's Prometheus registry: the metrics module's families over the running Site, its MQTT output
 * and its WebSocket feed. Detections are counted here from the live feed of tracked frames (the only
 * per-frame work, and only for frames that have detections).
 */
import type { Registry } from 'prom-client';
import { createMetrics } from '../outputs/metrics/registry.ts';
import type { WebSocketSample } from '../outputs/metrics/sources.ts';
import type { MqttOutputStats } from '../outputs/mqtt/publisher.ts';
import type { LiveStats } from '../live/live-video.ts';
import type { LiveFeedStats } from '../outputs/ws/live-feed.ts';
import type { HeapTrimStats } from './heap-trim.ts';
import { gatewayCameraSamples, hubInferenceSample, recordingSample } from './metrics-sources.ts';
import type { Site } from './site.ts';

export interface SiteMetricsOutputs {
  mqtt?: () => MqttOutputStats | null;
  ws?: () => LiveFeedStats | null;
  /** Live video (absent: its families are not registered). */
  live?: () => LiveStats | null;
  /** The process's heap trims (absent: not registered). */
  heapTrim?: () => HeapTrimStats;
}

export function createSiteMetrics(site: Site, outputs: SiteMetricsOutputs = {}): Registry {
  const detections = new Map<string, Map<string, number>>();
  site.onDetections((frame) => {
    let labels = detections.get(frame.camera);
    if (!labels) detections.set(frame.camera, (labels = new Map()));
    for (const d of frame.detections) labels.set(d.label, (labels.get(d.label) ?? 0) + 1);
  });
  site.onCameraRemoved((camera) => detections.delete(camera));
  return createMetrics({
    cameras: () => gatewayCameraSamples(site.gateway),
    inference: () =>
      hubInferenceSample(
        site.hub,
        site.gateway.list().map((c) => c.actor.spec.id),
      ),
    decisions: () =>
      site.gateway.list().flatMap((c) => {
        const counters = site.hub.decisionCounters(c.actor.spec.id);
        return counters ? [{ camera: c.actor.spec.id, counters }] : [];
      }),
    detections: () => [...detections].flatMap(([camera, labels]) => [...labels].map(([label, count]) => ({ camera, label, count }))),
    mqtt: () => outputs.mqtt?.() ?? null,
    ws: () => {
      const s = outputs.ws?.();
      return s ? wsSample(s) : null;
    },
    recording: () => {
      const recordings = site.recordingsNow();
      return recordings ? recordingSample(recordings) : null;
    },
    ...(outputs.live ? { live: outputs.live } : {}),
    ...(outputs.heapTrim ? { heapTrim: outputs.heapTrim } : {}),
    upload: () => {
      const { uploader } = site;
      if (!uploader) return null;
      const { uploaded, bytes, retries, failed, verified } = uploader.stats;
      return { uploaded, bytes, retries, failed, verified, queue: uploader.queue.counts() };
    },
  });
}

function wsSample(s: LiveFeedStats): WebSocketSample {
  return {
    clients: s.clients,
    dropped: { slow_client: s.slowClientsClosed },
    filterEntries: s.filterEntries,
    topics: s.topics,
    subscribesRejected: s.subscribesRejected,
  };
}
