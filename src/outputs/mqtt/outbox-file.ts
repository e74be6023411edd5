/**
 * The outbox file's lines and the filesystem calls under it: replaying the file, writing a whole line,
 * writing a compacted file off the event loop, making a rename durable, checking that the disk takes
 * writes again, and naming why it did not.
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { HealthProblem } from '../site.ts';

export interface OutboxRecord {
  /** Increasing across the outbox's life (continues after a restart from the highest seq on disk). */
  readonly seq: number;
  readonly topic: string;
  readonly payload: string;
}

export type OutboxLine = OutboxRecord | { remove: number };

/** Why messages went around the disk, from the errno of the write that failed. */
export const BYPASS_REASONS = ['disk_full', 'read_only', 'permission_denied', 'io_error', 'other'] as const;
export type BypassReason = (typeof BYPASS_REASONS)[number];

const REASON_BY_ERRNO: Readonly<Record<string, BypassReason>> = {
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  EFBIG: 'disk_full',
  EROFS: 'read_only',
  EACCES: 'permission_denied',
  EPERM: 'permission_denied',
  EIO: 'io_error',
};

/** The failure that put the outbox in its memory-only mode. */
export interface DiskFailure {
  reason: BypassReason;
  /** The errno code (`ENOSPC`, `EROFS`, ...) or `UNKNOWN`. */
  code: string;
  /** Starts with the code: `ENOSPC: no space left on device, write`. */
  message: string;
  sinceMs: number;
}

export function diskFailure(error: unknown, nowMs: number): DiskFailure {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const text = error instanceof Error ? error.message : String(error);
  // Node's fs messages start with the code (`ENOSPC: no space left on device, write`); others get it.
  const message = text.startsWith(code) ? text : `${code}: ${text}`;
  return { reason: REASON_BY_ERRNO[code] ?? 'other', code, message, sinceMs: nowMs };
}

/** The health report's line for a degraded outbox. */
export function outboxProblem(dir: string, failure: DiskFailure | null): HealthProblem | null {
  if (failure === null) return null;
  const since = new Date(failure.sinceMs).toISOString();
  return {
    level: 'degraded',
    reason: `mqtt outbox ${dir} cannot be written since ${since} (${failure.message}): events are published from memory, a crash loses the undelivered ones`,
  };
}

function parseLine(line: string): OutboxLine | null {
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

export interface Replayed {
  /** Oldest first. */
  pending: OutboxRecord[];
  nextSeq: number;
  corruptLines: number;
  /** Pending beyond `maxEvents` (the bound may have been lowered since the file was written). */
  droppedOldest: number;
}

/** The pending set a file describes (nothing when it does not exist); other read errors are thrown. */
export function replayFile(file: string, maxEvents: number): Replayed {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { pending: [], nextSeq: 1, corruptLines: 0, droppedOldest: 0 };
    throw error;
  }
  const pending = new Map<number, OutboxRecord>();
  let nextSeq = 1;
  let corruptLines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const entry = parseLine(line);
    if (entry === null) {
      corruptLines += 1;
      continue;
    }
    if ('topic' in entry) {
      pending.set(entry.seq, entry);
      nextSeq = Math.max(nextSeq, entry.seq + 1);
    } else {
      pending.delete(entry.remove);
    }
  }
  const records = [...pending.values()];
  const droppedOldest = Math.max(0, records.length - maxEvents);
  return { pending: records.slice(droppedOldest), nextSeq, corruptLines, droppedOldest };
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** write(2) may write less than asked (a signal, a nearly full disk): loop until all of it is written. */
export function writeAll(fd: number, text: string | Buffer): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Makes a rename durable (the directory entry), where the platform allows fsync on a directory. */
export function syncDirectory(dir: string): void {
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

/**
 * Writes `text` to a fresh `file` and flushes it to the disk with the thread pool's calls, so a slow disk
 * never blocks the event loop; the caller appends to it, renames it and closes the handle.
 */
export async function writeFlushed(file: string, text: string): Promise<FileHandle> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(text);
    await handle.datasync();
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** `syncDirectory` off the event loop; never rejects. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  // Some filesystems refuse fsync on a directory; the rename is still atomic.
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}

/**
 * Room for about a hundred events. An empty outbox rewrites to an empty file, which a full disk still
 * accepts, so without this probe the outbox would leave its degraded mode and fall back at the next event.
 */
const PROBE = Buffer.alloc(64 * 1024, 0x20);

/** Throws the filesystem's error unless `file` can be written and flushed (the probe is removed either way). */
export function probeWritable(file: string): void {
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, PROBE);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
    removeQuietly(file);
  }
}

/** Unlinks a temporary file a failed write left behind: on a full disk it holds the space we need. */
export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or the directory refuses changes: nothing more to free.
  }
}
