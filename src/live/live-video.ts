/**
 * Every camera's live restream, made on the first viewer and forgotten when it stops: one restream a
 * camera whatever the number of viewers, at most `maxViewersPerCamera` viewers each. The site says
 * which stream a camera is watched from (`sources`); a camera whose stream changes or that is removed
 * has its restream stopped (`cameraChanged`), and its viewers are told.
 */
import type { Logger } from 'pino';
import { CameraDisabledError, CameraNotFoundError, RequestError } from '../errors.ts';
import type { FfmpegLocation } from '../ingest/ffmpeg-path.ts';
import type { ViewerCounters } from './paced-viewer.ts';
import { Restream, type LiveViewer } from './restream.ts';
import type { LiveSource } from './restream-args.ts';
import { DEFAULT_LIVE_SETTINGS, type LiveSettings } from './settings.ts';

export type { LiveSettings } from './settings.ts';

/** A camera's stream for live viewing, or why it cannot be watched. */
export type LiveLookup = { source: LiveSource } | { refused: 'unknown' | 'disabled' };

export interface LiveVideoOptions {
  ffmpeg: FfmpegLocation;
  logger: Logger;
  sources: (camera: string) => LiveLookup;
  settings?: Partial<LiveSettings>;
}

export type LiveRefusal = 'unknown_camera' | 'disabled' | 'limit';

export interface CameraLiveStats extends ViewerCounters {
  viewers: number;
  /** ffmpeg runs now. */
  running: boolean;
  /** Restreams started since the gateway started. */
  starts: number;
}

export interface LiveStats {
  cameras: Record<string, CameraLiveStats>;
  refused: Record<LiveRefusal, number>;
}

/** The largest group of fragments kept for joining viewers (a 4 Mbit/s stream with a 10 s key-frame interval fits). */
const MAX_GROUP_BYTES = 8 * 1024 * 1024;

export class LiveVideo {
  readonly settings: LiveSettings;
  readonly #options: LiveVideoOptions;
  readonly #restreams = new Map<string, Restream>();
  readonly #counters = new Map<string, CameraLiveStats>();
  readonly #refused: Record<LiveRefusal, number> = { unknown_camera: 0, disabled: 0, limit: 0 };
  #closed = false;

  constructor(options: LiveVideoOptions) {
    this.#options = options;
    this.settings = { ...DEFAULT_LIVE_SETTINGS, ...options.settings };
  }

  /** The counters a viewer of `camera` adds to (kept while the gateway runs). */
  counters(camera: string): CameraLiveStats {
    let counters = this.#counters.get(camera);
    if (counters === undefined) {
      counters = { viewers: 0, running: false, starts: 0, skips: 0, dropped: 0, sent: 0 };
      this.#counters.set(camera, counters);
    }
    return counters;
  }

  /**
   * Attaches a viewer to the camera's restream (starting it when it is the first); the function
   * returned detaches it. Throws CameraNotFoundError, CameraDisabledError, or E_BUSY at the limit.
   */
  join(camera: string, viewer: LiveViewer): () => void {
    if (this.#closed) throw new RequestError('E_STOPPING', 'The gateway is stopping; retry once it is running again');
    const lookup = this.#options.sources(camera);
    if ('refused' in lookup) {
      this.#refused[lookup.refused === 'unknown' ? 'unknown_camera' : 'disabled'] += 1;
      if (lookup.refused === 'unknown') throw new CameraNotFoundError(camera);
      throw new CameraDisabledError(camera);
    }
    let restream = this.#restreams.get(camera);
    if (restream !== undefined && !sameSource(restream.source, lookup.source)) {
      void restream.stop('the camera changed its stream; reconnect');
      restream = undefined;
    }
    if (restream !== undefined && restream.viewers >= this.settings.maxViewersPerCamera) {
      this.#refused.limit += 1;
      throw new RequestError(
        'E_BUSY',
        `Camera '${camera}' already has ${this.settings.maxViewersPerCamera} live viewers (http.live.maxViewersPerCamera); retry later or raise the limit`,
      );
    }
    if (restream === undefined) restream = this.#start(camera, lookup.source);
    restream.add(viewer);
    const counters = this.counters(camera);
    counters.viewers += 1;
    const joined = restream;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      counters.viewers -= 1;
      joined.remove(viewer);
    };
  }

  /** The camera was removed or its stream changed: its restream stops and its viewers are told. */
  cameraChanged(camera: string): void {
    void this.#restreams.get(camera)?.stop('the camera was changed or removed; reconnect');
  }

  /** ffmpeg's pid of a camera's restream while it runs (tests count processes with it). */
  pidOf(camera: string): number | undefined {
    return this.#restreams.get(camera)?.pid;
  }

  stats(): LiveStats {
    const cameras: Record<string, CameraLiveStats> = {};
    for (const [camera, counters] of this.#counters)
      cameras[camera] = { ...counters, running: this.#restreams.get(camera)?.pid !== undefined };
    return { cameras, refused: { ...this.#refused } };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#restreams.values()].map((r) => r.stop('the gateway is stopping')));
  }

  #start(camera: string, source: LiveSource): Restream {
    const restream: Restream = new Restream({
      camera,
      source,
      ffmpeg: this.#options.ffmpeg,
      logger: this.#options.logger,
      idleStopMs: this.settings.idleStopMs,
      maxGroupBytes: MAX_GROUP_BYTES,
      onStopped: () => {
        if (this.#restreams.get(camera) === restream) this.#restreams.delete(camera);
      },
    });
    this.#restreams.set(camera, restream);
    this.counters(camera).starts += 1;
    return restream;
  }
}

function sameSource(a: LiveSource, b: LiveSource): boolean {
  return a.url === b.url && a.transport === b.transport && a.loop === b.loop && a.ioTimeoutMs === b.ioTimeoutMs;
}
