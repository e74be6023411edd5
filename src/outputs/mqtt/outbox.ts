/**
 * A bounded on-disk FIFO of MQTT messages that must not be lost (events, critical alerts): every message
 * is appended here before it is published and removed when the broker acknowledges it, so a broker
 * outage or a gateway restart loses nothing that fits in the bound.
 *
 * File: `<dir>/outbox.jsonl`, one JSON object a line, append-only between compactions:
 *   {"seq":7,"topic":"panoptes/events/gate","payload":"..."}   a pending message
 *   {"ack":7}                                                    delivered (PUBACK received)
 *   {"drop":7}                                                   dropped to keep the bound
 * Replaying the lines gives the pending set. A line that is not one of these (the torn tail of a write
 * cut short by a crash or a full disk) is skipped and counted in `corruptLines`, never fatal.
 *
 * Durability: every line is written with one write(2) before `append` returns, so it survives a crash
 * or SIGKILL of the gateway (it is in the kernel). Appends are then flushed to the disk by an
 * asynchronous fdatasync, one at a time: the appends made while one runs share the next (group
 * commit), so a power loss can lose the messages of the last flush or two (milliseconds); acks and
 * drops are not flushed on their own (losing one only brings a message back as a duplicate, which
 * at-least-once delivery allows).
 *
 * Compaction rewrites the file with the pending messages only (temporary file, fdatasync, rename): at
 * open, which also cuts a torn tail off so new lines never join it, and whenever the file holds more
 * dead lines than live ones (and at least `compactAfterDeadLines`). The second kind runs off the event
 * loop, so it never holds the cameras' frames while a slow disk flushes: a snapshot of the pending set
 * goes to `outbox.jsonl.compact.tmp` with thread-pool writes and an fdatasync while appends, acks and
 * drops keep going to the current file (a crash at any moment leaves a file that replays to the
 * pending set); then, in one tick, the lines written since the snapshot are copied after it, the rename
 * replaces the file and appends go to the new one, so no line falls between the two files. Those copied
 * lines and the directory entry are flushed asynchronously after the rename: a power loss in those
 * milliseconds finds the old file whole, or the new one without the lines written during the
 * compaction (as it can lose the last appends). A stale temporary file from a crash is removed or
 * truncated at open.
 *
 * A disk that fails (full, read-only, permission, I/O error) never fails a call: the outbox goes
 * degraded and keeps its pending messages in memory only (same bound, same order, so they are still
 * published and acknowledged), counts each message appended meanwhile by reason, and every `retryMs`
 * checks that the directory takes writes again; when it does, the whole pending set is rewritten to a
 * fresh file (the failed write may have torn the old one's tail) and the disk path resumes.
 * `onDiskChange` hears both transitions, never one call per message.
 */
import { close, closeSync, fdatasync, fdatasyncSync, openSync, renameSync } from 'node:fs';
import { type FileHandle, unlink } from 'node:fs/promises';
import path from 'node:path';
import { makeDirectory } from '../../config/directories.ts';
import { MqttOutboxError } from '../../errors.ts';
import {
  BYPASS_REASONS,
  diskFailure,
  outboxProblem,
  probeWritable,
  removeQuietly,
  replayFile,
  syncDirectory,
  syncDirectoryAsync,
  writeAll,
  writeFlushed,
  type BypassReason,
  type DiskFailure,
  type OutboxRecord,
} from './outbox-file.ts';

export { BYPASS_REASONS, outboxProblem, type BypassReason, type DiskFailure, type OutboxRecord };

export interface OutboxOptions {
  dir: string;
  /** Pending messages kept at most; appending beyond drops the oldest. */
  maxEvents: number;
  /** Default 1024. */
  compactAfterDeadLines?: number;
  /** While degraded, how often the disk is tried again; default 5 s. */
  retryMs?: number;
  /** Called with the failure when the disk stops taking writes, with null when it takes them again. */
  onDiskChange?: (failure: DiskFailure | null) => void;
}

export interface OutboxStats {
  /** Pending messages now. */
  depth: number;
  appended: number;
  acked: number;
  /** Dropped because the bound was hit (oldest first), since open. */
  droppedOldest: number;
  /** Lines skipped at open because they could not be parsed (a torn last write). */
  corruptLines: number;
  /** Pending messages found on disk at open. */
  recovered: number;
  /** Why the disk is not used now; null on the disk path. */
  degraded: DiskFailure | null;
  /** Messages appended while degraded (kept in memory only), by the reason of the failure then. */
  bypassed: Record<BypassReason, number>;
}

export const OUTBOX_FILE = 'outbox.jsonl';

/** A compaction between its snapshot and its rename. */
interface Compaction {
  /** Lines written to the current file since the snapshot, copied after it right before the rename. */
  readonly tail: string[];
  /** Dead lines counted at the snapshot: the new file holds none of them. */
  readonly deadLines: number;
}

export class Outbox {
  readonly file: string;
  readonly dir: string;
  readonly #compactTemporary: string;
  readonly #maxEvents: number;
  readonly #compactAfter: number;
  readonly #retryMs: number;
  readonly #onDiskChange: (failure: DiskFailure | null) => void;
  /** Pending records by seq; insertion order is seq order (seqs only grow). */
  readonly #pending = new Map<number, OutboxRecord>();
  readonly #bypassed = Object.fromEntries(BYPASS_REASONS.map((reason) => [reason, 0])) as Record<BypassReason, number>;
  #fd = -1;
  #nextSeq = 1;
  #deadLines = 0;
  #syncScheduled = false;
  #syncing = false;
  #syncAgain = false;
  /** The compaction whose snapshot is being written; null when none, or when it was abandoned. */
  #compaction: Compaction | null = null;
  /** Settles when the compaction in flight, abandoned or not, has finished with its files. */
  #compacting: Promise<void> | null = null;
  #closed = false;
  #failure: DiskFailure | null = null;
  #retryTimer: NodeJS.Timeout | undefined;
  #appended = 0;
  #acked = 0;
  #droppedOldest = 0;
  #corruptLines = 0;
  #recovered = 0;

  private constructor(options: OutboxOptions) {
    this.dir = options.dir;
    this.file = path.join(options.dir, OUTBOX_FILE);
    this.#compactTemporary = `${this.file}.compact.tmp`;
    this.#maxEvents = options.maxEvents;
    this.#compactAfter = options.compactAfterDeadLines ?? 1024;
    this.#retryMs = options.retryMs ?? 5_000;
    this.#onDiskChange = options.onDiskChange ?? (() => undefined);
  }

  /**
   * Creates the directory if needed, replays the file, compacts it and opens it for appending. A
   * directory that cannot be created or written opens degraded (memory only); an existing file that
   * cannot be read throws MqttOutboxError, because rewriting it later would lose what it holds.
   * Synchronous on purpose: it runs at start-up, before any camera sends a frame.
   */
  static open(options: OutboxOptions): Outbox {
    const outbox = new Outbox(options);
    try {
      makeDirectory(options.dir);
    } catch (error) {
      // No directory, so no file to replay: memory only until the directory can be made.
      outbox.#degrade(error);
      return outbox;
    }
    // Left by a crash during a compaction: never read, but it holds disk space.
    removeQuietly(outbox.#compactTemporary);
    try {
      outbox.#replay();
    } catch (error) {
      throw new MqttOutboxError(outbox.file, error);
    }
    try {
      outbox.#rewrite();
    } catch (error) {
      outbox.#degrade(error);
    }
    return outbox;
  }

  get depth(): number {
    return this.#pending.size;
  }

  /** Settles once no compaction is in flight (its files written, renamed or removed); never rejects. */
  idle(): Promise<void> {
    return this.#compacting ?? Promise.resolve();
  }

  /** Null while the disk takes writes. */
  get degraded(): DiskFailure | null {
    return this.#failure;
  }

  /**
   * Adds a message; `payload` is given the record's seq so the message can carry it. When the bound is
   * hit the oldest pending message is dropped first (counted). A failed write does not fail the call:
   * the message stays pending in memory and the outbox goes degraded.
   */
  append(topic: string, payload: (seq: number) => string): OutboxRecord {
    this.#assertOpen();
    const record: OutboxRecord = { seq: this.#nextSeq, topic, payload: payload(this.#nextSeq) };
    this.#nextSeq += 1;
    this.#pending.set(record.seq, record);
    this.#appended += 1;
    if (this.#failure === null) this.#write(`${JSON.stringify(record)}\n`);
    if (this.#failure !== null) this.#bypassed[this.#failure.reason] += 1;
    while (this.#pending.size > this.#maxEvents) this.#dropOldest();
    this.#scheduleSync();
    this.#maybeCompact();
    return record;
  }

  /** Removes a delivered message; false when it is not pending (already acked or dropped). */
  ack(seq: number): boolean {
    this.#assertOpen();
    if (!this.#pending.delete(seq)) return false;
    this.#acked += 1;
    this.#write(`{"ack":${seq}}\n`);
    this.#deadLines += 2;
    this.#maybeCompact();
    return true;
  }

  /** Pending records with a seq above `seq`, oldest first, at most `limit`. */
  after(seq: number, limit: number): OutboxRecord[] {
    const records: OutboxRecord[] = [];
    for (const record of this.#pending.values()) {
      if (records.length >= limit) break;
      if (record.seq > seq) records.push(record);
    }
    return records;
  }

  /**
   * While degraded: if the directory takes a probe write, rewrites every pending message to a fresh file
   * and returns to the disk path (true). Called every `retryMs`; callable at any time.
   */
  retryDisk(): boolean {
    if (this.#failure === null) return true;
    if (this.#closed) return false;
    try {
      makeDirectory(this.dir);
      probeWritable(`${this.file}.probe`);
      this.#rewrite();
    } catch {
      return false;
    }
    this.#failure = null;
    clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#onDiskChange(null);
    return true;
  }

  stats(): OutboxStats {
    return {
      depth: this.#pending.size,
      appended: this.#appended,
      acked: this.#acked,
      droppedOldest: this.#droppedOldest,
      corruptLines: this.#corruptLines,
      recovered: this.#recovered,
      degraded: this.#failure,
      bypassed: { ...this.#bypassed },
    };
  }

  /**
   * Flushes to the disk and closes the file; pending messages stay for the next open. A degraded
   * outbox tries the disk once more so its memory-only messages are not lost. Never throws. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    // Every line is in the current file: a compaction in flight is abandoned and removes its temporary file.
    this.#compaction = null;
    if (this.#failure !== null) this.retryDisk();
    this.#closed = true;
    clearInterval(this.#retryTimer);
    if (this.#fd === -1) return;
    try {
      fdatasyncSync(this.#fd);
    } catch {
      // The lines are in the page cache (or the disk is gone); closing must still release the file.
    } finally {
      closeSync(this.#fd);
      this.#fd = -1;
    }
  }

  #dropOldest(): void {
    const oldest = this.#pending.keys().next();
    if (oldest.done === true) return;
    this.#pending.delete(oldest.value);
    this.#droppedOldest += 1;
    this.#write(`{"drop":${oldest.value}}\n`);
    this.#deadLines += 2;
  }

  #replay(): void {
    const replayed = replayFile(this.file, this.#maxEvents);
    for (const record of replayed.pending) this.#pending.set(record.seq, record);
    this.#nextSeq = replayed.nextSeq;
    this.#corruptLines = replayed.corruptLines;
    this.#droppedOldest = replayed.droppedOldest;
    this.#recovered = this.#pending.size;
  }

  /**
   * Replaces the file with the pending records only and reopens it for appending. Synchronous: at open
   * (start-up) and when a degraded outbox gets its disk back, never in steady state (see `#compact`).
   */
  #rewrite(): void {
    const temporary = `${this.file}.tmp`;
    try {
      const fd = openSync(temporary, 'w');
      try {
        let text = '';
        for (const record of this.#pending.values()) text += `${JSON.stringify(record)}\n`;
        writeAll(fd, text);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.file);
    } catch (error) {
      removeQuietly(temporary);
      throw error;
    }
    syncDirectory(this.dir);
    if (this.#fd !== -1) closeSync(this.#fd);
    this.#fd = -1;
    this.#fd = openSync(this.file, 'a');
    this.#deadLines = 0;
  }

  #maybeCompact(): void {
    if (this.#failure !== null || this.#compacting !== null) return;
    if (this.#deadLines < this.#compactAfter || this.#deadLines <= this.#pending.size) return;
    const compaction: Compaction = { tail: [], deadLines: this.#deadLines };
    this.#compaction = compaction;
    this.#compacting = this.#compact(compaction).finally(() => {
      this.#compacting = null;
    });
  }

  /**
   * The steady-state compaction (see the header): writes the snapshot off the event loop, then swaps
   * the files in one tick unless the outbox closed or degraded meanwhile. A failure degrades the outbox
   * as a failed write does; it never rejects, and pending messages stay pending either way.
   */
  async #compact(compaction: Compaction): Promise<void> {
    const temporary = this.#compactTemporary;
    let text = '';
    for (const record of this.#pending.values()) text += `${JSON.stringify(record)}\n`;
    let handle: FileHandle | undefined;
    let renamed = false;
    try {
      handle = await writeFlushed(temporary, text);
      if (this.#compaction !== compaction) return;
      writeAll(handle.fd, compaction.tail.join(''));
      renameSync(temporary, this.file);
      renamed = true;
      const previous = this.#fd;
      this.#fd = -1;
      // Closing the replaced file frees its blocks, which can wait on a slow disk: off the event loop.
      close(previous, () => undefined);
      this.#fd = openSync(this.file, 'a');
      this.#compaction = null;
      this.#deadLines -= compaction.deadLines;
      this.#scheduleSync();
    } catch (error) {
      if (this.#compaction === compaction) this.#degrade(error);
    } finally {
      await handle?.close().catch(() => undefined);
      // On a full disk the temporary file holds the space the retry needs.
      if (!renamed) await unlink(temporary).catch(() => undefined);
    }
    if (renamed) await syncDirectoryAsync(this.dir);
  }

  /** Writes one line, or nothing while degraded; a failure degrades the outbox instead of throwing. */
  #write(line: string): void {
    if (this.#failure !== null) return;
    try {
      writeAll(this.#fd, line);
      this.#compaction?.tail.push(line);
    } catch (error) {
      this.#degrade(error);
    }
  }

  #degrade(error: unknown): void {
    if (this.#failure !== null) return;
    // From now on lines live in memory and the retry rewrites the file: a compaction in flight would
    // replace that with its older snapshot.
    this.#compaction = null;
    this.#failure = diskFailure(error, Date.now());
    this.#retryTimer = setInterval(() => this.retryDisk(), this.#retryMs);
    this.#retryTimer.unref();
    this.#onDiskChange(this.#failure);
  }

  /**
   * One fdatasync at a time, after the tick's appends; appends made while it runs are flushed by one
   * more when it ends. So a slow disk costs one thread-pool thread, not one per tick with appends.
   */
  #scheduleSync(): void {
    if (this.#failure !== null) return;
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    if (this.#syncScheduled) return;
    this.#syncScheduled = true;
    setImmediate(() => {
      this.#syncScheduled = false;
      if (this.#closed || this.#fd === -1) return;
      this.#syncing = true;
      // A failed flush leaves the lines in the page cache: they still survive a gateway crash.
      fdatasync(this.#fd, () => {
        this.#syncing = false;
        if (!this.#syncAgain) return;
        this.#syncAgain = false;
        this.#scheduleSync();
      });
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new MqttOutboxError(this.file, new Error('the outbox is closed'));
  }
}
