/**
 * The upload queue: one row an event and kind in the events database (`uploads`, migration 3; the
 * `frame` kind since migration 6), so
 * what is still to send survives a restart. A row is `pending` (due at `next_attempt_ms`), `uploading`
 * (claimed by this run; a row left so by a killed run goes back to pending at start), `done` (with its
 * remote name) or `failed` (with the reason, its kind and the target it failed under, as hashes). A
 * failed row is pending again when asked (REST), or at start when it failed on the target's side and
 * the target's configuration changed since. Every statement is prepared once; due rows come from an
 * index on (state, next_attempt_ms), so the queue's depth never costs a scan.
 */
import type { Db, Statement } from '../database.ts';
import type { TargetFingerprint } from './target-fingerprint.ts';

/** snapshot: the best-shot crop; frame: the full frame at the best-shot moment; clip: the event's MP4. */
export const UPLOAD_KINDS = ['snapshot', 'frame', 'clip'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];
export type UploadState = 'pending' | 'uploading' | 'done' | 'failed';
/**
 * Why an upload failed for good: `target` (the target refused it: credentials, a missing bucket, PUT
 * not taken), `attempts` (every try failed, retry.maxAttempts of them), `local` (the file is gone or
 * changed, or there is nothing to send).
 */
export type UploadFailure = 'target' | 'attempts' | 'local';

export interface UploadRow {
  eventId: string;
  kind: UploadKind;
  path: string | null;
  sha256: string | null;
  bytes: number | null;
  state: UploadState;
  attempts: number;
  nextAttemptMs: number;
  lastError: string | null;
  remote: string | null;
  updatedMs: number;
}

/** What the API shows of an upload. */
export interface UploadStatus {
  kind: UploadKind;
  state: UploadState;
  attempts: number;
  remote: string | null;
  sha256: string | null;
  lastError: string | null;
  updatedAt: string;
}

const COLUMNS = `event_id AS eventId, kind, path, sha256, bytes, state, attempts, next_attempt_ms AS nextAttemptMs,
  last_error AS lastError, remote, updated_ms AS updatedMs`;

/** Orphans (rows of events that retention deleted) are removed this many at a time. */
const PRUNE_BATCH = 2000;

export class UploadQueue {
  readonly #insert: Statement;
  readonly #due: Statement;
  readonly #nextDue: Statement;
  readonly #claim: Statement;
  readonly #release: Statement;
  readonly #setFile: Statement;
  readonly #done: Statement;
  readonly #retry: Statement;
  readonly #fail: Statement;
  readonly #byEvent: Statement;
  readonly #one: Statement;
  readonly #counts: Statement;
  readonly #remove: Statement;
  readonly #prune: Statement;
  readonly #reset: Statement;
  readonly #requeueChanged: Statement;
  readonly #requeueAll: Statement;
  readonly #requeueEvent: Statement;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO uploads (event_id, kind, path, state, next_attempt_ms, created_ms, updated_ms)
       VALUES (?, ?, ?, 'pending', ?, ?, ?)`,
    );
    this.#due = db.prepare(
      `SELECT ${COLUMNS} FROM uploads WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms LIMIT ?`,
    );
    this.#nextDue = db.prepare(`SELECT min(next_attempt_ms) AS at FROM uploads WHERE state = 'pending'`);
    this.#claim = db.prepare(
      `UPDATE uploads SET state = 'uploading', attempts = attempts + 1, updated_ms = ? WHERE event_id = ? AND kind = ? AND state = 'pending'`,
    );
    // A try that did not happen (the clip is not recorded yet, the gateway stopped): not counted.
    this.#release = db.prepare(
      `UPDATE uploads SET state = 'pending', attempts = attempts - 1, next_attempt_ms = ?, updated_ms = ? WHERE event_id = ? AND kind = ?`,
    );
    this.#setFile = db.prepare('UPDATE uploads SET path = ?, sha256 = ?, bytes = ?, updated_ms = ? WHERE event_id = ? AND kind = ?');
    this.#done = db.prepare(
      `UPDATE uploads SET state = 'done', remote = ?, last_error = NULL, updated_ms = ? WHERE event_id = ? AND kind = ?`,
    );
    this.#retry = db.prepare(
      `UPDATE uploads SET state = 'pending', next_attempt_ms = ?, last_error = ?, updated_ms = ? WHERE event_id = ? AND kind = ?`,
    );
    this.#fail = db.prepare(
      `UPDATE uploads SET state = 'failed', last_error = @error, failure = @failure, target_hash = @target, secrets_hash = @secrets,
         updated_ms = @now WHERE event_id = @eventId AND kind = @kind`,
    );
    // Pending again from its first try; last_error stays until the next try says otherwise.
    const requeue = `UPDATE uploads SET state = 'pending', attempts = 0, next_attempt_ms = @now, failure = NULL, target_hash = NULL,
      secrets_hash = NULL, updated_ms = @now WHERE state = 'failed'`;
    // Rows failed before schema version 5 have no failure kind and are left to an explicit retry.
    this.#requeueChanged = db.prepare(
      `${requeue} AND failure IN ('target', 'attempts') AND (target_hash IS NOT @target OR secrets_hash IS NOT @secrets)`,
    );
    this.#requeueAll = db.prepare(requeue);
    this.#requeueEvent = db.prepare(`${requeue} AND event_id = @eventId`);
    this.#byEvent = db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE event_id = ? ORDER BY kind DESC`);
    this.#one = db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE event_id = ? AND kind = ?`);
    this.#counts = db.prepare('SELECT count(*) AS n FROM uploads WHERE state = ?');
    this.#remove = db.prepare('DELETE FROM uploads WHERE event_id = ? AND kind = ?');
    this.#prune = db.prepare(
      `DELETE FROM uploads WHERE (event_id, kind) IN (
         SELECT event_id, kind FROM uploads WHERE NOT EXISTS (SELECT 1 FROM events WHERE events.id = uploads.event_id) LIMIT ${PRUNE_BATCH})`,
    );
    this.#reset = db.prepare(`UPDATE uploads SET state = 'pending', updated_ms = ? WHERE state = 'uploading'`);
  }

  /** Rows a stopped or killed run left `uploading` go back to pending (at start); returns how many. */
  resetInterrupted(nowMs: number): number {
    return this.#reset.run(nowMs).changes;
  }

  /** Queues an upload once: an event's snapshot, frame or clip already queued (or sent) is left alone. */
  enqueue(eventId: string, kind: UploadKind, path: string | null, notBeforeMs: number, nowMs: number): boolean {
    return this.#insert.run(eventId, kind, path, Math.floor(notBeforeMs), nowMs, nowMs).changes > 0;
  }

  due(nowMs: number, limit: number): UploadRow[] {
    return this.#due.all(nowMs, limit) as UploadRow[];
  }

  /** When the earliest pending row is due; null when none is pending. */
  nextDueMs(): number | null {
    return (this.#nextDue.get() as { at: number | null }).at;
  }

  /** Marks a pending row as being sent (one more attempt); false when another claim got it first. */
  claim(row: UploadRow, nowMs: number): boolean {
    return this.#claim.run(nowMs, row.eventId, row.kind).changes > 0;
  }

  release(row: UploadRow, nextMs: number, nowMs: number): void {
    this.#release.run(Math.floor(nextMs), nowMs, row.eventId, row.kind);
  }

  setFile(row: UploadRow, path: string, sha256: string, bytes: number, nowMs: number): void {
    this.#setFile.run(path, sha256, bytes, nowMs, row.eventId, row.kind);
  }

  done(row: UploadRow, remote: string, nowMs: number): void {
    this.#done.run(remote, nowMs, row.eventId, row.kind);
  }

  retry(row: UploadRow, error: string, nextMs: number, nowMs: number): void {
    this.#retry.run(Math.floor(nextMs), error, nowMs, row.eventId, row.kind);
  }

  /** Gives the row up: why, and the target it failed under. */
  fail(row: UploadRow, error: string, failure: UploadFailure, under: TargetFingerprint, nowMs: number): void {
    this.#fail.run({ error, failure, target: under.target, secrets: under.secrets, now: nowMs, eventId: row.eventId, kind: row.kind });
  }

  /** Failed rows the target refused (or that ran out of tries) under another target configuration: pending again. */
  requeueChanged(now: TargetFingerprint, nowMs: number): number {
    return this.#requeueChanged.run({ target: now.target, secrets: now.secrets, now: nowMs }).changes;
  }

  /** Failed rows, of one event or all: pending again, from their first try. */
  requeueFailed(eventId: string | null, nowMs: number): number {
    return (eventId === null ? this.#requeueAll.run({ now: nowMs }) : this.#requeueEvent.run({ now: nowMs, eventId })).changes;
  }

  remove(row: UploadRow): void {
    this.#remove.run(row.eventId, row.kind);
  }

  get(eventId: string, kind: UploadKind): UploadRow | undefined {
    return this.#one.get(eventId, kind) as UploadRow | undefined;
  }

  /** The event's uploads as the API shows them (snapshot, frame, clip). */
  of(eventId: string): UploadStatus[] {
    return (this.#byEvent.all(eventId) as UploadRow[]).map((r) => ({
      kind: r.kind,
      state: r.state,
      attempts: r.attempts,
      remote: r.remote,
      sha256: r.sha256,
      lastError: r.lastError,
      updatedAt: new Date(r.updatedMs).toISOString(),
    }));
  }

  /**
   * Rows waiting, being sent and failed (index ranges; `done` rows, most of the table, are not
   * counted: the uploaded counter says how many went).
   */
  counts(): { pending: number; uploading: number; failed: number } {
    const count = (state: UploadState) => (this.#counts.get(state) as { n: number }).n;
    return { pending: count('pending'), uploading: count('uploading'), failed: count('failed') };
  }

  /** Deletes up to PRUNE_BATCH rows whose event is gone (retention); call again while it returns that many. */
  pruneOrphans(): number {
    // Bounded per call so a pass over a large queue yields between batches.
    return this.#prune.run().changes;
  }
}
