/**
 * Real frames decoded by ffmpeg from deterministic synthetic sources (lavfi), for kernel tests and
 * benches. Returns packed frames exactly as the ingest path will receive them.
 */
import { execFileSync } from 'node:child_process';
import type { PixelFormat } from '../../src/native/index.ts';
import { frameBytes } from '../../src/native/index.ts';

export interface RawFrames {
  format: PixelFormat;
  width: number;
  height: number;
  frames: Uint8Array[];
}

export function ffmpegPath(): string {
  return process.env['PANOPTES_FFMPEG'] ?? 'ffmpeg';
}

/** The first `count` frames of a lavfi filter `graph` (several sources, overlays, blur on chosen frames) in `format`, packed. */
export function lavfiGraphFrames(graph: string, width: number, height: number, format: PixelFormat, count: number): Uint8Array[] {
  const raw = execFileSync(
    ffmpegPath(),
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-f',
      'lavfi',
      '-i',
      graph,
      '-frames:v',
      String(count),
      '-f',
      'rawvideo',
      '-pix_fmt',
      format,
      'pipe:1',
    ],
    { maxBuffer: 1 << 30 },
  );
  const size = frameBytes(format, width, height);
  if (raw.length !== size * count) {
    throw new Error(`ffmpeg produced ${raw.length} bytes for '${graph}', expected ${count} frames of ${size} bytes`);
  }
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) frames.push(new Uint8Array(raw.buffer, raw.byteOffset + i * size, size));
  return frames;
}

/**
 * Decodes `count` frames of a lavfi source (default `testsrc2`, moving and textured) at the given size
 * and pixel format. Any lavfi source works as `source`, e.g. 'mandelbrot' or 'smptebars'.
 */
export function lavfiFrames(width: number, height: number, format: PixelFormat, count: number, source = 'testsrc2'): RawFrames {
  return { format, width, height, frames: lavfiGraphFrames(`${source}=size=${width}x${height}:rate=25`, width, height, format, count) };
}
