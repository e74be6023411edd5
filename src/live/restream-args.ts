/**
 * The ffmpeg command line of a camera's live restream: its stream into fragmented MP4 on stdout, one
 * fragment a frame (frag_every_frame), so what the browser gets is never held back for a longer
 * fragment. A compressed stream (H.264/H.265 from RTSP, HLS or a file) is copied; a source without
 * one (lavfi, an MJPEG push a browser cannot play in MSE) is encoded once with x264 at its fastest,
 * a key frame every second so a new viewer waits at most that long.
 */
import { inputArgs, isHlsPlaylist, sourceKind, type InputSpec } from '../ingest/ffmpeg-args.ts';

/** The stream a restream reads: the camera's main stream and how it is opened. */
export interface LiveSource {
  /** May hold `${VAR}` references; resolved only when ffmpeg starts. */
  url: string;
  transport: InputSpec['transport'];
  loop: boolean;
  ioTimeoutMs: number;
  /** No first fragment within this long (the camera's firstFrameTimeoutMs) fails the restream. */
  firstFrameTimeoutMs: number;
}

/** A source whose video a browser cannot take as it is: lavfi (raw frames), MJPEG pushed over HTTP. */
export function needsEncode(url: string): boolean {
  const kind = sourceKind(url);
  return kind === 'lavfi' || (kind === 'http' && !isHlsPlaylist(url));
}

const FRAGMENTED_MP4 = ['-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_every_frame', '-flush_packets', '1', 'pipe:1'];

const ENCODE = [
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-tune',
  'zerolatency',
  '-pix_fmt',
  'yuv420p',
  // Baseline-compatible streams play in every MSE implementation; zerolatency already drops B-frames.
  '-profile:v',
  'baseline',
  '-force_key_frames',
  'expr:gte(t,n_forced*1)',
];

export function restreamArgs(input: InputSpec): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...inputArgs(input),
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    ...(needsEncode(input.url) ? ENCODE : ['-c:v', 'copy']),
    ...FRAGMENTED_MP4,
  ];
}
