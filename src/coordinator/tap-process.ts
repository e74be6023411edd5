/**
 * A tap's own ffmpeg (a camera's recorder of its main stream while analysis reads the sub-stream):
 * copies the stream, decodes nothing, and has a lifecycle of its own, so the main stream failing or
 * stalling never restarts the camera's analysis ffmpeg. Follows the camera: the gateway starts and
 * stops it with the camera's actor.
 *
 *   connect -> copying (progress counts packets) -> exits or stalls -> one failure, retry after backoff
 *
 * A run that copies nothing within the camera's first-frame deadline, or stops copying for its stall
 * timeout, is killed; each failed run is one failure of the tap (`input` or `stall`), with the delay
 * before the next attempt in its message. Staying up for the camera's stableAfterMs resets the backoff.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { recordArgs, type InputSpec } from '../ingest/ffmpeg-args.ts';
import type { FfmpegLocation } from '../ingest/ffmpeg-path.ts';
import { maskUrl, maskUrlsInText } from '../ingest/mask-url.ts';
import { ProgressParser } from '../ingest/progress.ts';
import { resolveSecrets } from '../ingest/secrets.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { killTree, wrapForParentDeath } from './child-guard.ts';
import { spawnChild, type Child } from './child-process.ts';
import type { IngestTap, TapInputFailure } from './ingest-tap.ts';
import { watchdogTicker } from './shared-ticker.ts';

export interface TapProcessOptions {
  camera: string;
  /** A tap with a `url` of its own. */
  tap: IngestTap & { readonly url: string };
  /** How the stream is opened (the camera's transport and socket timeout). */
  input: Omit<InputSpec, 'url' | 'ffmpegMajor'>;
  /** The camera's lifecycle: the same deadlines and backoff as its analysis. */
  stallTimeoutMs: number;
  firstFrameTimeoutMs: number;
  stableAfterMs: number;
  backoff: BackoffOptions;
  ffmpeg: FfmpegLocation;
  logger: Logger;
}

export class TapProcess {
  /** Runs started, and runs that failed (each one retried after the backoff). */
  runs = 0;
  failures = 0;
  readonly #options: TapProcessOptions;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  #child: Child | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #stableTimer: NodeJS.Timeout | undefined;
  /** Stops this tap's stall checks (run by the gateway's one watchdog timer). */
  #stopWatchdog: (() => void) | undefined;
  #stopping = false;
  #runStartMs = 0;
  #packets = 0;
  #lastPacketMs = 0;
  /** Why the current run is failing: set by the watchdog (which kills it) or by ffmpeg's error lines. */
  #failure: { reason: TapInputFailure; message: string } | null = null;
  #killed = false;

  constructor(options: TapProcessOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.#log = options.logger.child({ camera: options.camera, recording: maskUrl(options.tap.url) });
  }

  /** The running ffmpeg's pid (setpriv execs it), undefined between runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    this.#stopping = false;
    const { stallTimeoutMs, firstFrameTimeoutMs } = this.#options;
    this.#stopWatchdog ??= watchdogTicker.every(Math.min(1000, stallTimeoutMs / 4, firstFrameTimeoutMs / 4), () => this.#check());
    this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopWatchdog?.();
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#stableTimer);
    this.#stopWatchdog = undefined;
    const child = this.#child;
    this.#child = undefined;
    if (child) await killTree(child);
  }

  #connect(): void {
    if (this.#stopping) return;
    const { tap, camera, input, ffmpeg } = this.#options;
    let url: string;
    try {
      url = resolveSecrets(tap.url, camera);
    } catch (err) {
      // A missing secret will not appear within seconds: retry on the slow schedule.
      this.#failed({ reason: 'input', message: (err as Error).message }, this.#options.backoff.maxMs);
      return;
    }
    const output = tap.begin();
    if (output === null) {
      // The tap could not prepare its output (it counted why); try again later.
      this.#retryTimer = setTimeout(() => this.#connect(), this.#backoff.next());
      return;
    }
    this.runs++;
    this.#runStartMs = Date.now();
    this.#packets = 0;
    this.#failure = null;
    this.#killed = false;
    const [command, args] = wrapForParentDeath(ffmpeg.path, recordArgs({ ...input, url, ffmpegMajor: ffmpeg.major }, output));
    const child = spawnChild(command, args, ['ignore', 'ignore', 'pipe', 'pipe']);
    this.#child = child;
    tap.attach(child.stdio[3] as Readable);
    const parser = new ProgressParser({
      progress: (p) => {
        if (p.frame > this.#packets) this.#copying(p.frame);
      },
      error: (_kind, line) => {
        if (tap.claims(line)) return;
        if (this.#stopping || this.#killed) return this.#log.debug(line);
        // The first error names the cause; ffmpeg closes with a generic "<url>: Input/output error".
        this.#failure ??= { reason: 'input', message: line };
        this.#log.debug(line);
      },
      line: (line) => {
        if (!tap.claims(line)) this.#log.debug(line);
      },
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => parser.feed(text));
    child.once('error', (err) => {
      this.#failure ??= { reason: 'input', message: `ffmpeg did not start: ${maskUrlsInText(err.message)}` };
    });
    child.once('close', () => {
      if (this.#child === child) this.#child = undefined;
      tap.end();
      this.#ended();
    });
  }

  #copying(packets: number): void {
    if (this.#packets === 0) {
      this.#log.info('recording its stream');
      clearTimeout(this.#stableTimer);
      this.#stableTimer = setTimeout(() => this.#backoff.reset(), this.#options.stableAfterMs);
    }
    this.#packets = packets;
    this.#lastPacketMs = Date.now();
  }

  #ended(): void {
    clearTimeout(this.#stableTimer);
    if (this.#stopping) return;
    const failure = this.#failure ?? {
      reason: 'input' as const,
      message: this.#packets > 0 ? 'the stream ended' : 'ffmpeg exited before the first packet',
    };
    this.#failed(failure, this.#backoff.next());
  }

  #failed(failure: { reason: TapInputFailure; message: string }, delayMs: number): void {
    this.failures++;
    this.#options.tap.inputFailed(failure.reason, `recorded stream: ${failure.message}; retrying in ${delayMs} ms`);
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs);
  }

  #check(): void {
    const child = this.#child;
    if (!child || this.#killed) return;
    const now = Date.now();
    const { stallTimeoutMs, firstFrameTimeoutMs } = this.#options;
    if (this.#packets > 0 && now - this.#lastPacketMs > stallTimeoutMs) {
      this.#kill(child, { reason: 'stall', message: `no packet for ${Math.round((now - this.#lastPacketMs) / 1000)} s` });
    } else if (this.#packets === 0 && now - this.#runStartMs > firstFrameTimeoutMs) {
      this.#kill(child, { reason: 'input', message: `no packet within ${firstFrameTimeoutMs} ms of connecting` });
    }
  }

  #kill(child: Child, failure: { reason: TapInputFailure; message: string }): void {
    this.#failure = failure;
    this.#killed = true;
    void killTree(child);
  }
}
