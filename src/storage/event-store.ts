/**
 * Events in SQLite: every start, update and end of an event is kept (one row an event, updated in
 * place; the end fills end_ms), with its zones and the paths of its best-shot and full-frame JPEGs, and read back in
 * filtered keyset pages for the REST API.
 *
 * Writes are batched: `record` only queues the event's latest state (several messages of one event
 * in the same batch collapse into one row write), and the queue is committed in one transaction at
 * most `flushIntervalMs` after the first queued write, or at once when it holds `maxBatch` writes. A
 * hot event rate costs one commit a second, not one a row, and a killed process loses at most the
 * writes of the last interval (src/storage/database.ts says why a commit survives kill -9).
 */
import type { DetectionEvent, EventMessage } from '../analytics/events.ts';
import { openDatabase, type Db, type Statement } from './database.ts';
import type { PictureKind } from './snapshot-files.ts';
import {
  clipUrl,
  type ClipState,
  compileQuery,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  type EventOrder,
  type EventPage,
  type EventQuery,
  type StoredEvent,
} from './event-query.ts';

export interface EventStoreOptions {
  /** The most a queued write waits for its commit. */
  flushIntervalMs?: number;
  /** A queue this long is committed at once. */
  maxBatch?: number;
  /** Writes kept while commits fail (disk full); beyond it the oldest are dropped and counted. */
  maxPending?: number;
  /** A commit failed (the writes stay queued and are retried on the next flush). */
  onError?: (error: unknown) => void;
  /** A commit succeeded with this many writes. */
  onCommit?: (writes: number) => void;
}

export interface EventStoreStats {
  /** Rows written (event states and snapshot references). */
  written: number;
  commits: number;
  /** Commits that failed (their writes were kept and retried). */
  failedCommits: number;
  /** Writes dropped because commits kept failing and the queue reached maxPending. */
  dropped: number;
  pending: number;
  /** The last commit failed: writes are queued in memory until one succeeds. */
  failing: boolean;
}

interface Row {
  startMs: number;
  id: string;
  snapshot: string | null;
  frame: string | null;
  clip: ClipState | null;
  data: string;
}

interface ClipWrite {
  state: ClipState | null;
  fromMs: number;
  /** null while the event runs. */
  toMs: number | null;
}

/**
 * Another store's rows committed in the event store's batch (the tracks): its queue counts towards the
 * batch, is committed inside the same transaction, and cleared once that succeeded.
 */
export interface BatchWriter {
  readonly size: number;
  /** Writes the queue (inside the batch's transaction). */
  commit(): void;
  /** The commit succeeded. */
  clear(): void;
  /** Commits keep failing and the batch is full: drops the oldest queued write; false when none. */
  dropOldest(): boolean;
}

/** Picture references (best-shot crops and full frames) of the rows a retention pass removed. */
export interface RemovedEvents {
  count: number;
  snapshots: string[];
}

export class EventStore {
  readonly file: string;
  /** Schema versions applied when this store opened the file. */
  readonly migrated: readonly number[];
  /** The connection, shared by the recordings index (segment-index.ts): one lock, one WAL. */
  readonly db: Db;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #maxPending: number;
  readonly #onError: (error: unknown) => void;
  readonly #onCommit: (writes: number) => void;
  /** Latest state of each event waiting for its commit. */
  readonly #events = new Map<string, Readonly<DetectionEvent>>();
  /** Snapshot references waiting for their commit (null clears one). */
  readonly #snapshots = new Map<string, string | null>();
  /** Full-frame references waiting for their commit (null clears one). */
  readonly #frames = new Map<string, string | null>();
  /** Clip states waiting for their commit. */
  readonly #clips = new Map<string, ClipWrite>();
  readonly #writers: BatchWriter[] = [];
  readonly #statements = new Map<string, Statement>();
  readonly #upsert: Statement;
  readonly #zone: Statement;
  readonly #setSnapshot: Statement;
  readonly #setFrame: Statement;
  readonly #setClip: Statement;
  readonly #byId: Statement;
  readonly #snapshotById: Statement;
  readonly #frameById: Statement;
  readonly #alive: Statement;
  readonly #commit: () => void;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly stats: EventStoreStats = { written: 0, commits: 0, failedCommits: 0, dropped: 0, pending: 0, failing: false };

  constructor(file: string, options: EventStoreOptions = {}) {
    const { db, migrated } = openDatabase(file);
    this.file = file;
    this.migrated = migrated;
    this.db = db;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#maxBatch = options.maxBatch ?? 1000;
    this.#maxPending = options.maxPending ?? 100_000;
    this.#onError = options.onError ?? (() => {});
    this.#onCommit = options.onCommit ?? (() => {});
    // The snapshot and clip columns are left alone: an update of the event never clears its picture.
    this.#upsert = db.prepare(
      `INSERT INTO events (id, camera, label, start_ms, end_ms, score, data) VALUES (@id, @camera, @label, @startMs, @endMs, @score, @data)
       ON CONFLICT (id) DO UPDATE SET label = excluded.label, end_ms = excluded.end_ms, score = excluded.score, data = excluded.data`,
    );
    this.#zone = db.prepare('INSERT OR IGNORE INTO event_zones (event_id, zone, start_ms) VALUES (?, ?, ?)');
    this.#setSnapshot = db.prepare('UPDATE events SET snapshot = ? WHERE id = ?');
    this.#setFrame = db.prepare('UPDATE events SET frame = ? WHERE id = ?');
    // A complete clip never goes back to partial (a segment filed late, looked at alone); null (the
    // ended event's window holds no segment) clears it.
    this.#setClip = db.prepare(
      `UPDATE events SET clip = @state, clip_from_ms = @fromMs, clip_to_ms = @toMs WHERE id = @id AND (clip IS NOT 'complete' OR @state IS NOT 'partial')`,
    );
    this.#byId = db.prepare('SELECT start_ms AS startMs, id, snapshot, frame, clip, data FROM events WHERE id = ?');
    this.#snapshotById = db.prepare('SELECT snapshot FROM events WHERE id = ?');
    this.#frameById = db.prepare('SELECT frame FROM events WHERE id = ?');
    // The last commit's wall clock: an event a crash left running is ended there at the next start
    // (interrupted-events.ts). One row rewritten a commit, so it costs nothing a batch does not.
    this.#alive = db.prepare(
      "INSERT INTO store_state (key, value) VALUES ('alive_ms', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    this.#commit = db.transaction(() => {
      this.#alive.run(String(Date.now()));
      for (const event of this.#events.values()) {
        this.#upsert.run({
          id: event.id,
          camera: event.camera,
          label: event.label,
          startMs: Math.floor(event.startMs),
          endMs: event.endMs === null ? null : Math.floor(event.endMs),
          score: event.score,
          data: JSON.stringify(event),
        });
        for (const zone of event.zones) this.#zone.run(event.id, zone, Math.floor(event.startMs));
      }
      for (const [id, path] of this.#snapshots) this.#setSnapshot.run(path, id);
      for (const [id, path] of this.#frames) this.#setFrame.run(path, id);
      for (const [id, clip] of this.#clips) this.#setClip.run({ id, ...clip });
      for (const writer of this.#writers) writer.commit();
    });
  }

  /** Queues the event's state carried by a start, update or end message. */
  record(message: EventMessage): void {
    this.#queue(() => {
      // Re-inserting keeps the queue in arrival order, which `maxPending` drops from.
      this.#events.delete(message.event.id);
      this.#events.set(message.event.id, message.event);
    });
  }

  /** Queues the event's best-shot JPEG reference (a path under storage.dir), or null to clear it. */
  setSnapshot(eventId: string, path: string | null): void {
    this.#queue(() => this.#snapshots.set(eventId, path));
  }

  /** Queues the event's full-frame JPEG reference (a path under storage.dir), or null to clear it. */
  setFrame(eventId: string, path: string | null): void {
    this.#queue(() => this.#frames.set(eventId, path));
  }

  /** setSnapshot or setFrame by kind. */
  setPicture(eventId: string, kind: PictureKind, path: string | null): void {
    if (kind === 'frame') this.setFrame(eventId, path);
    else this.setSnapshot(eventId, path);
  }

  /** Queues the event's clip state and window (recording/event-clips.ts decides them); null clears it. */
  setClip(eventId: string, state: ClipState | null, fromMs: number, toMs: number | null): void {
    this.#queue(() => {
      if (this.#clips.get(eventId)?.state === 'complete' && state === 'partial') return;
      this.#clips.set(eventId, { state, fromMs: Math.floor(fromMs), toMs: toMs === null ? null : Math.ceil(toMs) });
    });
  }

  /** Commits `writer`'s queue with every batch from now on. */
  attach(writer: BatchWriter): void {
    this.#writers.push(writer);
  }

  /** Runs an attached writer's queueing in the batch: committed within flushIntervalMs, or at once at maxBatch. */
  enqueue(write: () => void): void {
    this.#queue(write);
  }

  /** Commits the queue now. False when the commit failed (the queue is kept for the next try). */
  flush(): boolean {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const count = this.#size();
    if (count === 0 || this.#closed) return true;
    try {
      this.#commit();
    } catch (error) {
      this.stats.failedCommits++;
      this.stats.failing = true;
      this.#onError(error);
      this.#trim();
      this.#schedule();
      return false;
    }
    this.#events.clear();
    this.#snapshots.clear();
    this.#frames.clear();
    this.#clips.clear();
    for (const writer of this.#writers) writer.clear();
    this.stats.written += count;
    this.stats.commits++;
    this.stats.pending = 0;
    this.stats.failing = false;
    this.#onCommit(count);
    return true;
  }

  /** A page of events. Reads commit the queue first, so a reader sees every event published before it. */
  query(q: EventQuery): EventPage {
    this.flush();
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const compiled = compileQuery(q, limit);
    let statement = this.#statements.get(compiled.sql);
    if (statement === undefined) {
      statement = this.db.prepare(compiled.sql);
      // Bounded: one statement per combination of filters present and order (2^7 x 2 at most).
      this.#statements.set(compiled.sql, statement);
    }
    const rows = statement.all(compiled.params) as Row[];
    const more = rows.length > limit;
    const events = (more ? rows.slice(0, limit) : rows).map(toStoredEvent);
    const last = events.at(-1);
    const order: EventOrder = q.order ?? 'desc';
    return { events, nextCursor: more && last ? encodeCursor({ order, startMs: Math.floor(last.startMs), id: last.id }) : null };
  }

  get(id: string): StoredEvent | undefined {
    this.flush();
    const row = this.#byId.get(id) as Row | undefined;
    return row && toStoredEvent(row);
  }

  /** The stored JPEG reference of an event: undefined for an unknown event, null when it has none. */
  snapshotOf(id: string): string | null | undefined {
    this.flush();
    const row = this.#snapshotById.get(id) as { snapshot: string | null } | undefined;
    return row?.snapshot;
  }

  /** The stored full-frame JPEG reference of an event: undefined for an unknown event, null when it has none. */
  frameOf(id: string): string | null | undefined {
    this.flush();
    const row = this.#frameById.get(id) as { frame: string | null } | undefined;
    return row?.frame;
  }

  /** snapshotOf or frameOf by kind. */
  pictureOf(id: string, kind: PictureKind): string | null | undefined {
    return kind === 'frame' ? this.frameOf(id) : this.snapshotOf(id);
  }

  /**
   * Deletes up to `batch` of the oldest events that started before `cutoffMs` (and their zones);
   * returns their JPEG references (crops and frames) so the caller removes the files. Call again while it returns `batch`.
   */
  removeOlderThan(cutoffMs: number, batch: number): RemovedEvents {
    this.flush();
    const removed = this.db.transaction(() => {
      const rows = this.db
        .prepare('SELECT id, snapshot, frame FROM events WHERE start_ms < ? ORDER BY start_ms LIMIT ?')
        .all(cutoffMs, batch) as Array<{ id: string; snapshot: string | null; frame: string | null }>;
      const deleteEvent = this.db.prepare('DELETE FROM events WHERE id = ?');
      const deleteZones = this.db.prepare('DELETE FROM event_zones WHERE event_id = ?');
      for (const row of rows) {
        deleteEvent.run(row.id);
        deleteZones.run(row.id);
      }
      return rows;
    })();
    return { count: removed.length, snapshots: removed.flatMap((r) => [r.snapshot, r.frame].filter((p) => p !== null)) };
  }

  /** Every event's JPEG reference (for the start-up reconciliation), read row by row. */
  *snapshotReferences(): Generator<{ id: string; snapshot: string }> {
    this.flush();
    yield* this.db.prepare('SELECT id, snapshot FROM events WHERE snapshot IS NOT NULL').iterate() as Iterable<{
      id: string;
      snapshot: string;
    }>;
  }

  /** Every event's full-frame JPEG reference (for the start-up reconciliation), read row by row. */
  *frameReferences(): Generator<{ id: string; frame: string }> {
    this.flush();
    yield* this.db.prepare('SELECT id, frame FROM events WHERE frame IS NOT NULL').iterate() as Iterable<{ id: string; frame: string }>;
  }

  /** `PRAGMA integrity_check`: 'ok', or the problems SQLite found. */
  integrity(): string {
    return (this.db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }

  /** Commits what is queued and closes the file (the lock goes with it). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    clearTimeout(this.#timer);
    this.db.close();
  }

  #queue(write: () => void): void {
    if (this.#closed) return;
    write();
    this.stats.pending = this.#size();
    if (this.stats.pending >= this.#maxBatch) this.flush();
    else this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => this.flush(), this.#flushIntervalMs);
    // The queue is committed on close; a pending flush must not keep a stopping process alive.
    this.#timer.unref();
  }

  #size(): number {
    return (
      this.#events.size + this.#snapshots.size + this.#frames.size + this.#clips.size + this.#writers.reduce((sum, w) => sum + w.size, 0)
    );
  }

  /** While commits fail, keeps the newest `maxPending` writes (the attached stores' go first). */
  #trim(): void {
    for (const writer of this.#writers) while (this.#size() > this.#maxPending && writer.dropOldest()) this.stats.dropped++;
    for (const queue of [this.#clips, this.#events, this.#frames, this.#snapshots] as Array<Map<string, unknown>>) {
      while (this.#size() > this.#maxPending && queue.size > 0) {
        queue.delete(queue.keys().next().value as string);
        this.stats.dropped++;
      }
    }
    this.stats.pending = this.#size();
  }
}

function toStoredEvent(row: Row): StoredEvent {
  const event = JSON.parse(row.data) as DetectionEvent;
  const bestShot = event.bestShot === null ? null : { ...event.bestShot, jpeg: row.snapshot, frameJpeg: row.frame };
  return { ...event, bestShot, clip: row.clip === null ? null : { url: clipUrl(event.id), state: row.clip } };
}
