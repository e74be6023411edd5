/** A camera as operators see it (API, MQTT status): config facts plus the live actor, URLs masked. */
import type { CameraConfig } from '../config/camera-schema.ts';
import { analysisUrl } from '../config/to-runtime.ts';
import type { CameraMetrics } from '../coordinator/camera-metrics.ts';
import type { GatewayCamera } from '../coordinator/gateway.ts';
import { maskUrl, maskUrlsInText } from '../ingest/mask-url.ts';
import type { CameraStatus } from '../outputs/site.ts';

export function cameraStatus(
  config: CameraConfig,
  streaming: boolean,
  live: GatewayCamera | undefined,
  metrics: CameraMetrics | undefined,
): CameraStatus {
  const actor = live?.actor;
  const stream = actor?.stream ?? null;
  return {
    id: config.id,
    name: config.name ?? config.id,
    channel: config.channel,
    enabled: config.enabled,
    streaming,
    state: actor && streaming ? actor.state : 'DISABLED',
    // The configured URL keeps any ${VAR} reference, so masking it can never reveal a resolved secret.
    url: maskUrl(analysisUrl(config)),
    tags: [...config.tags],
    reconnects: actor?.reconnects ?? 0,
    lastError: actor?.lastError ? { kind: actor.lastError.kind, message: maskUrlsInText(actor.lastError.message) } : null,
    stream: stream && { codec: stream.codec, width: stream.width, height: stream.height, fps: stream.fps },
    inputFps: metrics?.inputFps ?? 0,
    analysedFps: metrics?.analysedFps ?? 0,
  };
}

/**
 * The camera's config entry as it may leave the process (GET /cameras/{id}): stream URLs masked, so a
 * password written literally in the YAML or a REST body is never returned; `${VAR}` references stay.
 */
export function shownCameraConfig(config: CameraConfig): CameraConfig {
  const { primary, secondary } = config.streams;
  return { ...config, streams: { primary: maskUrl(primary), ...(secondary === undefined ? {} : { secondary: maskUrl(secondary) }) } };
}
