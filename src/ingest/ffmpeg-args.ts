/**
 * The ffmpeg command line for one camera: input options as field deployments use them, then decode to
 * raw frames at the analysis size and rate on stdout (the write end of the run's frame pipe).
 */
export type Transport = 'tcp' | 'udp';
export type SamplingMode = 'fixed_fps' | 'keyframe_only' | 'hybrid';

export interface IngestSpec {
  /** rtsp://, rtsps://, http(s)://, a file path, or `lavfi:<graph>` for a synthetic source. */
  url: string;
  transport: Transport;
  /** Files only: start again at the end. */
  loop: boolean;
  width: number;
  height: number;
  fps: number;
  format: 'gray' | 'yuv420p';
  sampling: SamplingMode;
  /** hybrid: the lowest rate kept between key frames. */
  minFps: number;
  /** RTSP/HTTP socket I/O timeout. */
  ioTimeoutMs: number;
  /** ffmpeg major version (the RTSP timeout option was renamed in 5). */
  ffmpegMajor: number;
  /** Decoder threads of the analysed input; 0 = ffmpeg's choice. */
  decodeThreads?: number;
}

export type SourceKind = 'rtsp' | 'http' | 'file' | 'lavfi';

export function sourceKind(url: string): SourceKind {
  if (/^rtsps?:\/\//i.test(url)) return 'rtsp';
  if (/^https?:\/\//i.test(url)) return 'http';
  if (url.startsWith('lavfi:')) return 'lavfi';
  return 'file';
}

/** An HLS playlist, known by its extension; other HTTP inputs are live pushes such as MJPEG. */
export function isHlsPlaylist(url: string): boolean {
  return /\.m3u8(?:[?#]|$)/i.test(url);
}

/** What opening a stream needs (the recorder's own process opens the main stream with it). */
export type InputSpec = Pick<IngestSpec, 'url' | 'transport' | 'loop' | 'ioTimeoutMs' | 'ffmpegMajor'>;

export function inputArgs(spec: InputSpec): string[] {
  const timeoutUs = String(spec.ioTimeoutMs * 1000);
  switch (sourceKind(spec.url)) {
    case 'rtsp':
      return [
        '-rtsp_transport',
        spec.transport,
        spec.ffmpegMajor >= 5 ? '-timeout' : '-stimeout',
        timeoutUs,
        '-fflags',
        '+genpts+discardcorrupt',
        '-flags',
        'low_delay',
        '-i',
        spec.url,
      ];
    case 'http':
      return [
        '-rw_timeout',
        timeoutUs,
        // MJPEG over HTTP carries no timestamps: ffmpeg numbers its frames at an assumed 25 fps, so the
        // fps filter kept 4 of every 10 frames a 10 fps camera sent. For a live push the arrival time
        // is the frame's time. HLS delivers whole segments at once, so it keeps its own timestamps.
        ...(isHlsPlaylist(spec.url) ? [] : ['-use_wallclock_as_timestamps', '1']),
        '-fflags',
        '+genpts+discardcorrupt',
        '-flags',
        'low_delay',
        '-i',
        spec.url,
      ];
    case 'lavfi':
      return ['-re', '-f', 'lavfi', '-i', spec.url.slice('lavfi:'.length)];
    case 'file':
      // Files are paced at their native rate so a file camera behaves like a live one.
      return ['-re', ...(spec.loop ? ['-stream_loop', '-1'] : []), '-fflags', '+genpts', '-i', spec.url];
  }
}

function filterGraph(spec: IngestSpec): string {
  const scale = `scale=${spec.width}:${spec.height}:flags=area,format=${spec.format}`;
  switch (spec.sampling) {
    case 'fixed_fps':
      return `fps=${spec.fps},${scale}`;
    case 'keyframe_only':
      return scale;
    case 'hybrid':
      // Every key frame, plus enough others that the gap never exceeds 1/minFps seconds.
      return `select='eq(pict_type\\,I)+gte(t-prev_selected_t\\,${(1 / spec.minFps).toFixed(3)})',${scale}`;
  }
}

/** Errors and stream lines at `info`, progress blocks (packets copied or frames decoded) on stderr. */
const PROGRESS_ARGS = ['-hide_banner', '-nostdin', '-loglevel', 'info', '-nostats', '-progress', 'pipe:2'];

/**
 * A second output of the camera's ffmpeg (the recorder), when it records the analysed stream itself:
 * one connection to the camera feeds both.
 */
export interface TapArgs {
  /** Output options and the output, after `-map 0:v:0`. */
  output: string[];
}

/**
 * The analysis ffmpeg reports progress every 5 s instead of ffmpeg's 0.5 s: its blocks only feed the
 * decode-fps and bitrate gauges (scraped every 15 s or so), and each block wakes the coordinator: at 0.5 s
 * parsing them was a percent of a core at 50 cameras, at 2 s 25 wake-ups a second. `-stats_period`
 * came in ffmpeg 4.4: older ones (Debian 11's 4.3, the npm package's 2018 build) refuse the whole
 * command line, so they keep their 0.5 s.
 */
const statsPeriodArgs = (ffmpegMajor: number): string[] => (ffmpegMajor >= 5 ? ['-stats_period', '5'] : []);

export function ffmpegArgs(spec: IngestSpec, output = 'pipe:1', tap: TapArgs | null = null): string[] {
  return [
    ...PROGRESS_ARGS,
    ...statsPeriodArgs(spec.ffmpegMajor),
    // keyframe_only: the decoder skips everything but key frames, so it costs a fraction of the CPU.
    ...(spec.sampling === 'keyframe_only' ? ['-skip_frame', 'nokey'] : []),
    ...(spec.decodeThreads ? ['-threads', String(spec.decodeThreads)] : []),
    ...inputArgs(spec),
    '-an',
    '-sn',
    '-dn',
    '-vf',
    filterGraph(spec),
    ...(spec.sampling === 'fixed_fps' ? [] : ['-vsync', 'passthrough']),
    '-f',
    'rawvideo',
    '-pix_fmt',
    spec.format,
    '-y',
    output,
    ...(tap ? ['-map', '0:v:0', ...tap.output] : []),
  ];
}

/**
 * A recorder in a process of its own: the stream's video copied to the tap's output, nothing decoded
 * (the main stream while analysis reads the sub-stream, so the main stream's failures never touch
 * the analysis ffmpeg).
 */
export function recordArgs(input: InputSpec, tap: TapArgs): string[] {
  return [...PROGRESS_ARGS, ...inputArgs(input), '-map', '0:v:0', ...tap.output];
}
