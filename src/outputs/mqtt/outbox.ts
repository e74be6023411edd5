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
 * asynchronous fdatasync coalesced across the appends of one tick, so a power loss can lose the
 * messages of the last few milliseconds; acks and drops are not flushed on their own (losing one only
 * brings a message back as a duplicate, which at-least-once delivery allows).
 *
 * Compaction rewrites the file with the pending messages only (temporary file, fdatasync, rename): at
 * open, which also cuts a torn tail off so new lines never join it, and whenever the file holds more
 * dead lines than live ones (and at least `compactAfterDeadLines`).
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { makeDirectory } from '../../config/directories.ts';
import { MqttOutboxError } from '../../errors.ts';

export interface OutboxRecord {
  /** Increasing across the outbox's life (continues after a restart from the highest seq on disk). */
  readonly seq: number;
  readonly topic: string;
  readonly payload: string;
}

export interface OutboxOptions {
  dir: string;
  /** Pending messages kept at most; appending beyond drops the oldest. */
  maxEvents: number;
  /** Default 1024. */
  compactAfterDeadLines?: number;
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
}

export const OUTBOX_FILE = 'outbox.jsonl';

export class Outbox {
  readonly file: string;
  readonly #maxEvents: number;
  readonly #compactAfter: number;
  /** Pending records by seq; insertion order is seq order (seqs only grow). */
  readonly #pending = new Map<number, OutboxRecord>();
  #fd: number;
  #nextSeq = 1;
  #deadLines = 0;
  #syncScheduled = false;
  #closed = false;
  #appended = 0;
  #acked = 0;
  #droppedOldest = 0;
  #corruptLines = 0;
  #recovered = 0;

  private constructor(options: OutboxOptions) {
    this.file = path.join(options.dir, OUTBOX_FILE);
    this.#maxEvents = options.maxEvents;
    this.#compactAfter = options.compactAfterDeadLines ?? 1024;
    this.#fd = -1;
  }

  /** Creates the directory if needed, replays the file, compacts it and opens it for appending. */
  static open(options: OutboxOptions): Outbox {
    const outbox = new Outbox(options);
    try {
      makeDirectory(options.dir);
      outbox.#replay();
      outbox.#rewrite();
    } catch (error) {
      throw new MqttOutboxError(outbox.file, error);
    }
    return outbox;
  }

  get depth(): number {
    return this.#pending.size;
  }

  /**
   * Adds a message; `payload` is given the record's seq so the message can carry it. When the bound is
   * hit the oldest pending message is dropped first (counted). Throws MqttOutboxError when the write
   * fails (disk full): the message is then not in the outbox.
   */
  append(topic: string, payload: (seq: number) => string): OutboxRecord {
    this.#assertOpen();
    const record: OutboxRecord = { seq: this.#nextSeq, topic, payload: payload(this.#nextSeq) };
    this.#write(`${JSON.stringify(record)}\n`);
    this.#nextSeq += 1;
    this.#pending.set(record.seq, record);
    this.#appended += 1;
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

  stats(): OutboxStats {
    return {
      depth: this.#pending.size,
      appended: this.#appended,
      acked: this.#acked,
      droppedOldest: this.#droppedOldest,
      corruptLines: this.#corruptLines,
      recovered: this.#recovered,
    };
  }

  /** Flushes to the disk and closes the file; pending messages stay for the next open. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      fdatasyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
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
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const entry = parseLine(line);
      if (entry === null) {
        this.#corruptLines += 1;
        continue;
      }
      if ('topic' in entry) {
        this.#pending.set(entry.seq, entry);
        this.#nextSeq = Math.max(this.#nextSeq, entry.seq + 1);
      } else {
        this.#pending.delete(entry.remove);
      }
    }
    // The bound may have been lowered since the file was written.
    while (this.#pending.size > this.#maxEvents) {
      const oldest = this.#pending.keys().next();
      if (oldest.done === true) break;
      this.#pending.delete(oldest.value);
      this.#droppedOldest += 1;
    }
    this.#recovered = this.#pending.size;
  }

  /** Replaces the file with the pending records only and reopens it for appending. */
  #rewrite(): void {
    const temporary = `${this.file}.tmp`;
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
    syncDirectory(path.dirname(this.file));
    if (this.#fd !== -1) closeSync(this.#fd);
    this.#fd = openSync(this.file, 'a');
    this.#deadLines = 0;
  }

  #maybeCompact(): void {
    if (this.#deadLines < this.#compactAfter || this.#deadLines <= this.#pending.size) return;
    try {
      this.#rewrite();
    } catch (error) {
      throw new MqttOutboxError(this.file, error);
    }
  }

  #write(line: string): void {
    try {
      writeAll(this.#fd, line);
    } catch (error) {
      throw new MqttOutboxError(this.file, error);
    }
  }

  #scheduleSync(): void {
    if (this.#syncScheduled) return;
    this.#syncScheduled = true;
    setImmediate(() => {
      this.#syncScheduled = false;
      if (this.#closed) return;
      // A failed flush leaves the lines in the page cache: they still survive a gateway crash.
      fdatasync(this.#fd, () => {});
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new MqttOutboxError(this.file, new Error('the outbox is closed'));
  }
}

type Line = OutboxRecord | { remove: number };

function parseLine(line: string): Line | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const fields = value as Record<string, unknown>;
  if (isSeq(fields['seq']) && typeof fields['topic'] === 'string' && typeof fields['payload'] === 'string') {
    return { seq: fields['seq'], topic: fields['topic'], payload: fields['payload'] };
  }
  const removed = fields['ack'] ?? fields['drop'];
  return isSeq(removed) ? { remove: removed } : null;
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** write(2) may write less than asked (a signal, a nearly full disk): loop until all of it is written. */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Makes a rename durable (the directory entry), where the platform allows fsync on a directory. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    closeSync(fd);
  }
}
