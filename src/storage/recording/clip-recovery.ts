/**
 * Clip states made whole again at start. A running gateway decides each event's clip from the event
 * windows it holds in memory (event-clips.ts), and commits the states in the event store's batch; a
 * kill loses that memory and the last batch, so without this an event could keep a stale state for
 * good: `partial` or null although segments cover its window (the state of the last second was lost,
 * or its segments' rows were rebuilt from their files by the reconciliation), or `partial` with an
 * open window (it was running; interrupted-events.ts has ended it since).
 *
 * So, once the recordings index is reconciled, every ended event whose clip is not `complete` and
 * whose window [start - preRoll, end + postRoll] can reach a camera's segments has its state decided
 * again against the index, exactly as at an event's end. The window is the one stored with the state
 * when there is one (the rolls it was decided with), else the camera's rolls now. The events visited
 * come from a partial index over clips that are not complete, a camera and a time range at a time,
 * so an ordinary start (every clip complete, or old ones without recordings) costs a few seeks.
 */
import type { CameraRecording } from '../../config/recording-schema.ts';
import type { ClipState } from '../event-query.ts';
import type { EventStore } from '../event-store.ts';
import { clipState } from './event-clips.ts';
import type { SegmentIndex } from './segment-index.ts';

export type Rolls = Pick<CameraRecording, 'preRollSeconds' | 'postRollSeconds'>;

/**
 * How long before a camera's oldest segment an event may have started and still reach it: events
 * are looked up by start time, and one longer than this that began before the recordings is not
 * revisited (its state was decided when it ended, as every other).
 */
const LONGEST_EVENT_MS = 86_400_000;

export interface ClipRecovery {
  /** Events whose state was decided again. */
  checked: number;
  /** Of those, the ones whose state or window changed. */
  changed: number;
}

interface Candidate {
  id: string;
  startMs: number;
  endMs: number;
  clip: ClipState | null;
  fromMs: number | null;
  toMs: number | null;
}

export function recoverClips(events: EventStore, index: SegmentIndex, rollsOf: (camera: string) => Rolls): ClipRecovery {
  const result: ClipRecovery = { checked: 0, changed: 0 };
  events.flush();
  index.flush();
  const { db } = events;
  // Separate statements: SQLite answers a lone min() or max() from the (camera, start) index in one seek.
  const firstStart = db.prepare('SELECT min(start_ms) AS ms FROM segments WHERE camera = ?').pluck();
  const lastStart = db.prepare('SELECT max(start_ms) AS ms FROM segments WHERE camera = ?').pluck();
  // `clip IS NOT 'complete'` as the partial index says it; INDEXED BY makes SQLite walk that index
  // (and refuse the query, rather than scan, should it ever not fit).
  const candidates = db.prepare(
    `SELECT id, start_ms AS startMs, end_ms AS endMs, clip, clip_from_ms AS fromMs, clip_to_ms AS toMs
     FROM events INDEXED BY events_clip_open WHERE camera = @camera AND clip IS NOT 'complete' AND start_ms >= @from AND start_ms < @to
       AND end_ms IS NOT NULL AND end_ms + @post > @first`,
  );
  for (const camera of index.totals().keys()) {
    const first = firstStart.get(camera) as number | null;
    const last = lastStart.get(camera) as number | null;
    if (first === null || last === null) continue;
    const { preRollSeconds, postRollSeconds } = rollsOf(camera);
    const pre = preRollSeconds * 1000;
    const post = postRollSeconds * 1000;
    const rows = candidates.all({
      camera,
      from: first - pre - LONGEST_EVENT_MS,
      // A window reaches the newest segment when it starts before that segment ends.
      to: last + index.longestMs + pre,
      post,
      first,
    }) as Candidate[];
    for (const row of rows) {
      const fromMs = row.fromMs ?? row.startMs - pre;
      const toMs = row.toMs ?? row.endMs + post;
      const state = clipState({ fromMs, toMs }, index.overlapping(camera, fromMs, toMs));
      result.checked++;
      if (state === row.clip && fromMs === row.fromMs && toMs === row.toMs) continue;
      events.setClip(row.id, state, fromMs, toMs);
      result.changed++;
    }
  }
  events.flush();
  return result;
}
