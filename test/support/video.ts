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

/**
 * Decodes `count` frames of a lavfi source (default `testsrc2`, moving and textured) at the given size
 * and pixel format. Any lavfi graph works as `source`, e.g. 'mandelbrot' or 'smptebars'.
 */
export function lavfiFrames(
  width: number, height: number, format: PixelFormat, count: number, source = 'testsrc2',
): RawFrames {
  const graph = `${source}=size=${width}x${height}:rate=25`;
  const raw = execFileSync(
    ffmpegPath(),
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', graph,
      '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', format, 'pipe:1'],
    { maxBuffer: 1 << 30 },
  );
  const size = frameBytes(format, width, height);
  if (raw.length !== size * count) {
    throw new Error(`ffmpeg produced ${raw.length} bytes, expected ${count} frames of ${size} bytes`);
  }
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) frames.push(new Uint8Array(raw.buffer, raw.byteOffset + i * size, size));
  return { format, width, height, frames };
}
