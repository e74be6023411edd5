/**
 * Camera specs for tests: synthetic lavfi sources and RTSP URLs with fast lifecycle timings once frames
 * flow, and the product's first-frame timeout: on a loaded machine twenty clients joining shared RTSP
 * media wait seconds for their first key frame, which is no failure.
 */
import type { CameraSpec } from '../../src/coordinator/camera.ts';
import type { CameraAnalysis } from '../../src/config/to-runtime.ts';
import type { AnalysisSettings } from '../../src/coordinator/gateway.ts';
import { TrackedBoxes } from '../../src/channel/tracked-boxes.ts';
import { CropSlab } from '../../src/inference/crop-slab.ts';

export function cameraSpec(id: string, url: string, overrides: Partial<CameraSpec> = {}): CameraSpec {
  return {
    id,
    url,
    transport: 'tcp',
    loop: false,
    width: 320,
    height: 180,
    fps: 10,
    format: 'gray',
    sampling: 'fixed_fps',
    minFps: 1,
    ioTimeoutMs: 3000,
    stallTimeoutMs: 3000,
    firstFrameTimeoutMs: 20_000,
    stableAfterMs: 2000,
    udpFallbackAfter: 0,
    ringSlots: 4,
    backoff: { initialMs: 200, factor: 2, maxMs: 2000, jitter: 0.1 },
    circuit: { failureThreshold: 5, openMs: 3000, halfOpenMaxTrials: 3, successThreshold: 2 },
    ...overrides,
  };
}

/** A moving synthetic camera (testsrc2 scrolls, so every frame has motion). */
export function lavfiSpec(id: string, overrides: Partial<CameraSpec> = {}): CameraSpec {
  const width = overrides.width ?? 320;
  const height = overrides.height ?? 180;
  return cameraSpec(id, `lavfi:testsrc2=size=${width}x${height}:rate=${overrides.fps ?? 10}`, overrides);
}

/** For the frames above (320x180 or 160x90): motion on a 160x90 plane, no full-frame pass. */
export const ANALYSIS: CameraAnalysis = {
  motion: {
    width: 160,
    height: 90,
    threshold: 25,
    minArea: 16,
    learnFrames: 0,
    alpha: 0,
    foregroundAlpha: 0,
    gridCols: 8,
    gridRows: 8,
    maxBoxes: 16,
    exclude: null,
  },
  regions: { padding: 0.1, minSide: 96, maxRegions: 4, fullFrameIntervalMs: 0, stillFullFrameIntervalMs: 0, trackedIntervalMs: 0 },
  lightingRatio: 0.9,
};

/**
 * ANALYSIS with a crop slab of its own, as the site gives every camera; shaped for the default motion
 * backend (no pixels). Nothing consumes it here, so the newest crops replace the oldest queued ones.
 */
export function analysis(): AnalysisSettings {
  return { ...ANALYSIS, crops: CropSlab.create(null).buffer, tracked: new TrackedBoxes().buffer };
}
