/**
 * One camera's live restream: an ffmpeg of its own (restream-args.ts) that runs while someone watches,
 * its output split into the init segment and fragments (mp4-boxes.ts) and handed to every viewer. The
 * fragments since the last key frame are kept, so a viewer who joins is sent init + that group at
 * once and starts decoding on a key frame without waiting for the next one.
 *
 *   first viewer -> ffmpeg starts -> init -> fragments ... last viewer leaves -> idle timer -> stop
 *
 * It never touches the camera's analysis: a separate process, and a viewer that cannot keep up is the
 * viewer's problem (live-viewers.ts skips or drops it), never the restream's. When ffmpeg fails (the
 * camera is unreachable, no first fragment in time) every viewer is told why and let go; the next
 * viewer starts a new run.
 */
import type { Logger } from 'pino';
import type { FfmpegLocation } from '../ingest/ffmpeg-path.ts';
import { maskUrl, maskUrlsInText } from '../ingest/mask-url.ts';
import { resolveSecrets } from '../ingest/secrets.ts';
import type { Readable } from 'node:stream';
import { killTree, probeParentDeathGuard, wrapForParentDeath } from '../coordinator/child-guard.ts';
import { spawnChild, type Child } from '../coordinator/child-process.ts';
import { codecString } from './mp4-codec.ts';
import { Mp4Splitter, type Mp4Fragment } from './mp4-boxes.ts';
import { restreamArgs, type LiveSource } from './restream-args.ts';

/** A fragment with the wall-clock time the restream read it from ffmpeg (epoch ms): the video's clock. */
export interface LiveFragment extends Mp4Fragment {
  receivedMs: number;
}

/** What a restream asks of each viewer. */
export interface LiveViewer {
  /** The stream is ready (or restarted): the codec string and the init segment. */
  start(codec: string, init: Buffer): void;
  fragment(fragment: LiveFragment): void;
  /** The restream ended under the viewer; `reason` is safe to show (URLs masked). */
  end(reason: string): void;
}

export interface RestreamOptions {
  camera: string;
  source: LiveSource;
  ffmpeg: FfmpegLocation;
  logger: Logger;
  /** ffmpeg keeps running this long after the last viewer left, for one who comes straight back. */
  idleStopMs: number;
  /** The group of fragments kept for joining viewers is dropped beyond this (a stream with rare key frames). */
  maxGroupBytes: number;
  /** The restream stopped for good (idle, failed): its owner forgets it. */
  onStopped: () => void;
}

export class Restream {
  readonly camera: string;
  readonly source: LiveSource;
  readonly #options: RestreamOptions;
  readonly #log: Logger;
  readonly #viewers = new Set<LiveViewer>();
  #child: Child | undefined;
  #codec: string | null = null;
  #init: Buffer | null = null;
  /** Fragments since the last key frame (the first is the key frame), and their bytes. */
  #group: LiveFragment[] = [];
  #groupBytes = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #firstFrameTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Between the first viewer and ffmpeg's spawn (the parent-death probe is awaited). */
  #starting = false;
  #error: string | null = null;
  fragments = 0;

  constructor(options: RestreamOptions) {
    this.#options = options;
    this.camera = options.camera;
    this.source = options.source;
    this.#log = options.logger.child({ camera: options.camera, live: maskUrl(options.source.url) });
  }

  get viewers(): number {
    return this.#viewers.size;
  }

  /** ffmpeg's pid while it runs (setpriv execs it). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  add(viewer: LiveViewer): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#viewers.add(viewer);
    if (this.#init !== null && this.#codec !== null) {
      viewer.start(this.#codec, this.#init);
      for (const fragment of this.#group) viewer.fragment(fragment);
    }
    if (this.#child === undefined && !this.#starting && !this.#stopped) {
      this.#starting = true;
      // Whatever fails while starting ends this restream with the reason; nothing escapes as an unhandled rejection.
      this.#spawn()
        .catch((error: unknown) => this.stop(`the live stream could not start: ${maskUrlsInText((error as Error).message)}`))
        .finally(() => {
          this.#starting = false;
        });
    }
  }

  remove(viewer: LiveViewer): void {
    if (!this.#viewers.delete(viewer) || this.#viewers.size > 0 || this.#stopped) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.stop(), this.#options.idleStopMs);
    this.#idleTimer.unref();
  }

  /** Stops ffmpeg; viewers still attached hear `reason`. */
  async stop(reason = 'the live stream stopped'): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#firstFrameTimer);
    const viewers = [...this.#viewers];
    this.#viewers.clear();
    for (const viewer of viewers) viewer.end(reason);
    this.#options.onStopped();
    const child = this.#child;
    this.#child = undefined;
    if (child) await killTree(child);
    this.#log.info('live restream stopped');
  }

  async #spawn(): Promise<void> {
    const { source, camera, ffmpeg } = this.#options;
    let url: string;
    try {
      url = resolveSecrets(source.url, camera);
    } catch (error) {
      return this.stop(`the live stream could not start: ${(error as Error).message}`);
    }
    await probeParentDeathGuard();
    if (this.#stopped) return;
    const args = restreamArgs({
      url,
      transport: source.transport,
      loop: source.loop,
      ioTimeoutMs: source.ioTimeoutMs,
      ffmpegMajor: ffmpeg.major,
    });
    const [command, wrapped] = wrapForParentDeath(ffmpeg.path, args);
    const child = spawnChild(command, wrapped, ['ignore', 'pipe', 'pipe']);
    const stdout = child.stdout as Readable;
    const stderrPipe = child.stderr as Readable;
    this.#child = child;
    this.#log.info('live restream started');
    const splitter = new Mp4Splitter({ init: (init) => this.#started(init), fragment: (fragment) => this.#fragment(fragment) });
    stdout.on('data', (chunk: Buffer) => {
      try {
        splitter.feed(chunk);
      } catch (error) {
        this.#error ??= (error as Error).message;
        void killTree(child);
      }
    });
    let stderr = '';
    stderrPipe.setEncoding('utf8').on('data', (text: string) => {
      // The first error line names the cause; ffmpeg's later lines repeat it less clearly.
      stderr = (stderr + text).slice(-4096);
    });
    child.once('error', (error: Error) => {
      this.#error ??= `ffmpeg did not start: ${error.message}`;
    });
    child.once('close', () => {
      if (this.#child !== child) return;
      this.#child = undefined;
      const line = stderr.split('\n').find((l) => l.trim() !== '');
      const cause = maskUrlsInText(this.#error ?? line ?? 'ffmpeg exited');
      if (!this.#stopped) this.#log.warn({ cause }, 'live restream ended');
      void this.stop(`the live stream ended: ${cause}`);
    });
    this.#firstFrameTimer = setTimeout(() => {
      if (this.fragments > 0 || this.#child !== child) return;
      this.#error = `no video within ${source.firstFrameTimeoutMs} ms of connecting`;
      void killTree(child);
    }, source.firstFrameTimeoutMs);
    this.#firstFrameTimer.unref();
  }

  #started(init: Buffer): void {
    const codec = codecString(init);
    if (codec === null) {
      this.#error = 'the stream is neither H.264 nor H.265, which browsers cannot play without re-encoding';
      if (this.#child) void killTree(this.#child);
      return;
    }
    this.#codec = codec;
    this.#init = init;
    this.#group = [];
    this.#groupBytes = 0;
    for (const viewer of this.#viewers) viewer.start(codec, init);
  }

  #fragment(mp4: Mp4Fragment): void {
    // ffmpeg writes each frame as it reads it (frag_every_frame, flush_packets), so the time it arrives
    // here is the frame's wall-clock receipt, the same clock the analysis stamps captureMs with.
    const fragment: LiveFragment = { ...mp4, receivedMs: Date.now() };
    this.fragments += 1;
    if (fragment.key) {
      this.#group = [fragment];
      this.#groupBytes = fragment.data.length;
    } else if (this.#group.length > 0) {
      this.#groupBytes += fragment.data.length;
      this.#group.push(fragment);
      if (this.#groupBytes > this.#options.maxGroupBytes) {
        // Joining viewers wait for the next key frame instead of being sent this much at once.
        this.#group = [];
        this.#groupBytes = 0;
      }
    }
    for (const viewer of this.#viewers) viewer.fragment(fragment);
  }
}
