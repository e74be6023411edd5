/**
 * The recordings on disk and their in-memory index (per camera, in start order), rebuilt from the file
 * names by a start-up scan. Every change on disk (move in, rename to another class, delete) goes
 * through one queue of asynchronous file operations: the coordinator's event loop also reads the
 * cameras' frames, so a slow disk must never hold it, and one queue keeps a rename and a delete of the
 * same segment in order. Deletions are counted by camera and reason.
 */
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { dayDir, parseSegmentName, segmentPath, type Segment, type SegmentClass, type SegmentExtension } from './segment-name.ts';

/**
 * not_kept: outside every event (and motion) window of its mode; retention: older than its class's
 * days; disk_guard: deleted to keep free space; incomplete: a segment ffmpeg never finished (killed).
 */
export const DELETE_REASONS = ['not_kept', 'retention', 'disk_guard', 'incomplete'] as const;
export type DeleteReason = (typeof DELETE_REASONS)[number];

export interface DeletionCount {
  segments: number;
  bytes: number;
}

/** Where ffmpeg writes a camera's unfinished segments, below the camera's directory. */
export const INCOMING_DIR = '.incoming';

export class SegmentStore {
  readonly root: string;
  readonly #byCamera = new Map<string, Segment[]>();
  readonly #deleted = new Map<string, Map<DeleteReason, DeletionCount>>();
  #queue: Promise<void> = Promise.resolve();
  #ioErrors = 0;
  #onError: (error: unknown, what: string) => void;

  constructor(root: string, onError: (error: unknown, what: string) => void = () => {}) {
    this.root = root;
    this.#onError = onError;
  }

  /** Reads what earlier runs left: finished segments into the index, unfinished ones deleted. */
  async scan(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const camera of await dirs(this.root)) {
      // Camera ids never start with a dot; the clip cache does.
      if (camera.startsWith('.')) continue;
      const found: Segment[] = [];
      for (const day of await dirs(path.join(this.root, camera))) {
        const dir = path.join(this.root, camera, day);
        if (day === INCOMING_DIR) {
          for (const file of await readdir(dir)) await this.#dropIncoming(camera, path.join(dir, file));
          continue;
        }
        for (const file of await readdir(dir)) {
          const bytes = (await stat(path.join(dir, file)).catch(() => null))?.size ?? 0;
          const segment = parseSegmentName(camera, day, file, bytes);
          if (segment) found.push(segment);
        }
      }
      found.sort((a, b) => a.startMs - b.startMs);
      if (found.length > 0) this.#byCamera.set(camera, found);
    }
  }

  /** Deletes an unfinished segment file (counted as incomplete). */
  async #dropIncoming(camera: string, file: string): Promise<void> {
    const bytes = (await stat(file).catch(() => null))?.size ?? 0;
    await rm(file, { force: true });
    this.#count(camera, 'incomplete', bytes);
  }

  /** Queues an unfinished file's deletion (a run ended before ffmpeg listed it). */
  dropIncoming(camera: string, file: string): Promise<void> {
    return this.#enqueue(`delete ${file}`, () => this.#dropIncoming(camera, file));
  }

  /** Moves a finished segment from `file` into the index as pending; resolves with it (null on failure). */
  add(camera: string, file: string, startMs: number, endMs: number, ext: SegmentExtension): Promise<Segment | null> {
    let added: Segment | null = null;
    return this.#enqueue(`move ${file}`, async () => {
      const bytes = (await stat(file)).size;
      const segment: Segment = { camera, startMs, endMs, bytes, cls: 'pending', ext };
      const target = segmentPath(this.root, segment);
      await mkdir(path.join(this.root, camera, dayDir(startMs)), { recursive: true });
      await rename(file, target);
      insertSorted(this.#list(camera), segment);
      added = segment;
    }).then(() => added);
  }

  /** Renames the segment to its new class. */
  reclassify(segment: Segment, cls: SegmentClass): Promise<void> {
    if (segment.cls === cls) return Promise.resolve();
    return this.#enqueue('rename a segment', async () => {
      if (!this.#list(segment.camera).includes(segment)) return;
      const from = segmentPath(this.root, segment);
      await rename(from, segmentPath(this.root, { ...segment, cls }));
      segment.cls = cls;
    });
  }

  delete(segment: Segment, reason: DeleteReason): Promise<void> {
    return this.#enqueue('delete a segment', async () => {
      const list = this.#list(segment.camera);
      const at = list.indexOf(segment);
      if (at < 0) return;
      list.splice(at, 1);
      await unlink(segmentPath(this.root, segment)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      this.#count(segment.camera, reason, segment.bytes);
    });
  }

  /** Settles once every queued file operation has. */
  idle(): Promise<void> {
    return this.#queue;
  }

  cameras(): string[] {
    return [...this.#byCamera.keys()];
  }

  /** The camera's segments in start order (the live array: do not change it). */
  segments(camera: string): readonly Segment[] {
    return this.#byCamera.get(camera) ?? [];
  }

  /** Segments overlapping [fromMs, toMs), in start order. */
  overlapping(camera: string, fromMs: number, toMs: number): Segment[] {
    return this.segments(camera).filter((s) => s.endMs > fromMs && s.startMs < toMs);
  }

  pathOf(segment: Segment): string {
    return segmentPath(this.root, segment);
  }

  deletions(): ReadonlyMap<string, ReadonlyMap<DeleteReason, DeletionCount>> {
    return this.#deleted;
  }

  get ioErrors(): number {
    return this.#ioErrors;
  }

  #list(camera: string): Segment[] {
    let list = this.#byCamera.get(camera);
    if (!list) this.#byCamera.set(camera, (list = []));
    return list;
  }

  #count(camera: string, reason: DeleteReason, bytes: number): void {
    let byReason = this.#deleted.get(camera);
    if (!byReason) this.#deleted.set(camera, (byReason = new Map()));
    const count = byReason.get(reason) ?? { segments: 0, bytes: 0 };
    byReason.set(reason, { segments: count.segments + 1, bytes: count.bytes + bytes });
  }

  #enqueue(what: string, op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(op).catch((error: unknown) => {
      this.#ioErrors++;
      this.#onError(error, what);
    });
    this.#queue = run;
    return run;
  }
}

async function dirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** Segments arrive in order, so this is an append but for a late one. */
function insertSorted(list: Segment[], segment: Segment): void {
  let i = list.length;
  while (i > 0 && (list[i - 1] as Segment).startMs > segment.startMs) i--;
  list.splice(i, 0, segment);
}
