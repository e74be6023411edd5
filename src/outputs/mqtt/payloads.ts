/**
 * The JSON bodies Panoptes publishes on MQTT, one builder each, so the README's payload descriptions
 * and the code have one place to agree. No body holds a URL with credentials or any secret: cameras are
 * named by id and the status never carries the stream URL.
 */
import type { EventMessage, EventMessageType, DetectionEvent } from '../../analytics/events.ts';
import type { CameraState, CameraTransition } from '../../coordinator/camera-state.ts';
import type { SiteControl } from '../site.ts';

/**
 * `{prefix}/events/{camera}` and `{prefix}/alerts/critical`. `seq` is the outbox sequence, unique per
 * gateway outbox and increasing in publish order: delivery is at-least-once, so a consumer dedupes on
 * (event.id, type, seq) and orders a camera's messages by seq.
 */
export interface EventPayload {
  seq: number;
  type: EventMessageType;
  event: Readonly<DetectionEvent>;
}

export function eventPayload(seq: number, message: EventMessage): string {
  const payload: EventPayload = { seq, type: message.type, event: message.event };
  return JSON.stringify(payload);
}

/** `{prefix}/streams/status/{camera}`, retained: the camera's state now and the transition into it. */
export interface StatusPayload {
  camera: string;
  state: CameraState;
  /** The state before; null when the gateway (re)connected and republished the current state. */
  previous: CameraState | null;
  /** Why the camera changed state (credentials already masked upstream); null when unknown. */
  reason: string | null;
  /** When the state was entered (epoch ms), or when it was read if the transition is unknown. */
  atMs: number;
}

export function transitionPayload(transition: CameraTransition): string {
  const payload: StatusPayload = {
    camera: transition.camera,
    state: transition.to,
    previous: transition.from,
    reason: transition.reason,
    atMs: transition.atMs,
  };
  return JSON.stringify(payload);
}

/** The current state of `camera`, with the last transition seen into it when that is still current. */
export function currentStatusPayload(camera: string, state: CameraState, last: CameraTransition | undefined, nowMs: number): string {
  const known = last !== undefined && last.to === state;
  const payload: StatusPayload = {
    camera,
    state,
    previous: known ? last.from : null,
    reason: known ? last.reason : null,
    atMs: known ? last.atMs : nowMs,
  };
  return JSON.stringify(payload);
}

/** `{prefix}/gateway/metrics`: a summary for dashboards; Prometheus has the full set. */
export interface MetricsSummaryPayload {
  atMs: number;
  cameras: Array<{
    id: string;
    state: CameraState;
    inputFps: number;
    analysedFps: number;
    reconnects: number;
    drops: Record<string, number> | null;
  }>;
  mqtt: unknown;
}

export function metricsSummaryPayload(site: SiteControl, mqttStats: unknown, nowMs: number): string {
  const cameras = site.cameras().map((status) => {
    const metrics = site.cameraMetrics(status.id);
    return {
      id: status.id,
      state: status.state,
      inputFps: metrics?.inputFps ?? status.inputFps,
      analysedFps: metrics?.analysedFps ?? status.analysedFps,
      reconnects: status.reconnects,
      drops: metrics === undefined ? null : { ...metrics.drops },
    };
  });
  const payload: MetricsSummaryPayload = { atMs: nowMs, cameras, mqtt: mqttStats };
  return JSON.stringify(payload);
}

export function healthPayload(site: SiteControl, nowMs: number): string {
  return JSON.stringify({ atMs: nowMs, ...site.health() });
}
