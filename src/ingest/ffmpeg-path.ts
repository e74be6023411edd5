/**
 * Which ffmpeg to run: the configured path, else the system ffmpeg on PATH, else the binary shipped in
 * the @ffmpeg-installer/ffmpeg package (older, but always there after npm install).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export interface FfmpegLocation {
  path: string;
  source: 'config' | 'system' | 'npm';
}

function runs(path: string): boolean {
  try {
    execFileSync(path, ['-hide_banner', '-version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export function resolveFfmpeg(configured: string | undefined = process.env['PANOPTES_FFMPEG']): FfmpegLocation {
  if (configured) {
    if (!runs(configured)) {
      throw new Error(`ffmpeg at '${configured}' (PANOPTES_FFMPEG or ffmpeg.path) does not run; fix the path or unset it`);
    }
    return { path: configured, source: 'config' };
  }
  if (runs('ffmpeg')) return { path: 'ffmpeg', source: 'system' };
  const require = createRequire(import.meta.url);
  const shipped = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  if (runs(shipped)) return { path: shipped, source: 'npm' };
  throw new Error('No ffmpeg found: install it (apt-get install ffmpeg) or set PANOPTES_FFMPEG to its path');
}
