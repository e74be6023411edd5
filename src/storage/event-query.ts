/**
 * What a page of stored events is asked with, and the SQL it becomes. Pages are keyset pages: a cursor
 * is the (start_ms, id) of the last event of the previous page, so page 1,000 costs what page 1 does
 * (an OFFSET would walk every row before it) and events arriving meanwhile do not shift the pages.
 */
import type { DetectionEvent } from '../analytics/events.ts';

export type EventOrder = 'desc' | 'asc';

export interface EventQuery {
  camera?: string;
  label?: string;
  /** Events that entered this zone. */
  zone?: string;
  /** Started at or after (epoch ms). */
  afterMs?: number;
  /** Started before (epoch ms). */
  beforeMs?: number;
  /** true: only events with a clip; false: only events without one. */
  hasClip?: boolean;
  /** By start time; newest first (desc) by default. */
  order?: EventOrder;
  /** Continue after this page position (from `nextCursor`). */
  cursor?: EventCursor;
  /** Page size; 100 by default. */
  limit?: number;
}

export interface EventCursor {
  order: EventOrder;
  startMs: number;
  id: string;
}

/** How much of an event's window [start - preRoll, end + postRoll] its camera's recordings hold. */
export type ClipState = 'partial' | 'complete';

export interface EventClip {
  /** GET it for the MP4 (assembled from the segments when asked). */
  url: string;
  /** partial: recorded so far (the event runs, its post-roll is not recorded yet, or the recording has a gap at its end); complete: through the end of its post-roll. */
  state: ClipState;
}

/** An event as stored: the published record, with `bestShot.jpeg` and `bestShot.frameJpeg` the JPEGs' paths under storage.dir. */
export interface StoredEvent extends DetectionEvent {
  /** The event's clip; null while nothing of its window is recorded (or its segments were deleted). */
  clip: EventClip | null;
}

export function clipUrl(eventId: string): string {
  return `/api/v1/events/${encodeURIComponent(eventId)}/clip.mp4`;
}

export interface EventPage {
  events: StoredEvent[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 100;

export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(JSON.stringify([cursor.order, cursor.startMs, cursor.id])).toString('base64url');
}

/** The cursor, or the reason the text is not one this API issued. */
export function decodeCursor(text: string): EventCursor | string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    (value[0] !== 'desc' && value[0] !== 'asc') ||
    !Number.isSafeInteger(value[1]) ||
    typeof value[2] !== 'string'
  )
    return 'not a cursor this API issued; pass the nextCursor of the previous page unchanged';
  return { order: value[0], startMs: value[1] as number, id: value[2] };
}

export interface CompiledQuery {
  /** Same filters present, same SQL: the store caches one prepared statement a shape. */
  sql: string;
  params: Record<string, string | number>;
}

/**
 * The SELECT for one page (`limit + 1` rows: the extra one says whether a next page exists). Every shape
 * walks an index in (start_ms, id) order and stops after the page: a camera or label page walks its
 * index, a zone page walks the zone's entries (a rare zone costs its own entries, not a scan of every
 * event) and looks each event up by id. No shape sorts.
 */
export function compileQuery(q: EventQuery, limit: number): CompiledQuery {
  const order = q.order ?? 'desc';
  const byZone = q.zone !== undefined;
  // The (start, id) pair the walk is ordered by: the zone entry's copy when walking a zone.
  const start = byZone ? 'z.start_ms' : 'e.start_ms';
  const id = byZone ? 'z.event_id' : 'e.id';
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: limit + 1 };
  if (q.zone !== undefined) {
    where.push('z.zone = @zone');
    params['zone'] = q.zone;
  }
  if (q.camera !== undefined) {
    where.push('e.camera = @camera');
    params['camera'] = q.camera;
  }
  if (q.label !== undefined) {
    where.push('e.label = @label');
    params['label'] = q.label;
  }
  if (q.afterMs !== undefined) {
    where.push(`${start} >= @after`);
    params['after'] = q.afterMs;
  }
  if (q.beforeMs !== undefined) {
    where.push(`${start} < @before`);
    params['before'] = q.beforeMs;
  }
  if (q.hasClip !== undefined) where.push(q.hasClip ? 'e.clip IS NOT NULL' : 'e.clip IS NULL');
  if (q.cursor !== undefined) {
    where.push(`(${start}, ${id}) ${order === 'desc' ? '<' : '>'} (@cursorStart, @cursorId)`);
    params['cursorStart'] = q.cursor.startMs;
    params['cursorId'] = q.cursor.id;
  }
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  // CROSS JOIN keeps the zone entries as the outer loop (SQLite never reorders a CROSS JOIN).
  const from = byZone ? 'event_zones z CROSS JOIN events e ON e.id = z.event_id' : 'events e';
  const sql =
    `SELECT e.start_ms AS startMs, e.id AS id, e.snapshot AS snapshot, e.frame AS frame, e.clip AS clip, e.data AS data FROM ${from}` +
    `${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${start} ${direction}, ${id} ${direction} LIMIT @limit`;
  return { sql, params };
}
