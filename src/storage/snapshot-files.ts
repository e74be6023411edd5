/**
 * Best-shot JPEGs on disk: `<storage.dir>/snapshots/<camera>/<YYYY-MM-DD>/<event id>.jpg` (the UTC day
 * the event started), and beside it `<event id>.frame.jpg`, the whole frame at the best-shot moment. One directory a camera and day keeps directories small at a million events and
 * lets an operator find a day's pictures by hand. A file is written under a temporary name and renamed,
 * so a crash never leaves a half-written JPEG under its real name.
 */
import { existsSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SNAPSHOTS_DIR = 'snapshots';
const TEMP_SUFFIX = '.partial';
const FRAME_SUFFIX = '.frame';

/** Which picture of an event a file is: the best-shot crop or the full frame at that moment. */
export type PictureKind = 'crop' | 'frame';

export class SnapshotFiles {
  /** The storage directory; references are relative to it. */
  readonly root: string;
  /** Day directories this process made or found: one mkdir a camera and day, not one a picture. */
  readonly #dirs = new Set<string>();

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /**
   * Where an event's JPEG goes, relative to the storage directory (camera ids and event ids are
   * path-safe; an event id ends in a number, so never in `.frame`).
   */
  referenceFor(camera: string, eventId: string, startMs: number, kind: PictureKind = 'crop'): string {
    const day = new Date(startMs).toISOString().slice(0, 10);
    return `${SNAPSHOTS_DIR}/${camera}/${day}/${eventId}${kind === 'frame' ? FRAME_SUFFIX : ''}.jpg`;
  }

  async write(reference: string, jpeg: Uint8Array): Promise<void> {
    const file = this.#absolute(reference);
    const dir = path.dirname(file);
    const temp = `${file}${TEMP_SUFFIX}`;
    if (!this.#dirs.has(dir)) await this.#makeDir(dir);
    try {
      await writeFile(temp, jpeg);
    } catch (error) {
      // Removed behind our back (by hand): made again once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.#makeDir(dir);
      await writeFile(temp, jpeg);
    }
    await rename(temp, file);
  }

  /** The JPEG, or null when its file is gone. */
  async read(reference: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#absolute(reference));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async remove(reference: string): Promise<void> {
    await unlink(this.#absolute(reference)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  exists(reference: string): boolean {
    return existsSync(this.#absolute(reference));
  }

  removeSync(reference: string): void {
    try {
      unlinkSync(this.#absolute(reference));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Every file under snapshots/<camera>/<day>/, as references; `partial` marks an interrupted write. */
  *files(): Generator<{ reference: string; eventId: string; kind: PictureKind; partial: boolean }> {
    const base = path.join(this.root, SNAPSHOTS_DIR);
    for (const camera of listDir(base)) {
      for (const day of listDir(path.join(base, camera))) {
        for (const name of listDir(path.join(base, camera, day))) {
          const reference = `${SNAPSHOTS_DIR}/${camera}/${day}/${name}`;
          const partial = name.endsWith(TEMP_SUFFIX);
          const stem = name.replace(/\.jpg(\.partial)?$/, '');
          const kind: PictureKind = stem.endsWith(FRAME_SUFFIX) ? 'frame' : 'crop';
          yield { reference, eventId: kind === 'frame' ? stem.slice(0, -FRAME_SUFFIX.length) : stem, kind, partial };
        }
      }
    }
  }

  /**
   * Removes day directories before `cutoffMs`'s day that retention left empty. Later days are left
   * alone: a write may be creating one right now.
   */
  pruneEmptyDays(cutoffMs: number): void {
    const cutoffDay = new Date(cutoffMs).toISOString().slice(0, 10);
    const base = path.join(this.root, SNAPSHOTS_DIR);
    for (const camera of listDir(base)) {
      for (const day of listDir(path.join(base, camera))) {
        if (day >= cutoffDay) continue;
        const dir = path.join(base, camera, day);
        if (tryRmdir(dir)) this.#dirs.delete(dir);
      }
    }
  }

  async #makeDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    this.#dirs.add(dir);
  }

  /** A reference as a path; one that would leave the snapshots directory is refused. */
  #absolute(reference: string): string {
    const file = path.resolve(this.root, reference);
    if (!file.startsWith(path.join(this.root, SNAPSHOTS_DIR) + path.sep))
      throw new Error(`snapshot reference outside the storage directory: ${reference}`);
    return file;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** True when the directory was removed. */
function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false; // not empty (or already gone): kept
  }
}
