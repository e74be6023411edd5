/**
 * The recordings index: one row a segment file in the events database (`segments`, migration 2), so
 * clips, retention and the disk guard ask SQLite for a camera's segments over a time range, or the
 * oldest of a class, instead of holding every segment of every camera in memory.
 *
 * Writes are batched like the event store's: queued, and committed in one transaction at most
 * `flushIntervalMs` after the first, or at once at `maxBatch`; every read commits the queue first.
 * A kill -9 loses at most the last interval's rows, and the start-up reconciliation
 * (segment-reconcile.ts) rebuilds them from the file names. Removing a segment's row also clears the
 * clip of every event it was the last recording of, in the same transaction, so `hasClip` never
 * points at a clip that cannot be assembled any more.
 */
import type { Db, Statement } from '../database.ts';
import { segmentKey, type Segment, type SegmentClass, type SegmentExtension } from './segment-name.ts';

export interface SegmentIndexOptions {
  flushIntervalMs?: number;
  maxBatch?: number;
  /** Writes kept while commits fail; beyond it the oldest are dropped (the reconciliation redoes them). */
  maxPending?: number;
  onError?: (error: unknown) => void;
}

export interface CameraTotals {
  segments: number;
  bytes: number;
}

interface Row {
  path: string;
  camera: string;
  startMs: number;
  endMs: number;
  bytes: number;
  cls: SegmentClass;
}

type Write = { kind: 'put'; row: Row } | { kind: 'move'; from: string; row: Row } | { kind: 'remove'; row: Row };

const COLUMNS = 'path, camera, start_ms AS startMs, end_ms AS endMs, bytes, class AS cls';
const FOREVER = Number.MAX_SAFE_INTEGER;

export class SegmentIndex {
  readonly #db: Db;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #maxPending: number;
  readonly #onError: (error: unknown) => void;
  #writes: Write[] = [];
  /** Whether a path has a row once the queue is committed, for the paths the queue touches. */
  readonly #queued = new Map<string, boolean>();
  readonly #totals = new Map<string, CameraTotals>();
  /** The longest segment indexed: how far before a range a segment overlapping it may start. */
  #longestMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #put: Statement;
  readonly #delete: Statement;
  readonly #clearClips: Statement;
  readonly #overlapping: Statement;
  readonly #commit: () => void;
  readonly stats = { commits: 0, failedCommits: 0, dropped: 0, failing: false };

  constructor(db: Db, options: SegmentIndexOptions = {}) {
    this.#db = db;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#maxBatch = options.maxBatch ?? 1000;
    this.#maxPending = options.maxPending ?? 100_000;
    this.#onError = options.onError ?? (() => {});
    this.#put = db.prepare(
      'INSERT OR REPLACE INTO segments (path, camera, start_ms, end_ms, bytes, class) VALUES (@path, @camera, @startMs, @endMs, @bytes, @cls)',
    );
    this.#delete = db.prepare('DELETE FROM segments WHERE path = ?');
    // Events of the camera whose clip window overlaps [from, to) and no remaining segment covers.
    this.#clearClips = db.prepare(
      `UPDATE events SET clip = NULL, clip_from_ms = NULL, clip_to_ms = NULL
       WHERE camera = @camera AND clip IS NOT NULL AND clip_from_ms < @to AND coalesce(clip_to_ms, ${FOREVER}) > @from
         AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.camera = @camera
           AND s.start_ms > events.clip_from_ms - @longest AND s.start_ms < coalesce(events.clip_to_ms, ${FOREVER})
           AND s.end_ms > events.clip_from_ms)`,
    );
    this.#overlapping = db.prepare(
      `SELECT ${COLUMNS} FROM segments WHERE camera = @camera AND start_ms > @from - @longest AND start_ms < @to AND end_ms > @from ORDER BY start_ms`,
    );
    this.#commit = db.transaction(() => {
      const removed = new Map<string, { from: number; to: number }>();
      for (const write of this.#writes) {
        if (write.kind === 'move') this.#delete.run(write.from);
        if (write.kind === 'remove') {
          this.#delete.run(write.row.path);
          const range = removed.get(write.row.camera);
          removed.set(write.row.camera, {
            from: Math.min(range?.from ?? FOREVER, write.row.startMs),
            to: Math.max(range?.to ?? 0, write.row.endMs),
          });
        } else this.#put.run(write.row);
      }
      for (const [camera, { from, to }] of removed) this.#clearClips.run({ camera, from, to, longest: this.#longestMs });
    });
    const totals = db
      .prepare('SELECT camera, count(*) AS segments, sum(bytes) AS bytes, max(end_ms - start_ms) AS longest FROM segments GROUP BY camera')
      .all() as Array<CameraTotals & { camera: string; longest: number }>;
    for (const t of totals) {
      this.#totals.set(t.camera, { segments: t.segments, bytes: t.bytes });
      this.#longestMs = Math.max(this.#longestMs, t.longest);
    }
  }

  /** Indexes a segment (replacing a row of the same path). */
  put(segment: Segment): void {
    const row = toRow(segment);
    this.#longestMs = Math.max(this.#longestMs, row.endMs - row.startMs);
    this.#count(row.camera, 1, row.bytes);
    this.#queue({ kind: 'put', row });
  }

  /** The segment's file was renamed from `fromPath` (another class). */
  move(fromPath: string, segment: Segment): void {
    this.#queue({ kind: 'move', from: fromPath, row: toRow(segment) });
  }

  remove(segment: Segment): void {
    const row = toRow(segment);
    this.#count(row.camera, -1, -row.bytes);
    this.#queue({ kind: 'remove', row });
  }

  /** Whether `path` has a row (counting the queued writes, without committing them). */
  has(path: string): boolean {
    const queued = this.#queued.get(path);
    if (queued !== undefined) return queued;
    return this.#db.prepare('SELECT 1 FROM segments WHERE path = ?').get(path) !== undefined;
  }

  /** Segments of `camera` overlapping [fromMs, toMs), in start order. */
  overlapping(camera: string, fromMs: number, toMs: number): Segment[] {
    this.flush();
    return this.#segments(this.#overlapping.all({ camera, from: fromMs, to: toMs, longest: this.#longestMs }));
  }

  /** Every segment of `camera` starting in [fromMs, toMs), in start order. */
  starting(camera: string, fromMs = 0, toMs = FOREVER): Segment[] {
    this.flush();
    const rows = this.#db
      .prepare(`SELECT ${COLUMNS} FROM segments WHERE camera = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms`)
      .all(camera, fromMs, toMs);
    return this.#segments(rows);
  }

  /** The `limit` oldest segments of a class, all cameras. */
  oldest(cls: SegmentClass, limit: number): Segment[] {
    this.flush();
    return this.#segments(this.#db.prepare(`SELECT ${COLUMNS} FROM segments WHERE class = ? ORDER BY start_ms LIMIT ?`).all(cls, limit));
  }

  /** Up to `limit` segments of `camera` and class `cls` that ended before `cutoffMs`, oldest first. */
  endedBefore(camera: string, cls: SegmentClass, cutoffMs: number, limit: number): Segment[] {
    this.flush();
    const rows = this.#db
      .prepare(`SELECT ${COLUMNS} FROM segments WHERE camera = ? AND start_ms < ? AND class = ? AND end_ms < ? ORDER BY start_ms LIMIT ?`)
      .all(camera, cutoffMs, cls, cutoffMs, limit);
    return this.#segments(rows);
  }

  /**
   * The (camera, UTC day) pairs that hold rows: one index seek a day,
   * so walking a year of a hundred cameras costs 36,500 seeks, not a scan of millions of rows.
   */
  *days(): Generator<{ camera: string; dayStartMs: number }> {
    this.flush();
    const nextCamera = this.#db.prepare('SELECT min(camera) AS camera FROM segments WHERE camera > ?');
    const nextStart = this.#db.prepare('SELECT min(start_ms) AS start FROM segments WHERE camera = ? AND start_ms >= ?');
    let camera = (nextCamera.get('') as { camera: string | null }).camera;
    while (camera !== null) {
      let from = Number.MIN_SAFE_INTEGER;
      for (;;) {
        const start = (nextStart.get(camera, from) as { start: number | null }).start;
        if (start === null) break;
        const dayStartMs = Math.floor(start / 86_400_000) * 86_400_000;
        yield { camera, dayStartMs };
        from = dayStartMs + 86_400_000;
      }
      camera = (nextCamera.get(camera) as { camera: string | null }).camera;
    }
  }

  totals(): ReadonlyMap<string, CameraTotals> {
    return this.#totals;
  }

  /** The longest segment indexed (ms): how far before a time a segment reaching it may start. */
  get longestMs(): number {
    return this.#longestMs;
  }

  /** Commits the queue now; false when the commit failed (the queue is kept and retried). */
  flush(): boolean {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writes.length === 0 || this.#closed) return true;
    try {
      this.#commit();
    } catch (error) {
      this.stats.failedCommits++;
      this.stats.failing = true;
      this.#onError(error);
      if (this.#writes.length > this.#maxPending) {
        this.stats.dropped += this.#writes.length - this.#maxPending;
        this.#writes = this.#writes.slice(-this.#maxPending);
        this.#queued.clear();
        for (const w of this.#writes) this.#mark(w);
      }
      this.#schedule();
      return false;
    }
    this.#writes = [];
    this.#queued.clear();
    this.stats.commits++;
    this.stats.failing = false;
    return true;
  }

  /** Commits what is queued; later writes are ignored (the database closes next). */
  close(): void {
    this.flush();
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #queue(write: Write): void {
    if (this.#closed) return;
    this.#writes.push(write);
    this.#mark(write);
    if (this.#writes.length >= this.#maxBatch) this.flush();
    else this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => this.flush(), this.#flushIntervalMs);
    this.#timer.unref();
  }

  #mark(write: Write): void {
    if (write.kind === 'move') this.#queued.set(write.from, false);
    this.#queued.set(write.row.path, write.kind !== 'remove');
  }

  #count(camera: string, segments: number, bytes: number): void {
    const t = this.#totals.get(camera) ?? { segments: 0, bytes: 0 };
    this.#totals.set(camera, { segments: t.segments + segments, bytes: t.bytes + bytes });
  }

  #segments(rows: unknown[]): Segment[] {
    return (rows as Row[]).map((r) => ({
      camera: r.camera,
      startMs: r.startMs,
      endMs: r.endMs,
      bytes: r.bytes,
      cls: r.cls,
      ext: (r.path.endsWith('.ts') ? 'ts' : 'mp4') as SegmentExtension,
    }));
  }
}

function toRow(s: Segment): Row {
  return { path: segmentKey(s), camera: s.camera, startMs: s.startMs, endMs: s.endMs, bytes: s.bytes, cls: s.cls };
}
