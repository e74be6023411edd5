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

/** An event as stored: the published record, with `bestShot.jpeg` the JPEG's path under storage.dir. */
export interface StoredEvent extends DetectionEvent {
  /** The event's clip (recordings, issue 12); null until recordings exist. */
  clip: string | null;
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
  /** Same shape of filters, same SQL: the store caches one prepared statement a key. */
  key: string;
  sql: string;
  params: Record<string, string | number>;
}

/**
 * The SELECT for one page (`limit + 1` rows: the extra one says whether a next page exists). `indexed`
 * false reads the same rows without the indexes (the bench's baseline).
 */
export function compileQuery(q: EventQuery, limit: number, indexed = true): CompiledQuery {
  const order = q.order ?? 'desc';
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: limit + 1 };
  if (q.camera !== undefined) {
    where.push('e.camera = @camera');
    params['camera'] = q.camera;
  }
  if (q.label !== undefined) {
    where.push('e.label = @label');
    params['label'] = q.label;
  }
  if (q.zone !== undefined) {
    where.push('EXISTS (SELECT 1 FROM event_zones z WHERE z.event_id = e.id AND z.zone = @zone)');
    params['zone'] = q.zone;
  }
  if (q.afterMs !== undefined) {
    where.push('e.start_ms >= @after');
    params['after'] = q.afterMs;
  }
  if (q.beforeMs !== undefined) {
    where.push('e.start_ms < @before');
    params['before'] = q.beforeMs;
  }
  if (q.hasClip !== undefined) where.push(q.hasClip ? 'e.clip IS NOT NULL' : 'e.clip IS NULL');
  if (q.cursor !== undefined) {
    where.push(`(e.start_ms, e.id) ${order === 'desc' ? '<' : '>'} (@cursorStart, @cursorId)`);
    params['cursorStart'] = q.cursor.startMs;
    params['cursorId'] = q.cursor.id;
  }
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  const sql =
    `SELECT e.start_ms AS startMs, e.id AS id, e.snapshot AS snapshot, e.clip AS clip, e.data AS data ` +
    `FROM events e${indexed ? '' : ' NOT INDEXED'}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY e.start_ms ${direction}, e.id ${direction} LIMIT @limit`;
  return { key: `${indexed ? 'i' : 'n'}:${sql}`, sql, params };
}
