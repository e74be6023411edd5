/**
 * Confirmed tracks in SQLite (`tracks`, migrations 5 and 7): one row a track, with the event it became
 * (if it did), so the objects that passed without an event are on record too. The row is written
 * when the track is confirmed and updated as it runs (last seen, best score, event, zones), both in
 * the event store's batch: a running track observed since the last commit costs one row write at the
 * next commit (at most 1 s after the first queued write), never one a frame. Its end fills
 * `end_reason` ('track'); a row still running at a kill -9 is closed at the next start at the last
 * commit before the kill (`endInterruptedTracks`, 'restart', as interrupted events are), so the loss
 * is the last interval's observations, never the track. Rows are read a camera at a time in keyset
 * pages like events, and are deleted with the events by retention.
 */
import type { TrackPhase, TrackRecord } from '../analytics/decisions/track-log.ts';
import type { Db, Statement } from './database.ts';
import { DEFAULT_PAGE_SIZE, encodeCursor, type EventCursor, type EventOrder } from './event-query.ts';
import type { BatchWriter, EventStore } from './event-store.ts';
import { lastCommitMs } from './interrupted-events.ts';

/** Why a stored track stopped other than by its track ending: a killed run left it running. */
export type TrackEndReason = 'restart';

export interface StoredTrack {
  camera: string;
  trackId: number;
  label: string;
  firstSeenMs: number;
  lastSeenMs: number;
  bestScore: number;
  eventId: string | null;
  zones: string[];
  /** Still tracked (as of the last commit). */
  running: boolean;
  /** Only on a track a killed gateway left running: closed at the next start, lastSeenMs the last commit before the kill. */
  endReason?: TrackEndReason;
}

export interface TrackQuery {
  camera: string;
  /** First seen at or after (epoch ms). */
  afterMs?: number;
  /** First seen before (epoch ms). */
  beforeMs?: number;
  order?: EventOrder;
  /** The page position to continue from (events' cursor format: first seen, row id). */
  cursor?: EventCursor;
  limit?: number;
}

export interface TrackPage {
  tracks: StoredTrack[];
  nextCursor: string | null;
}

interface Row extends Omit<StoredTrack, 'zones' | 'running' | 'endReason'> {
  id: number;
  zones: string;
  endReason: 'track' | TrackEndReason | null;
}

/** A track with a write queued or a row to update: the live record while it runs, a copy once ended. */
interface Entry {
  record: Readonly<TrackRecord>;
  /** Its row, once an insert committed. */
  rowId: number | null;
  ended: boolean;
}

export class TrackStore implements BatchWriter {
  readonly #events: EventStore;
  readonly #insert: Statement;
  readonly #update: Statement;
  readonly #pages = new Map<string, Statement>();
  /** Running tracks by their live record (TrackLog keeps one object a track). */
  readonly #running = new Map<Readonly<TrackRecord>, Entry>();
  /** Tracks to write at the next commit, oldest first (what `dropOldest` drops). */
  readonly #dirty = new Set<Entry>();
  /** Rows inserted by the commit under way, adopted when it succeeded. */
  readonly #inserted = new Map<Entry, number>();

  constructor(events: EventStore) {
    this.#events = events;
    this.#insert = events.db.prepare(
      `INSERT INTO tracks (camera, track_id, label, first_ms, last_ms, best_score, event_id, zones, end_reason)
       VALUES (@camera, @trackId, @label, @firstMs, @lastMs, @bestScore, @eventId, @zones, @endReason)`,
    );
    this.#update = events.db.prepare(
      `UPDATE tracks SET last_ms = @lastMs, best_score = @bestScore, event_id = @eventId, zones = @zones, end_reason = @endReason
       WHERE id = @id`,
    );
    events.attach(this);
  }

  /**
   * A track's record as it runs (kept by reference and read at the commit: called every frame, it
   * queues at most one write a commit) or when it ended (copied, written with its end).
   */
  record(track: Readonly<TrackRecord>, phase: TrackPhase): void {
    let entry = this.#running.get(track);
    if (phase === 'running') {
      if (entry === undefined) {
        entry = { record: track, rowId: null, ended: false };
        this.#running.set(track, entry);
      } else if (this.#dirty.has(entry)) return;
    } else {
      this.#running.delete(track);
      entry ??= { record: track, rowId: null, ended: false };
      entry.record = { ...track, zones: [...track.zones] };
      entry.ended = true;
    }
    const queued = entry;
    this.#events.enqueue(() => {
      // Re-adding moves an ended track behind the others, in arrival order like the events.
      this.#dirty.delete(queued);
      this.#dirty.add(queued);
    });
  }

  get size(): number {
    return this.#dirty.size;
  }

  commit(): void {
    this.#inserted.clear();
    for (const entry of this.#dirty) {
      const t = entry.record;
      const values = {
        lastMs: Math.floor(t.lastMs),
        bestScore: t.bestScore,
        eventId: t.eventId,
        zones: JSON.stringify(t.zones),
        endReason: entry.ended ? 'track' : null,
      };
      if (entry.rowId !== null) this.#update.run({ ...values, id: entry.rowId });
      else {
        const { lastInsertRowid } = this.#insert.run({
          ...values,
          camera: t.camera,
          trackId: t.trackId,
          label: t.label,
          firstMs: Math.floor(t.firstMs),
        });
        this.#inserted.set(entry, Number(lastInsertRowid));
      }
    }
  }

  clear(): void {
    for (const [entry, rowId] of this.#inserted) entry.rowId = rowId;
    this.#inserted.clear();
    this.#dirty.clear();
  }

  /** A running track's write comes back with its next observation; an ended one's is lost (counted by the store). */
  dropOldest(): boolean {
    const oldest = this.#dirty.values().next();
    if (oldest.done === true) return false;
    this.#dirty.delete(oldest.value);
    return true;
  }

  /** A page of a camera's tracks by first-seen time (newest first unless `order` is asc). Commits the queue first. */
  page(q: TrackQuery): TrackPage {
    this.#events.flush();
    const order = q.order ?? 'desc';
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const where = ['camera = @camera'];
    const params: Record<string, string | number> = { camera: q.camera, limit: limit + 1 };
    if (q.afterMs !== undefined) {
      where.push('first_ms >= @after');
      params['after'] = q.afterMs;
    }
    if (q.beforeMs !== undefined) {
      where.push('first_ms < @before');
      params['before'] = q.beforeMs;
    }
    if (q.cursor !== undefined) {
      where.push(`(first_ms, id) ${order === 'desc' ? '<' : '>'} (@cursorFirst, @cursorId)`);
      params['cursorFirst'] = q.cursor.startMs;
      params['cursorId'] = Number(q.cursor.id);
    }
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    const sql = `SELECT id, camera, track_id AS trackId, label, first_ms AS firstSeenMs, last_ms AS lastSeenMs, best_score AS bestScore,
      event_id AS eventId, zones, end_reason AS endReason FROM tracks WHERE ${where.join(' AND ')} ORDER BY first_ms ${direction}, id ${direction} LIMIT @limit`;
    let statement = this.#pages.get(sql);
    if (statement === undefined) {
      statement = this.#events.db.prepare(sql);
      // Bounded: one statement a combination of the three optional filters and the order (16).
      this.#pages.set(sql, statement);
    }
    const rows = statement.all(params) as Row[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      tracks: page.map(({ id: _id, zones, endReason, ...track }) => ({
        ...track,
        zones: JSON.parse(zones) as string[],
        running: endReason === null,
        ...(endReason === 'restart' ? { endReason } : {}),
      })),
      nextCursor: more && last ? encodeCursor({ order, startMs: last.firstSeenMs, id: String(last.id) }) : null,
    };
  }

  /** Deletes up to `batch` of the oldest tracks first seen before `cutoffMs`; returns how many. */
  removeOlderThan(cutoffMs: number, batch: number): number {
    this.#events.flush();
    return this.#events.db
      .prepare('DELETE FROM tracks WHERE id IN (SELECT id FROM tracks WHERE first_ms < ? ORDER BY first_ms LIMIT ?)')
      .run(cutoffMs, batch).changes;
  }
}

/**
 * Closes every track row a killed run left running (interrupted-events.ts says why the last commit is
 * the best end known): last seen at that commit (never before what the row holds), end reason
 * 'restart'. Returns how many. For a database whose last commit time is unknown, at what the row holds.
 */
export function endInterruptedTracks(db: Db): number {
  const aliveMs = Math.floor(lastCommitMs(db) ?? 0);
  return db
    .prepare(
      `UPDATE tracks SET last_ms = max(last_ms, @aliveMs), end_reason = 'restart'
       WHERE id IN (SELECT id FROM tracks INDEXED BY tracks_running WHERE end_reason IS NULL)`,
    )
    .run({ aliveMs }).changes;
}
