/**
 * A camera's newest frame as a JPEG, for a dashboard tile of a camera nobody watches live: copied from
 * its ring without disturbing the analysis (src/ring/latest-frame.ts), at most LATEST_FRAME_SIDE a side,
 * in colour when the camera ingests colour. Made on request only: nothing is encoded while no one asks.
 */
import type { FrameRing } from '../ring/layout.ts';
import { copyLatestFrame } from '../ring/latest-frame.ts';
import { encodeJpeg } from './jpeg.ts';
import { copyRegion } from './shot-pixels.ts';

export const LATEST_FRAME_SIDE = 640;

export interface LatestFrameJpeg {
  jpeg: Buffer;
  /** When the frame reached the gateway (epoch ms). */
  captureMs: number;
}

export async function latestFrameJpeg(ring: FrameRing): Promise<LatestFrameJpeg | null> {
  const data = new Uint8Array(ring.frameBytes);
  const captureMs = copyLatestFrame(ring, data);
  if (captureMs === null) return null;
  const { width, height, format } = ring;
  const image = copyRegion({ data, format, width, height, timeMs: captureMs }, { x: 0, y: 0, width, height }, LATEST_FRAME_SIDE);
  return { jpeg: await encodeJpeg(image), captureMs };
}
