/**
 * A second output on a camera's ingest ffmpeg (the recorder, src/storage/recording/recorder.ts): the
 * camera actor asks it for ffmpeg arguments at every connect, hands it the run's extra pipe (fd 3) and
 * the stderr lines its muxers print, and tells it when the run ended. It lives and dies with the
 * camera's runs (reconnects, stalls, an open circuit), and nothing it does can hold a frame back.
 */
import type { Readable } from 'node:stream';
import type { TapArgs } from '../ingest/ffmpeg-args.ts';

export interface IngestTap {
  /**
   * The output for a run about to start, or null to run without it. `resolve` turns `${VAR}`
   * references of a URL into the run's real URL (as the camera's own URL is).
   */
  begin(resolve: (url: string) => string): TapArgs | null;
  /** The run's fd 3, where the tap's muxer writes (the segment list). */
  attach(pipe: Readable): void;
  /** A stderr line; true when it came from the tap's muxers (then it is not the camera's error). */
  claims(line: string): boolean;
  /** The run's ffmpeg exited. */
  end(): void;
}
