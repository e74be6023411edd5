/**
 * Confirmed tracks in SQLite (`tracks`, migration 5): one row a track, written when it ends, with the
 * event it became (if it did), so the objects that passed without an event are on record too. The
 * rows ride the event store's batch (committed in its transaction, at most 1 s after the first queued
 * write), are read a camera at a time in keyset pages like events, and are deleted with the events by
 * retention. A track still running at a crash is not kept (it is written at its end).
 */
import type { TrackRecord } from '../analytics/decisions/track-log.ts';
import type { Statement } from './database.ts';
import { DEFAULT_PAGE_SIZE, encodeCursor, type EventCursor, type EventOrder } from './event-query.ts';
import type { BatchWriter, EventStore } from './event-store.ts';

export interface StoredTrack {
  camera: string;
  trackId: number;
  label: string;
  firstSeenMs: number;
  lastSeenMs: number;
  bestScore: number;
  eventId: string | null;
  zones: string[];
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

interface Row extends Omit<StoredTrack, 'zones'> {
  id: number;
  zones: string;
}

export class TrackStore implements BatchWriter {
  readonly #events: EventStore;
  readonly #insert: Statement;
  readonly #pages = new Map<string, Statement>();
  #queue: TrackRecord[] = [];

  constructor(events: EventStore) {
    this.#events = events;
    this.#insert = events.db.prepare(
      `INSERT INTO tracks (camera, track_id, label, first_ms, last_ms, best_score, event_id, zones)
       VALUES (@camera, @trackId, @label, @firstMs, @lastMs, @bestScore, @eventId, @zones)`,
    );
    events.attach(this);
  }

  /** Queues an ended track's record (copied: the caller's record is not kept). */
  record(track: Readonly<TrackRecord>): void {
    this.#events.enqueue(() => this.#queue.push({ ...track, zones: [...track.zones] }));
  }

  get size(): number {
    return this.#queue.length;
  }

  commit(): void {
    for (const t of this.#queue)
      this.#insert.run({
        ...t,
        firstMs: Math.floor(t.firstMs),
        lastMs: Math.floor(t.lastMs),
        zones: JSON.stringify(t.zones),
      });
  }

  clear(): void {
    this.#queue = [];
  }

  dropOldest(): boolean {
    return this.#queue.shift() !== undefined;
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
      event_id AS eventId, zones FROM tracks WHERE ${where.join(' AND ')} ORDER BY first_ms ${direction}, id ${direction} LIMIT @limit`;
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
      tracks: page.map(({ id: _id, zones, ...track }) => ({ ...track, zones: JSON.parse(zones) as string[] })),
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
