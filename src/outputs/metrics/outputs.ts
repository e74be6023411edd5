/**
 * Analytics and output families of the `/metrics` registry: detections by label, what the decision
 * layer published or held back (and why), the MQTT output and its outbox, and WebSocket clients.
 */
import type { Registry } from 'prom-client';
import type { MetricsSources } from './sources.ts';
import { counterFamily, gaugeFamily, type Sample } from './families.ts';

type Readers = Pick<MetricsSources, 'decisions' | 'detections' | 'mqtt' | 'ws'>;

/** `{key: count}` records as samples, the key under `label`. */
function byKey<K extends string>(
  label: K,
  record: Readonly<Record<string, number>>,
  base: Record<string, string> = {},
): Array<Sample<string>> {
  return Object.entries(record).map(([key, value]) => ({ labels: { ...base, [label]: key }, value }));
}

export function registerOutputMetrics(registry: Registry, read: Readers): void {
  counterFamily(
    {
      registry,
      name: 'panoptes_detections_total',
      help: 'Detections after tracking, by camera and label.',
      labelNames: ['camera', 'label'],
    },
    () => read.detections().map(({ camera, label, count }) => ({ labels: { camera, label }, value: count })),
  );

  counterFamily(
    {
      registry,
      name: 'panoptes_events_total',
      help: 'Event messages published, by type (start, update, end).',
      labelNames: ['camera', 'type'],
    },
    () => read.decisions().flatMap(({ camera, counters }) => byKey('type', counters.published, { camera })),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_event_observations_filtered_total',
      labelNames: ['camera', 'reason'],
      help: 'Observations of tracks not yet in an event that failed a filter (first failing rule: label, mask, score, area, zone).',
    },
    () => read.decisions().flatMap(({ camera, counters }) => byKey('reason', counters.filtered, { camera })),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_events_suppressed_total',
      help: 'Qualifying tracks that did not start an event (cooldown, duplicate).',
      labelNames: ['camera', 'reason'],
    },
    () => read.decisions().flatMap(({ camera, counters }) => byKey('reason', counters.suppressed, { camera })),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_event_messages_rate_limited_total',
      labelNames: ['camera', 'reason', 'type'],
      help: 'Event messages dropped by a rate limit (camera_limit, global_limit): the start, and later the end of that track.',
    },
    () =>
      read
        .decisions()
        .flatMap(({ camera, counters }) =>
          Object.entries(counters.dropped).flatMap(([reason, byType]) => byKey('type', byType, { camera, reason })),
        ),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_event_publish_errors_total',
      help: 'Event publisher calls that threw or rejected.',
      labelNames: ['camera'],
    },
    () => read.decisions().map(({ camera, counters }) => ({ labels: { camera }, value: counters.publishErrors })),
  );

  const mqtt =
    <L extends string>(samples: (s: NonNullable<ReturnType<Readers['mqtt']>>) => Array<Sample<L>>) =>
    (): Array<Sample<L>> => {
      const s = read.mqtt();
      return s ? samples(s) : [];
    };
  gaugeFamily(
    { registry, name: 'panoptes_mqtt_connected', help: '1 while connected to the MQTT broker.', labelNames: [] },
    mqtt((s) => [{ labels: {}, value: Number(s.connected) }]),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_mqtt_connects_total',
      help: 'Successful connections to the MQTT broker (the first one included).',
      labelNames: [],
    },
    mqtt((s) => [{ labels: {}, value: s.connects }]),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_mqtt_messages_published_total',
      labelNames: ['kind'],
      help: 'MQTT messages published by kind (events and alerts once the broker acknowledged them).',
    },
    mqtt((s) => byKey('kind', s.published)),
  );
  counterFamily(
    { registry, name: 'panoptes_mqtt_messages_dropped_total', help: 'MQTT messages not delivered, by reason.', labelNames: ['reason'] },
    mqtt((s) => byKey('reason', s.dropped)),
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_mqtt_outbox_depth',
      help: "Events in the MQTT outbox waiting for the broker's acknowledgement.",
      labelNames: [],
    },
    mqtt((s) => [{ labels: {}, value: s.outbox.depth }]),
  );
  gaugeFamily(
    { registry, name: 'panoptes_mqtt_outbox_in_flight', help: 'Outbox events published and not yet acknowledged.', labelNames: [] },
    mqtt((s) => [{ labels: {}, value: s.outbox.inFlight }]),
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_mqtt_outbox_degraded',
      labelNames: [],
      help: '1 while the MQTT outbox directory cannot be written and events are published from memory only.',
    },
    mqtt((s) => [{ labels: {}, value: Number(s.outbox.degraded !== null) }]),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_mqtt_outbox_bypassed_total',
      labelNames: ['reason'],
      help: 'Events and alerts queued in memory only because the outbox directory could not be written, by reason.',
    },
    mqtt((s) => byKey('reason', s.outbox.bypassed)),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_mqtt_callback_errors_total',
      help: 'Exceptions caught inside MQTT client callbacks (never fatal).',
      labelNames: [],
    },
    mqtt((s) => [{ labels: {}, value: s.callbackErrors }]),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_mqtt_control_requests_total',
      help: 'MQTT control requests, by outcome (handled, rejected).',
      labelNames: ['outcome'],
    },
    mqtt((s) => byKey('outcome', s.control)),
  );

  gaugeFamily({ registry, name: 'panoptes_ws_clients', help: 'Connected WebSocket clients.', labelNames: [] }, () => {
    const s = read.ws();
    return s ? [{ labels: {}, value: s.clients }] : [];
  });
  counterFamily(
    {
      registry,
      name: 'panoptes_ws_dropped_messages_total',
      help: 'WebSocket messages not sent to a client, by reason.',
      labelNames: ['reason'],
    },
    () => byKey('reason', read.ws()?.dropped ?? {}),
  );
  gaugeFamily(
    { registry, name: 'panoptes_ws_filter_entries', help: "Cameras and labels held in the WebSocket clients' filters.", labelNames: [] },
    () => {
      const s = read.ws();
      return s ? [{ labels: {}, value: s.filterEntries }] : [];
    },
  );
  gaugeFamily(
    { registry, name: 'panoptes_ws_topics', help: 'uWS pub/sub topics the WebSocket clients are subscribed to.', labelNames: [] },
    () => {
      const s = read.ws();
      return s ? [{ labels: {}, value: s.topics }] : [];
    },
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_ws_subscribes_rejected_total',
      labelNames: ['reason'],
      help: 'WebSocket subscribes refused (nothing changed), by reason (unknown_camera, unknown_label, limit).',
    },
    () => byKey('reason', read.ws()?.subscribesRejected ?? {}),
  );
}
