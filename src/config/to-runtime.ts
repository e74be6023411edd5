/**
 * A validated camera (defaults already merged) as the runtime takes it: the coordinator's CameraSpec
 * (ingest + lifecycle) and the channel worker's AnalysisSettings, for `gateway.addCamera(spec, analysis)`
 * and `gateway.reconfigureAnalysis`.
 */
import { toPixelPolygon, pointInPolygon } from '../analytics/decisions/geometry.ts';
import type { Polygon } from '../analytics/decisions/options.ts';
import type { CameraSpec } from '../coordinator/camera.ts';
import type { AnalysisSettings } from '../coordinator/gateway.ts';
import { MOTION_WIDTH, type CameraConfig } from './camera-schema.ts';

/**
 * The camera's motion and region settings; the site adds the camera's crop slab (shaped for the
 * detector by the inference hub) and its sampling strategy.
 */
export type CameraAnalysis = Omit<AnalysisSettings, 'crops' | 'tracked' | 'sampling'>;

/** The detector input regions are sized for: the backend's tensor, or none (the motion backend reads no pixels). */
export type DetectorInput = { width: number; height: number } | null;

/**
 * Region side when the backend reads no pixels (motion): regions then only group motion boxes into
 * notices, and this keeps a person's pieces together at the default detect size.
 */
export const MOTION_REGION_SIDE = 320;

/**
 * Analysis reads the sub-stream when there is one: sites configure it near the analysis size, so it
 * costs a fraction of the main stream to decode, and the main stream is left for recording and viewing.
 */
export function analysisUrl(camera: Pick<CameraConfig, 'streams'>): string {
  return camera.streams.secondary ?? camera.streams.primary;
}

export function cameraSpec(camera: CameraConfig): CameraSpec {
  const { ai, lifecycle } = camera;
  return {
    id: camera.id,
    url: analysisUrl(camera),
    transport: camera.transport,
    loop: camera.loop,
    width: ai.width,
    height: ai.height,
    fps: ai.fps,
    format: ai.format,
    sampling: ai.mode,
    minFps: ai.minFps,
    decodeThreads: ai.decodeThreads,
    ioTimeoutMs: lifecycle.ioTimeoutMs,
    stallTimeoutMs: lifecycle.stallTimeoutMs,
    firstFrameTimeoutMs: lifecycle.firstFrameTimeoutMs,
    stableAfterMs: lifecycle.stableAfterMs,
    udpFallbackAfter: lifecycle.udpFallbackAfter,
    ringSlots: lifecycle.ringSlots,
    backoff: { ...lifecycle.backoff },
    circuit: { ...lifecycle.circuit },
  };
}

/** width*height bytes, 1 where a pixel's centre lies in one of the polygons; null when there are none. */
export function rasterizeMask(polygons: readonly Polygon[], width: number, height: number): Uint8Array | null {
  if (polygons.length === 0) return null;
  const mask = new Uint8Array(width * height);
  for (const points of polygons) {
    const polygon = toPixelPolygon(points, width, height);
    const y0 = Math.max(0, Math.floor(polygon.minY));
    const y1 = Math.min(height - 1, Math.ceil(polygon.maxY));
    const x0 = Math.max(0, Math.floor(polygon.minX));
    const x1 = Math.min(width - 1, Math.ceil(polygon.maxX));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (pointInPolygon(x + 0.5, y + 0.5, polygon)) mask[y * width + x] = 1;
      }
    }
  }
  return mask;
}

/** The motion plane's size: motion.width (default 320, at most ai.width) and a height keeping the frame's aspect. */
export function motionSize(camera: Pick<CameraConfig, 'ai' | 'motion'>): { width: number; height: number } {
  const { ai, motion } = camera;
  const width = motion.width ?? Math.min(MOTION_WIDTH, ai.width);
  return { width, height: motion.height ?? Math.max(1, Math.min(ai.height, Math.round((width * ai.height) / ai.width))) };
}

export function analysisSettings(camera: CameraConfig, detector: DetectorInput = null): CameraAnalysis {
  const { motion, regions } = camera;
  const size = motionSize(camera);
  return {
    motion: {
      width: size.width,
      height: size.height,
      threshold: motion.threshold,
      minArea: motion.minArea,
      alpha: motion.alpha,
      foregroundAlpha: motion.foregroundAlpha,
      learnFrames: motion.learnFrames,
      gridCols: motion.gridCols,
      gridRows: motion.gridRows,
      maxBoxes: motion.maxBoxes,
      exclude: rasterizeMask(motion.exclude, size.width, size.height),
    },
    regions: {
      padding: regions.padding,
      minSide: regions.minSide ?? (detector === null ? MOTION_REGION_SIDE : Math.max(detector.width, detector.height)),
      maxRegions: regions.maxRegions,
      // The motion backend reads no pixels: a still frame holds nothing it could find.
      fullFrameIntervalMs: detector === null ? 0 : regions.fullFrameIntervalMs,
      stillFullFrameIntervalMs: regions.stillFullFrameIntervalMs,
      trackedIntervalMs: detector === null ? 0 : regions.trackedIntervalMs,
    },
    lightingRatio: motion.lightingRatio,
  };
}
