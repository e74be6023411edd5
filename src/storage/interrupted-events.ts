/**
 * Events a crash left running. A gateway that stops ends its running events (their end messages are
 * committed before the database closes); one that is killed (kill -9, an OOM kill, a power cut) leaves
 * their rows with no end, and no later run would ever end them: the tracks are gone with its memory.
 * At start they are ended at the last commit of the killed run (`alive_ms`, written by every commit):
 * the object was still tracked then, since its end would otherwise have been committed with it, so
 * the end is late by at most the time from that commit to the kill (the commit interval, or the
 * update heartbeat, 30 s by default, on a site writing nothing else). Their clip state is then decided
 * over the closed window when the recordings start (recording/clip-recovery.ts).
 *
 * Their end messages are sent later, once the outputs are up (Site.announceRestartEnds): each row is
 * marked to announce (`end_announced` 0) in the same transaction that ends it, and marked announced
 * (1) right after its message went out, so a run killed in between announces it at the next start,
 * and a later restart never announces it again.
 */
import type { DetectionEvent } from '../analytics/events.ts';
import type { Db } from './database.ts';

export interface InterruptedEvent {
  id: string;
  camera: string;
  startMs: number;
  endMs: number;
}

/** When the store last committed (epoch ms); null for a database never written by schema version 5 or later. */
export function lastCommitMs(db: Db): number | null {
  const row = db.prepare("SELECT value FROM store_state WHERE key = 'alive_ms'").get() as { value: string } | undefined;
  const ms = row === undefined ? Number.NaN : Number(row.value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Ends every event without an end at the last commit (never before its start); returns them. For a
 * database whose last commit time is unknown (written by an older version), at the event's start.
 */
export function endInterruptedEvents(db: Db): InterruptedEvent[] {
  const aliveMs = lastCommitMs(db) ?? 0;
  return db.transaction(() => {
    const running = db
      .prepare('SELECT id, camera, start_ms AS startMs FROM events INDEXED BY events_running WHERE end_ms IS NULL ORDER BY start_ms')
      .all() as Array<Omit<InterruptedEvent, 'endMs'>>;
    const end = db.prepare(
      `UPDATE events SET end_ms = @endMs, end_announced = 0,
         data = json_set(data, '$.endMs', @endMs, '$.endReason', 'restart') WHERE id = @id`,
    );
    return running.map((event) => {
      const ended = { ...event, endMs: Math.max(event.startMs, Math.floor(aliveMs)) };
      end.run({ id: ended.id, endMs: ended.endMs });
      return ended;
    });
  })();
}

/**
 * Events ended at a start whose end message has not gone to the outputs yet, oldest first, as the end
 * message carries them (picture references as stored: the pictures are encoded when a track ends, so
 * these have none unless a file was found at start).
 */
export function unannouncedEnds(db: Db): DetectionEvent[] {
  const rows = db
    .prepare('SELECT data, snapshot, frame FROM events INDEXED BY events_end_unannounced WHERE end_announced = 0 ORDER BY start_ms')
    .all() as Array<{ data: string; snapshot: string | null; frame: string | null }>;
  return rows.map((row) => {
    const event = JSON.parse(row.data) as DetectionEvent;
    const shot = event.bestShot;
    return { ...event, bestShot: shot === null ? null : { ...shot, jpeg: row.snapshot, frameJpeg: row.frame } };
  });
}

/** The event's end message went to the outputs: committed at once, so no later start sends it again. */
export function markEndAnnounced(db: Db, id: string): void {
  db.prepare('UPDATE events SET end_announced = 1 WHERE id = ? AND end_announced = 0').run(id);
}
