/**
 * The disk manager: retention (segments older than their class's days are deleted) and the disk guard
 * (free space on the recordings disk is kept above the larger of an absolute and a relative limit by
 * deleting the oldest segments first, segments kept for events last). Health warns below warnRatio
 * times the limit, before the guard has to delete anything.
 */
import { statfs } from 'node:fs/promises';
import { KEEP_CLASSES, type CameraRecording, type RecordingsConfig } from '../../config/recording-schema.ts';
import { segmentKey, type Segment } from './segment-name.ts';
import type { SegmentStore } from './segment-store.ts';

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;

export interface DiskState {
  freeBytes: number;
  totalBytes: number;
  /** The guard deletes below this. */
  limitBytes: number;
  /** Health warns below this. */
  warnBytes: number;
  checkedMs: number;
}

export type GuardSettings = RecordingsConfig['diskGuard'];

export function diskLimits(freeBytes: number, totalBytes: number, guard: GuardSettings, checkedMs: number): DiskState {
  const limitBytes = Math.max(guard.minFreeMiB * MiB, (guard.minFreePercent / 100) * totalBytes);
  return { freeBytes, totalBytes, limitBytes, warnBytes: limitBytes * guard.warnRatio, checkedMs };
}

export async function readDisk(dir: string, guard: GuardSettings): Promise<DiskState> {
  const s = await statfs(dir);
  return diskLimits(s.bavail * s.bsize, s.blocks * s.bsize, guard, Date.now());
}

/** How many segments one index query returns; the next batch is asked after these are deleted. */
const BATCH = 500;

/**
 * Deletes the segments past their retention at `nowMs`, in batches; pending ones are not decided yet
 * and stay. Resolves with how many it deleted.
 */
export async function removeExpiredSegments(
  store: SegmentStore,
  retentionOf: (camera: string) => CameraRecording['retentionDays'],
  nowMs: number,
): Promise<number> {
  let deleted = 0;
  for (const camera of [...store.totals().keys()]) {
    const days = retentionOf(camera);
    for (const cls of KEEP_CLASSES) {
      const cutoff = nowMs - days[cls] * DAY_MS;
      for (;;) {
        const batch = store.index.endedBefore(camera, cls, cutoff, BATCH);
        for (const segment of batch) await store.delete(segment, 'retention');
        deleted += batch.length;
        // A segment whose file cannot be deleted keeps its row: stop rather than ask for it again.
        if (batch.length < BATCH || store.index.has(segmentKey(batch.at(-1) as Segment))) break;
      }
    }
  }
  return deleted;
}

/**
 * The next segments the guard deletes: every segment not kept for an event, oldest first, then the
 * event segments, oldest first. Pending segments are the newest and still being decided: they go
 * last of all. `skip`: segments already tried (a file that could not be deleted keeps its row).
 */
export function guardBatch(store: SegmentStore, skip: ReadonlySet<string>): Segment[] {
  const fresh = (s: Segment): boolean => !skip.has(segmentKey(s));
  const limit = BATCH + skip.size;
  const plain = [...store.index.oldest('continuous', limit), ...store.index.oldest('motion', limit)]
    .filter(fresh)
    .sort((a, b) => a.startMs - b.startMs)
    .slice(0, BATCH);
  if (plain.length > 0) return plain;
  for (const cls of ['events', 'pending'] as const) {
    const batch = store.index.oldest(cls, limit).filter(fresh).slice(0, BATCH);
    if (batch.length > 0) return batch;
  }
  return [];
}

/**
 * Deletes in guard order until the bytes freed lift `disk` above its limit; returns how many it deleted.
 * Free space is read again by the caller on its next check (a deleted file's blocks may free late).
 */
export async function guardDisk(store: SegmentStore, disk: DiskState): Promise<number> {
  let deficit = disk.limitBytes - disk.freeBytes;
  let deleted = 0;
  const tried = new Set<string>();
  while (deficit > 0) {
    const batch = guardBatch(store, tried);
    if (batch.length === 0) break;
    for (const segment of batch) {
      if (deficit <= 0) break;
      await store.delete(segment, 'disk_guard');
      const key = segmentKey(segment);
      if (store.index.has(key)) tried.add(key);
      else {
        deficit -= segment.bytes;
        deleted++;
      }
    }
  }
  return deleted;
}
