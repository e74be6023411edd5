/**
 * The recordings on disk and their index in the events database (segment-index.ts). Every change on
 * disk (move in, rename to another class, delete) goes through one queue of asynchronous file
 * operations: the coordinator's event loop also reads the cameras' frames, so a slow disk must never
 * hold it, and one queue keeps a rename and a delete of the same segment in order. A file is moved
 * into place before its row is queued, and its row is removed after the file, so a crash between
 * the two leaves a file without a row or a row without a file, both of which the start-up
 * reconciliation (segment-reconcile.ts) repairs. Deletions are counted by camera and reason.
 */
import { mkdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { CameraTotals, SegmentIndex } from './segment-index.ts';
import { dayDir, segmentKey, segmentPath, type Segment, type SegmentClass, type SegmentExtension } from './segment-name.ts';

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
  readonly index: SegmentIndex;
  readonly #deleted = new Map<string, Map<DeleteReason, DeletionCount>>();
  #queue: Promise<void> = Promise.resolve();
  #ioErrors = 0;
  #onError: (error: unknown, what: string) => void;

  constructor(root: string, index: SegmentIndex, onError: (error: unknown, what: string) => void = () => {}) {
    this.root = root;
    this.index = index;
    this.#onError = onError;
  }

  /** Deletes an unfinished segment file (counted as incomplete). */
  async removeIncomplete(camera: string, file: string): Promise<void> {
    const bytes = (await stat(file).catch(() => null))?.size ?? 0;
    await rm(file, { force: true });
    this.#count(camera, 'incomplete', bytes);
  }

  /** Queues an unfinished file's deletion (a run ended before ffmpeg listed it). */
  dropIncoming(camera: string, file: string): Promise<void> {
    return this.#enqueue(`delete ${file}`, () => this.removeIncomplete(camera, file));
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
      this.index.put(segment);
      added = segment;
    }).then(() => added);
  }

  /** Renames the segment to its new class. */
  reclassify(segment: Segment, cls: SegmentClass): Promise<void> {
    if (segment.cls === cls) return Promise.resolve();
    return this.#enqueue('rename a segment', async () => {
      const from = segmentKey(segment);
      if (!this.index.has(from)) return;
      await rename(segmentPath(this.root, segment), segmentPath(this.root, { ...segment, cls }));
      segment.cls = cls;
      this.index.move(from, segment);
    });
  }

  delete(segment: Segment, reason: DeleteReason): Promise<void> {
    return this.#enqueue('delete a segment', async () => {
      if (!this.index.has(segmentKey(segment))) return;
      await unlink(segmentPath(this.root, segment)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      this.index.remove(segment);
      this.#count(segment.camera, reason, segment.bytes);
    });
  }

  /** Settles once every queued file operation has. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** Cameras with segments on disk, and how many and how large. */
  totals(): ReadonlyMap<string, CameraTotals> {
    return this.index.totals();
  }

  /** The camera's segments in start order, from the index (tests and small ranges). */
  segments(camera: string, fromMs?: number, toMs?: number): Segment[] {
    return this.index.starting(camera, fromMs, toMs);
  }

  /** Segments overlapping [fromMs, toMs), in start order. */
  overlapping(camera: string, fromMs: number, toMs: number): Segment[] {
    return this.index.overlapping(camera, fromMs, toMs);
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
