/**
 * Which ffmpeg to run: the configured path, else the system ffmpeg on PATH, else the binary shipped in
 * the @ffmpeg-installer/ffmpeg package (a 2018 build, but inside the npm tarball, so always there after
 * npm install without a download; README "Dependencies" says why no newer package replaces it).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { FfmpegMissingError } from '../errors.ts';

export interface FfmpegLocation {
  path: string;
  source: 'config' | 'system' | 'npm';
  /** e.g. "5.1.6-0+deb12u1"; options that were renamed between majors depend on it. */
  version: string;
  major: number;
}

/** The version line of a working ffmpeg, or null when it does not run. */
function versionOf(path: string): string | null {
  try {
    const out = execFileSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
    return /ffmpeg version (\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return null;
  }
}

function located(path: string, source: FfmpegLocation['source'], version: string): FfmpegLocation {
  // Release builds say "5.1.6"; git builds (the npm binary) say "N-..." or a date: treat those as 4.
  const major = /^n?(\d+)\./.exec(version)?.[1];
  return { path, source, version, major: major === undefined ? 4 : Number(major) };
}

export function resolveFfmpeg(configured: string | undefined = process.env['PANOPTES_FFMPEG']): FfmpegLocation {
  if (configured) {
    const version = versionOf(configured);
    if (version === null) {
      throw new FfmpegMissingError(
        `ffmpeg at '${configured}' (gateway.ffmpegPath or PANOPTES_FFMPEG) does not run; fix the path or unset it`,
      );
    }
    return located(configured, 'config', version);
  }
  const system = versionOf('ffmpeg');
  if (system !== null) return located('ffmpeg', 'system', system);
  const require = createRequire(import.meta.url);
  const shipped = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const version = versionOf(shipped);
  if (version !== null) return located(shipped, 'npm', version);
  throw new FfmpegMissingError('No ffmpeg found: install it (apt-get install ffmpeg) or set PANOPTES_FFMPEG to its path');
}
