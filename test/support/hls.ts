/**
 * HLS streams made by a real ffmpeg from testsrc2 (H.264, one key frame a second, 1 s segments) into a
 * directory, for a static HTTP server to serve: a finished VOD playlist, or a live one that ffmpeg keeps
 * extending in real time (a sliding window of segments, as an HLS camera or restreamer publishes).
 */
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ffmpegPath } from './video.ts';
import { waitFor } from './wait.ts';

export interface HlsOptions {
  width?: number;
  height?: number;
  fps?: number;
}

const QUIET = ['-hide_banner', '-loglevel', 'error', '-nostdin'];

function source(options: HlsOptions): string[] {
  const { width = 320, height = 180, fps = 10 } = options;
  return ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
}

function hlsOutput(options: HlsOptions, dir: string, name: string, segmentDigits: number): string[] {
  const fps = String(options.fps ?? 10);
  return [
    // A key frame at every segment start so each 1 s segment decodes on its own.
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    fps,
    '-keyint_min',
    fps,
    '-sc_threshold',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'hls',
    '-hls_time',
    '1',
    '-hls_segment_filename',
    path.join(dir, `${path.parse(name).name}-%0${segmentDigits}d.ts`),
  ];
}

/** Writes `seconds` of video as `name` (a VOD playlist with #EXT-X-ENDLIST) and its segments into `dir`. */
export function writeHlsVod(dir: string, seconds: number, name = 'vod.m3u8', options: HlsOptions = {}): string {
  const playlist = path.join(dir, name);
  execFileSync(ffmpegPath(), [
    ...QUIET,
    ...source(options),
    '-t',
    String(seconds),
    ...hlsOutput(options, dir, name, 3),
    '-hls_playlist_type',
    'vod',
    playlist,
  ]);
  return playlist;
}

export interface LiveHls {
  /** The playlist's file name inside the directory. */
  readonly name: string;
  /** Stops the encoder; the playlist stays as it was (no #EXT-X-ENDLIST is promised). */
  stop(): Promise<void>;
}

/** Starts a real-time encoder keeping a 4-segment live playlist; resolves once it lists `minSegments`. */
export async function startLiveHls(dir: string, name = 'live.m3u8', options: HlsOptions = {}, minSegments = 2): Promise<LiveHls> {
  const playlist = path.join(dir, name);
  // setpriv: the kernel kills the encoder if the test process dies without stopping it.
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      '--',
      ffmpegPath(),
      ...QUIET,
      '-re',
      ...source(options),
      ...hlsOutput(options, dir, name, 5),
      '-hls_list_size',
      '4',
      '-hls_flags',
      'delete_segments+independent_segments',
      playlist,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const segments = (): number => (existsSync(playlist) ? (readFileSync(playlist, 'utf8').match(/^#EXTINF/gm) ?? []).length : 0);
  await waitFor(`${minSegments} live HLS segments`, () => segments() >= minSegments || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error(`the live HLS encoder exited with code ${child.exitCode}`);
  return {
    name,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
