/**
 * An output that copies a camera's stream (the recorder, src/storage/recording/recorder.ts), run in
 * one of two places:
 * - `url` null: a second output on the camera's ingest ffmpeg, when it records the analysed stream.
 *   The camera actor asks it for ffmpeg arguments at every connect, hands it the run's extra pipe
 *   (fd 3) and the stderr lines its muxers print, and tells it when the run ended. It lives and dies
 *   with the camera's runs (reconnects, stalls, an open circuit), and nothing it does can hold a
 *   frame back.
 * - `url` set: the stream it records is another one (the main stream while analysis reads the
 *   sub-stream), read by a process of its own with its own lifecycle (tap-process.ts), so that
 *   stream's failures never restart analysis. That process also reports why its runs failed.
 */
import type { Readable } from 'node:stream';
import type { TapArgs } from '../ingest/ffmpeg-args.ts';

/** input: the recorded stream could not be opened, or ended; stall: it stopped sending packets. */
export type TapInputFailure = 'input' | 'stall';

export interface IngestTap {
  /** The stream this tap records in a process of its own (may hold `${VAR}` secrets), or null. */
  readonly url: string | null;
  /** The output for a run about to start, or null to run without it. */
  begin(): TapArgs | null;
  /** The run's fd 3, where the tap's muxer writes (the segment list). */
  attach(pipe: Readable): void;
  /** A stderr line; true when it came from the tap's muxers (then it is not the camera's error). */
  claims(line: string): boolean;
  /** The run's ffmpeg exited. */
  end(): void;
  /** A run of its own process failed to read its stream (never called for a tap on the camera's ffmpeg). */
  inputFailed(reason: TapInputFailure, message: string): void;
}
