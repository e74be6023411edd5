/**
 * OpenCV's vtest.avi (real footage, msmpeg4v3) as a camera sends it: H.264 in MP4, encoded once with
 * libx264 and cached next to the original, so the RTSP server can stream it without re-encoding.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { openCvMedia } from './opencv-media.ts';

/** The H.264 copy of vtest.avi (768x576, 10 fps, a key frame a second, no B-frames); made on first use. */
export async function vtestH264(ffmpeg: string): Promise<string> {
  const source = openCvMedia('vtest.avi');
  const clip = path.join(path.dirname(source), 'vtest-h264.mp4');
  if (existsSync(clip)) return clip;
  const partial = `${clip}.${process.pid}.part.mp4`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-i', source, '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20'];
  args.push('-g', '10', '-bf', '0', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', partial);
  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`ffmpeg could not transcode ${source} to H.264 (exit ${code}): ${stderr.trim()}`);
  renameSync(partial, clip);
  return clip;
}
