/**
 * Clips: a camera's segments over a time range joined by ffmpeg's concat demuxer with stream copy,
 * cut with `inpoint`/`outpoint` (a copy can only start on a key frame, so a clip starts up to one
 * key-frame interval before the asked start), written as a seekable MP4 (`+faststart`). A player asks
 * for the same clip many times (one Range request after another), so finished clips are cached, a few
 * at a time; assemblies run at most MAX_RUNNING at once with a short queue, and a request beyond it is
 * refused (E_BUSY) rather than queued without end.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RequestError } from '../../errors.ts';
import type { Segment } from './segment-name.ts';
import type { SegmentStore } from './segment-store.ts';

const MAX_RUNNING = 2;
const MAX_WAITING = 8;
const MAX_CACHED = 16;
/** Assemblies of one clip: a decision may rename a listed segment (its class letter) while ffmpeg reads the list. */
const MAX_ATTEMPTS = 3;

export const CLIP_DIR = '.clips';

export interface ClipFile {
  path: string;
  /** The range the clip covers as asked (its first key frame may lie a little before `fromMs`). */
  fromMs: number;
  toMs: number;
}

export class ClipMaker {
  readonly #store: SegmentStore;
  readonly #ffmpeg: string;
  readonly #dir: string;
  readonly #cached = new Map<string, string>();
  readonly #building = new Map<string, Promise<string>>();
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(store: SegmentStore, ffmpegPath: string) {
    this.#store = store;
    this.#ffmpeg = ffmpegPath;
    this.#dir = path.join(store.root, CLIP_DIR);
  }

  /** The clip of `camera` over [fromMs, toMs); E_NOT_FOUND when no segment overlaps it. */
  async clip(camera: string, fromMs: number, toMs: number): Promise<ClipFile> {
    const segments = this.#segments(camera, fromMs, toMs);
    const key = createHash('sha1')
      .update(`${camera}|${fromMs}|${toMs}|${segments.map((s) => `${s.startMs}-${s.endMs}`).join(',')}`)
      .digest('hex');
    const cached = this.#cached.get(key);
    if (cached !== undefined) {
      this.#cached.delete(key);
      this.#cached.set(key, cached);
      return { path: cached, fromMs, toMs };
    }
    let building = this.#building.get(key);
    if (!building) {
      if (this.#running + this.#waiting.length >= MAX_RUNNING + MAX_WAITING)
        throw new RequestError('E_BUSY', `${MAX_RUNNING + MAX_WAITING} clips are being assembled already; retry in a few seconds`);
      building = this.#build(key, camera, segments, fromMs, toMs).finally(() => this.#building.delete(key));
      this.#building.set(key, building);
    }
    return { path: await building, fromMs, toMs };
  }

  #segments(camera: string, fromMs: number, toMs: number): Segment[] {
    const segments = this.#store.overlapping(camera, fromMs, toMs).filter((s) => s.cls !== 'pending' || s.endMs <= Date.now());
    if (segments.length === 0)
      throw new RequestError(
        'E_NOT_FOUND',
        `No recording of camera '${camera}' between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()} (not recorded, not finished yet, or deleted)`,
      );
    return segments;
  }

  async #build(key: string, camera: string, segments: readonly Segment[], fromMs: number, toMs: number): Promise<string> {
    await this.#slot();
    try {
      await mkdir(this.#dir, { recursive: true });
      const out = path.join(this.#dir, `${key}.mp4`);
      // Paths as listed, not the segments: a rename changes the class of the store's segment object.
      const paths = (list: readonly Segment[]) => list.map((s) => this.#store.pathOf(s)).join('\n');
      let listed = segments;
      for (let attempt = 1; ; attempt++) {
        const listedPaths = paths(listed);
        try {
          await this.#assemble(path.join(this.#dir, `${key}.ffconcat`), out, listed, fromMs, toMs);
          break;
        } catch (error) {
          // A segment renamed or deleted under ffmpeg: the store has its new name (or none), so list again.
          const now = this.#segments(camera, fromMs, toMs);
          if (attempt >= MAX_ATTEMPTS || paths(now) === listedPaths) throw error;
          listed = now;
        }
      }
      this.#cached.set(key, out);
      while (this.#cached.size > MAX_CACHED) {
        const [oldest, file] = this.#cached.entries().next().value as [string, string];
        this.#cached.delete(oldest);
        // A clip being sent stays readable: the response holds its file open.
        await rm(file, { force: true });
      }
      return out;
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  async #assemble(list: string, out: string, segments: readonly Segment[], fromMs: number, toMs: number): Promise<void> {
    await writeFile(
      list,
      concatList(segments, (s) => this.#store.pathOf(s), fromMs, toMs),
    );
    try {
      await run(this.#ffmpeg, [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-f',
        'concat',
        '-safe',
        '0',
        '-i',
        list,
        '-map',
        '0:v',
        '-c',
        'copy',
        '-movflags',
        '+faststart',
        '-f',
        'mp4',
        '-y',
        `${out}.part`,
      ]);
      await rename(`${out}.part`, out);
    } finally {
      await rm(list, { force: true });
      await rm(`${out}.part`, { force: true });
    }
  }

  #slot(): Promise<void> {
    if (this.#running < MAX_RUNNING) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#waiting.push(() => {
        this.#running++;
        resolve();
      }),
    );
  }
}

/** An ffconcat list of the segments, the first cut in at `fromMs` and the last out at `toMs`. */
export function concatList(segments: readonly Segment[], pathOf: (s: Segment) => string, fromMs: number, toMs: number): string {
  const lines = ['ffconcat version 1.0'];
  for (const s of segments) {
    lines.push(`file '${pathOf(s).replaceAll("'", "'\\''")}'`);
    if (fromMs > s.startMs) lines.push(`inpoint ${((fromMs - s.startMs) / 1000).toFixed(3)}`);
    if (toMs < s.endMs) lines.push(`outpoint ${((toMs - s.startMs) / 1000).toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`clip assembly failed: ${stderr.trim().split('\n').slice(-3).join('; ') || error.message}`));
      else resolve();
    });
  });
}
