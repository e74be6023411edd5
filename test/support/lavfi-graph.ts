/**
 * Frames decoded by ffmpeg from a whole lavfi filter graph (several sources, overlays, blur on chosen
 * frames), for tests whose video is more than one source at a fixed rate (test/support/video.ts).
 */
import { execFileSync } from 'node:child_process';
import { frameBytes, type PixelFormat } from '../../src/native/index.ts';
import { ffmpegPath } from './video.ts';

/** The first `count` frames of `graph` (which must produce width x height) in `format`, packed. */
export function lavfiGraphFrames(graph: string, width: number, height: number, format: PixelFormat, count: number): Uint8Array[] {
  const raw = execFileSync(
    ffmpegPath(),
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', graph,
      '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', format, 'pipe:1'],
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
