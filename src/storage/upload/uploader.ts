/**
 * Sends the queued uploads (queue.ts) to the target, `concurrency` at a time: each try reads the file's
 * SHA-256 (the first read is kept in the row; a JPEG that changed since is refused), sends it, and
 * marks the row done once the target showed the stored bytes are the file's. A failure the target says
 * is permanent (credentials, a missing bucket) marks it failed at once; others are tried again after
 * an exponential backoff with jitter, capped, until `retry.maxAttempts`. Clips are assembled into
 * `<storage.dir>/uploads/` when their post-roll is recorded (a ClipSource says when) and removed once
 * sent. Rows a killed run left `uploading` are pending again at start, so nothing queued is lost, and
 * so are rows the target refused under another configuration than today's (target-fingerprint.ts):
 * fixing the credentials and restarting sends them. `retryFailed` re-queues failed rows on demand.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { UploadConfig } from '../../config/upload-schema.ts';
import type { PictureKind } from '../snapshot-files.ts';
import { UploadError } from '../../errors.ts';
import type { StoredEvent } from '../event-query.ts';
import type { EventStore } from '../event-store.ts';
import { UploadQueue, type UploadFailure, type UploadKind, type UploadRow, type UploadStatus } from './queue.ts';
import { digestFile, type UploadFile, type UploadTargetClient, VERIFIED_BY, type VerifiedBy } from './target.ts';
import { type TargetFingerprint, targetFingerprint } from './target-fingerprint.ts';

export const UPLOADS_DIR = 'uploads';
const PRUNE_EVERY_MS = 3_600_000;
/** The longest sleep between looks at the queue (a row due sooner wakes it earlier). */
const MAX_IDLE_MS = 60_000;

export type ClipReadiness = { ready: true } | { waitUntilMs: number };

/** Assembles an event's clip for upload, once its post-roll is recorded (src/site/clip-uploads.ts). */
export interface ClipSource {
  prepare(event: StoredEvent, dest: string, nowMs: number): Promise<ClipReadiness>;
}

export interface UploaderOptions {
  config: UploadConfig;
  events: EventStore;
  /** storage.dir: snapshot references and the clips' uploads/ directory are under it. */
  root: string;
  client: UploadTargetClient;
  clips: ClipSource | null;
  logger: Logger;
  /** Tests pin the jitter. */
  random?: () => number;
}

type PerKind = Record<UploadKind, number>;
const perKind = (): PerKind => ({ snapshot: 0, frame: 0, clip: 0 });
/** The file name's ending after the event id, by kind. */
const EXTENSIONS: Record<UploadKind, string> = { snapshot: 'jpg', frame: 'frame.jpg', clip: 'mp4' };

export interface UploaderStats {
  uploaded: PerKind;
  bytes: PerKind;
  /** Uploads marked failed for good. */
  failed: PerKind;
  /** Tries that failed and were scheduled again (a SHA-256 that did not match among them). */
  retries: PerKind;
  /** Uploads done, by how their SHA-256 was shown to be the file's (target.ts VerifiedBy). */
  verified: Record<VerifiedBy, number>;
  /** Failed tries since the last success. */
  consecutiveFailures: number;
  lastError: string | null;
  lastFailureMs: number;
  lastPermanentFailureMs: number;
}

export class Uploader {
  readonly queue: UploadQueue;
  readonly stats: UploaderStats = {
    uploaded: perKind(),
    bytes: perKind(),
    failed: perKind(),
    retries: perKind(),
    verified: Object.fromEntries(VERIFIED_BY.map((how) => [how, 0])) as Record<VerifiedBy, number>,
    consecutiveFailures: 0,
    lastError: null,
    lastFailureMs: 0,
    lastPermanentFailureMs: 0,
  };
  readonly client: UploadTargetClient;
  readonly #config: UploadConfig;
  readonly #events: EventStore;
  readonly #root: string;
  readonly #clips: ClipSource | null;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #inFlight = new Map<string, { controller: AbortController; task: Promise<void> }>();
  /** The target's configuration in this run, as hashes (set by start). */
  #fingerprint: TargetFingerprint = { target: '', secrets: '' };
  #timer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(options: UploaderOptions) {
    this.#config = options.config;
    this.#events = options.events;
    this.#root = path.resolve(options.root);
    this.client = options.client;
    this.#clips = options.clips;
    this.#log = options.logger.child({ module: 'upload' });
    this.#random = options.random ?? Math.random;
    this.queue = new UploadQueue(options.events.db);
  }

  /** Resumes what an earlier run left (and what failed under another target configuration), then sends what is due. */
  async start(): Promise<void> {
    const now = Date.now();
    const resumed = this.queue.resetInterrupted(now);
    if (this.#config.target !== undefined) this.#fingerprint = await targetFingerprint(this.#events.db, this.#config.target);
    const requeued = this.queue.requeueChanged(this.#fingerprint, now);
    await this.#removeStaleClips();
    const { pending, failed } = this.queue.counts();
    this.#log.info({ target: this.client.name, pending, failed, resumed, requeued }, 'uploads started');
    if (requeued > 0) this.#log.info({ requeued }, 'uploads that failed under another target configuration are queued again');
    this.#pruneTimer = setInterval(() => this.#prune(), PRUNE_EVERY_MS);
    this.#pruneTimer.unref();
    this.#pump();
  }

  /** An event's best-shot JPEG was written (a reference under storage.dir). */
  snapshotWritten(eventId: string, reference: string): void {
    this.pictureWritten(eventId, 'crop', reference);
  }

  /** An event's picture was written: its best-shot crop (uploaded as `snapshot`) or its full frame (`frame`). */
  pictureWritten(eventId: string, picture: PictureKind, reference: string): void {
    const kind: UploadKind = picture === 'crop' ? 'snapshot' : 'frame';
    if (!(kind === 'snapshot' ? this.#config.snapshots : this.#config.frames) || this.#stopping) return;
    const now = Date.now();
    if (this.queue.enqueue(eventId, kind, reference, now, now)) this.#pump();
  }

  /** An event ended on a camera that records: its clip is due once `readyMs` (end + post-roll) is recorded. */
  eventEnded(eventId: string, readyMs: number): void {
    if (!this.#config.clips || this.#stopping) return;
    const now = Date.now();
    if (this.queue.enqueue(eventId, 'clip', null, readyMs, now)) this.#pump();
  }

  uploadsOf(eventId: string): UploadStatus[] {
    return this.queue.of(eventId);
  }

  /** Failed uploads of one event (or all, null) queued again from their first try; returns how many. */
  retryFailed(eventId: string | null): number {
    const requeued = this.queue.requeueFailed(eventId, Date.now());
    if (requeued > 0) {
      this.#log.info({ requeued, ...(eventId === null ? {} : { event: eventId }) }, 'failed uploads queued again on request');
      this.#pump();
    }
    return requeued;
  }

  /** Aborts the uploads in flight (their rows go back to pending, the try not counted) and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    clearInterval(this.#pruneTimer);
    for (const { controller } of this.#inFlight.values()) controller.abort();
    await Promise.all([...this.#inFlight.values()].map((f) => f.task));
    this.client.close();
  }

  /** The wait before try `attempt + 1`: initial x factor^(attempt-1), capped, moved by the jitter. */
  backoffMs(attempt: number): number {
    const { initialSeconds, maxSeconds, factor, jitter } = this.#config.retry;
    const base = Math.min(maxSeconds, initialSeconds * factor ** Math.max(0, attempt - 1)) * 1000;
    return Math.max(0, base * (1 + jitter * (2 * this.#random() - 1)));
  }

  #pump(): void {
    if (this.#stopping) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = Date.now();
    const free = this.#config.concurrency - this.#inFlight.size;
    if (free > 0) for (const row of this.queue.due(now, free)) if (this.queue.claim(row, now)) this.#begin(row);
    const next = this.queue.nextDueMs();
    if (next === null || this.#inFlight.size >= this.#config.concurrency) return;
    this.#timer = setTimeout(() => this.#pump(), Math.min(MAX_IDLE_MS, Math.max(10, next - now)));
    this.#timer.unref();
  }

  #begin(row: UploadRow): void {
    const key = `${row.eventId}|${row.kind}`;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), this.#config.timeoutSeconds * 1000);
    const task = this.#attempt(row, controller.signal)
      .catch((error: unknown) => this.#log.error({ err: error, event: row.eventId, kind: row.kind }, 'upload bookkeeping failed'))
      .finally(() => {
        clearTimeout(timeout);
        this.#inFlight.delete(key);
        this.#pump();
      });
    this.#inFlight.set(key, { controller, task });
  }

  async #attempt(row: UploadRow, signal: AbortSignal): Promise<void> {
    const attempt = row.attempts + 1;
    const event = this.#events.get(row.eventId);
    if (event === undefined) {
      // Removed by retention before it was sent: nothing left to send.
      this.queue.remove(row);
      return;
    }
    // Whether a failure came from the target (the request was made) or from this side.
    let sent = false;
    try {
      const file = await this.#file(row, event);
      if ('waitUntilMs' in file) {
        this.queue.release(row, file.waitUntilMs, Date.now());
        return;
      }
      sent = true;
      const result = await this.client.put(file, signal);
      this.queue.done(row, result.remote, Date.now());
      this.stats.uploaded[row.kind]++;
      this.stats.bytes[row.kind] += file.digest.bytes;
      this.stats.verified[result.verifiedBy]++;
      this.stats.consecutiveFailures = 0;
      this.#log.info(
        { event: row.eventId, kind: row.kind, remote: result.remote, bytes: file.digest.bytes, attempt, verifiedBy: result.verifiedBy },
        'uploaded',
      );
      if (row.kind === 'clip') await rm(file.path, { force: true });
    } catch (error) {
      const now = Date.now();
      if (this.#stopping) {
        this.queue.release(row, now, now);
        return;
      }
      const failure = error instanceof UploadError ? error : localFailure(error, row);
      this.stats.consecutiveFailures++;
      this.stats.lastError = failure.message;
      this.stats.lastFailureMs = now;
      const context = { event: row.eventId, kind: row.kind, attempt, target: this.client.name, error: failure.message };
      if (failure.permanent || attempt >= this.#config.retry.maxAttempts) {
        const kind: UploadFailure = !failure.permanent ? 'attempts' : sent ? 'target' : 'local';
        this.queue.fail(row, failure.message, kind, this.#fingerprint, now);
        this.stats.failed[row.kind]++;
        this.stats.lastPermanentFailureMs = now;
        this.#log.error(
          context,
          failure.permanent ? 'upload failed; not retried' : 'upload failed; out of attempts (storage.upload.retry.maxAttempts)',
        );
      } else {
        const waitMs = this.backoffMs(attempt);
        this.queue.retry(row, failure.message, now + waitMs, now);
        this.stats.retries[row.kind]++;
        this.#log.warn({ ...context, retryInMs: Math.round(waitMs) }, 'upload failed; retrying');
      }
    }
  }

  /** The file to send for the row, its digest checked against the queued one; or when to look again. */
  async #file(row: UploadRow, event: StoredEvent): Promise<UploadFile | { waitUntilMs: number }> {
    const date = new Date(event.startMs).toISOString().slice(0, 10);
    const ext = EXTENSIONS[row.kind];
    let reference = row.path;
    if (row.kind === 'snapshot') {
      reference ??= event.bestShot?.jpeg ?? null;
      if (reference === null) throw new UploadError('the event has no best-shot JPEG to upload', true);
    } else if (row.kind === 'frame') {
      reference ??= event.bestShot?.frameJpeg ?? null;
      if (reference === null) throw new UploadError('the event has no full-frame JPEG to upload', true);
    } else {
      reference ??= `${UPLOADS_DIR}/${event.id}.mp4`;
      if (this.#clips === null) throw new UploadError('no camera of this site records, so there is no clip to upload', true);
      const absolute = path.join(this.#root, reference);
      if (
        !(await stat(absolute).then(
          () => true,
          () => false,
        ))
      ) {
        await mkdir(path.dirname(absolute), { recursive: true });
        const readiness = await this.#clips.prepare(event, absolute, Date.now());
        if ('waitUntilMs' in readiness) return readiness;
      }
    }
    const absolute = path.join(this.#root, reference);
    const digest = await digestFile(absolute);
    if (row.sha256 === null || (row.kind === 'clip' && row.sha256 !== digest.sha256)) {
      // A clip assembled again (after a restart) may differ in its container bytes; it is the one sent.
      this.queue.setFile(row, reference, digest.sha256, digest.bytes, Date.now());
    } else if (row.sha256 !== digest.sha256) {
      throw new UploadError(`${reference} changed on disk since it was queued (SHA-256 ${digest.sha256}, queued ${row.sha256})`, true);
    }
    return {
      path: absolute,
      key: `${event.camera}/${date}/${event.id}.${ext}`,
      kind: row.kind,
      camera: event.camera,
      eventId: event.id,
      date,
      ext,
      contentType: row.kind === 'clip' ? 'video/mp4' : 'image/jpeg',
      digest,
    };
  }

  /** Clips assembled for rows that are no longer waiting (sent, failed, or gone). */
  async #removeStaleClips(): Promise<void> {
    const dir = path.join(this.#root, UPLOADS_DIR);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const eventId = name.replace(/\.mp4(\.part)?$/, '');
      const row = this.queue.get(eventId, 'clip');
      if (name.endsWith('.part') || row === undefined || row.state === 'done' || row.state === 'failed')
        await rm(path.join(dir, name), { force: true });
    }
  }

  #prune(): void {
    try {
      let removed = 0;
      for (let n = this.queue.pruneOrphans(); n > 0; n = this.queue.pruneOrphans()) removed += n;
      if (removed > 0) this.#log.info({ removed }, 'uploads of expired events forgotten');
    } catch (error) {
      this.#log.warn({ err: error }, 'pruning the upload queue failed; the next pass tries again');
    }
  }
}

/** A failure on this side: the local file is gone or unreadable (retention removed it, the disk failed). */
function localFailure(error: unknown, row: UploadRow): UploadError {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT')
    return new UploadError(`the local ${row.kind} file is gone (removed by retention or by hand) before it was sent`, true);
  if (e.code === 'E_BUSY') return new UploadError(`clip assembly is busy: ${e.message}`, false);
  return new UploadError(`the local ${row.kind} could not be read or assembled: ${e.message ?? String(error)}`, false);
}
