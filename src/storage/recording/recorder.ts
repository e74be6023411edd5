/**
 * One camera's recorder: a second output on the camera's ingest ffmpeg when it records the analysed
 * stream, or the output of an ffmpeg of its own (src/coordinator/tap-process.ts) when it records
 * another stream (the main stream while analysis reads the sub-stream); README "Recording" has the
 * measurements behind both. The stream is copied, not re-encoded, into
 * fixed-length segments by ffmpeg's segment muxer, wrapped in the fifo muxer so that a slow or full
 * disk drops recording packets in the fifo's own thread instead of holding ffmpeg's main loop, which
 * also feeds analysis. The segment muxer lists each finished segment on fd 3; the recorder gives it
 * its wall-clock times and moves it into the store.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { CameraRecording } from '../../config/recording-schema.ts';
import type { IngestTap, TapInputFailure } from '../../coordinator/ingest-tap.ts';
import type { TapArgs } from '../../ingest/ffmpeg-args.ts';
import { maskUrlsInText } from '../../ingest/mask-url.ts';
import type { Segment, SegmentExtension } from './segment-name.ts';
import { INCOMING_DIR, type SegmentStore } from './segment-store.ts';

/**
 * write: a segment could not be written or closed; queue_full: packets dropped before the disk; move:
 * a finished segment could not be filed; input, stall: the recorder's own process could not read its
 * stream, or it stopped sending (a recorder on the camera's ffmpeg fails with the camera instead).
 */
export const RECORDER_FAILURES = ['write', 'queue_full', 'move', 'input', 'stall'] as const;
export type RecorderFailure = (typeof RECORDER_FAILURES)[number];

/** Packets the fifo holds while the disk is slow: about 5 s of a 25 fps stream. */
const FIFO_PACKETS = 120;

/** Lines printed by the recorder's muxers (`[segment @ 0x...] ...`); the camera never reads these. */
const MUXER_LINE = /^\[(?:fifo|segment|mp4|mov|mpegts) @ 0x[0-9a-f]+\] (.*)$/;

export interface RecorderOptions {
  camera: string;
  settings: CameraRecording;
  /** The recorded stream when analysis reads another one (the sub-stream), else null. */
  url: string | null;
  store: SegmentStore;
  log: Logger;
  onSegment(segment: Segment): void;
}

export class Recorder implements IngestTap {
  readonly camera: string;
  readonly url: string | null;
  settings: CameraRecording;
  readonly failures: Record<RecorderFailure, number> = { write: 0, queue_full: 0, move: 0, input: 0, stall: 0 };
  segments = 0;
  /** Wall-clock end of the newest segment, 0 before the first. */
  lastSegmentEndMs = 0;
  /** Whether a run with the recorder's output is going on. */
  active = false;
  /** When the current run began (its first segment is due a segment length later). */
  activeSinceMs = 0;
  lastFailure: string | null = null;
  lastFailureMs = 0;
  readonly #options: RecorderOptions;
  readonly #incoming: string;
  #run = 0;

  constructor(options: RecorderOptions) {
    this.camera = options.camera;
    this.url = options.url;
    this.settings = options.settings;
    this.#options = options;
    this.#incoming = path.join(options.store.root, options.camera, INCOMING_DIR);
  }

  get ext(): SegmentExtension {
    return this.settings.format === 'mp4' ? 'mp4' : 'ts';
  }

  begin(): TapArgs | null {
    if (this.settings.mode === 'off') return null;
    try {
      mkdirSync(this.#incoming, { recursive: true });
    } catch (error) {
      // The camera runs without recording until its next connect.
      this.#fail('write', `cannot create ${this.#incoming} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return null;
    }
    this.#run++;
    this.active = true;
    this.activeSinceMs = Date.now();
    return { output: recordingOutput(this.settings, path.join(patternLiteral(this.#incoming), `${this.#run}-%06d.${this.ext}`)) };
  }

  attach(pipe: Readable): void {
    const run = this.#run;
    const listed = new Set<string>();
    let pending = '';
    // Stream time to wall clock: a segment is listed as soon as the packet after it arrives, so the
    // smallest (arrival - stream end) of the run is the closest to the true offset.
    let offsetMs = Number.POSITIVE_INFINITY;
    pipe.setEncoding('utf8');
    pipe.on('data', (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseListLine(line);
        if (!entry) continue;
        offsetMs = Math.min(offsetMs, Date.now() - entry.endS * 1000);
        listed.add(entry.file);
        this.#file(path.join(this.#incoming, entry.file), entry.startS * 1000 + offsetMs, entry.endS * 1000 + offsetMs);
      }
    });
    pipe.once('close', () => this.#sweep(run, listed));
  }

  claims(line: string): boolean {
    const muxer = MUXER_LINE.exec(line);
    if (!muxer) return false;
    const message = muxer[1] as string;
    if (/queue full|dropping/i.test(message)) this.#fail('queue_full', message);
    else if (/fail|error|No space|Permission denied|Read-only/i.test(message)) this.#fail('write', message);
    else this.#options.log.debug(line);
    return true;
  }

  end(): void {
    this.active = false;
  }

  inputFailed(reason: TapInputFailure, message: string): void {
    this.#fail(reason, message);
  }

  #file(file: string, startMs: number, endMs: number): void {
    void this.#options.store.add(this.camera, file, Math.round(startMs), Math.round(endMs), this.ext).then((segment) => {
      if (segment === null) return this.#fail('move', `segment ${path.basename(file)} could not be filed`);
      this.segments++;
      this.lastSegmentEndMs = Math.max(this.lastSegmentEndMs, segment.endMs);
      this.#options.onSegment(segment);
    });
  }

  /** After a run: its files ffmpeg never listed are unfinished (killed mid-segment, or a failed close). */
  #sweep(run: number, listed: ReadonlySet<string>): void {
    let files: string[] = [];
    try {
      files = readdirSync(this.#incoming);
    } catch {
      return;
    }
    for (const file of files) {
      if (file.startsWith(`${run}-`) && !listed.has(file))
        void this.#options.store.dropIncoming(this.camera, path.join(this.#incoming, file));
    }
  }

  #fail(kind: RecorderFailure, message: string): void {
    this.failures[kind]++;
    // ffmpeg's lines name the stream's URL, which may carry the camera's password.
    this.lastFailure = maskUrlsInText(message);
    this.lastFailureMs = Date.now();
    this.#options.log.warn({ failure: kind }, `recording: ${this.lastFailure}`);
  }
}

/**
 * `text` as literal in the segment muxer's file name: it expands `%d`-style patterns over the whole
 * name, directories included (av_get_frame_filename), so a `%` in recordings.dir becomes `%%`. The
 * list on fd 3 and the files on disk carry the expanded name, with the single `%`.
 */
export function patternLiteral(text: string): string {
  return text.replaceAll('%', '%%');
}

/** `file,start,end` of the segment muxer's CSV list (times in seconds of the input's timeline). */
function parseListLine(line: string): { file: string; startS: number; endS: number } | null {
  const match = /^(?:"([^"]+)"|([^,]+)),([\d.]+),([\d.]+)\s*$/.exec(line);
  if (!match) return null;
  const startS = Number(match[3]);
  const endS = Number(match[4]);
  if (!Number.isFinite(startS) || !Number.isFinite(endS)) return null;
  return { file: path.basename((match[1] ?? match[2]) as string), startS, endS };
}

/** The output arguments: copy the video into segments, through a fifo that drops rather than blocks. */
export function recordingOutput(settings: CameraRecording, pattern: string): string[] {
  const segment = [
    `segment_time=${settings.segmentSeconds}`,
    'reset_timestamps=1',
    `segment_format=${settings.format}`,
    // `:` separates the fifo's format options, so the pipe's colon is escaped.
    'segment_list=pipe\\:3',
    'segment_list_type=csv',
  ].join(':');
  return [
    '-c',
    'copy',
    '-f',
    'fifo',
    '-fifo_format',
    'segment',
    '-format_opts',
    segment,
    '-queue_size',
    String(FIFO_PACKETS),
    '-drop_pkts_on_overflow',
    '1',
    '-attempt_recovery',
    '1',
    '-recover_any_error',
    '1',
    '-recovery_wait_time',
    '2',
    '-restart_with_keyframe',
    '1',
    pattern,
  ];
}
