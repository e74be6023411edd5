/**
 * The disk manager: retention (segments older than their class's days are deleted) and the disk guard
 * (free space on the recordings disk is kept above the larger of an absolute and a relative limit by
 * deleting the oldest segments first, segments kept for events last). Health warns below warnRatio
 * times the limit, before the guard has to delete anything.
 */
import { statfs } from 'node:fs/promises';
import type { CameraRecording, RecordingsConfig } from '../../config/recording-schema.ts';
import type { Segment } from './segment-name.ts';
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

/** Segments past their retention at `nowMs`; pending ones are not decided yet and stay. */
export function expiredSegments(
  store: SegmentStore,
  retentionOf: (camera: string) => CameraRecording['retentionDays'],
  nowMs: number,
): Segment[] {
  const out: Segment[] = [];
  for (const camera of store.cameras()) {
    const days = retentionOf(camera);
    for (const s of store.segments(camera)) {
      if (s.cls !== 'pending' && s.endMs < nowMs - days[s.cls] * DAY_MS) out.push(s);
    }
  }
  return out;
}

/**
 * The order the guard deletes in: every segment not kept for an event, oldest first, then the event
 * segments, oldest first. Pending segments are the newest and still being decided: they go last of all.
 */
export function guardOrder(store: SegmentStore): Segment[] {
  const rank = (s: Segment): number => (s.cls === 'events' ? 1 : s.cls === 'pending' ? 2 : 0);
  const all = store.cameras().flatMap((camera) => [...store.segments(camera)]);
  return all.sort((a, b) => rank(a) - rank(b) || a.startMs - b.startMs);
}

/**
 * Deletes in guard order until the bytes freed lift `disk` above its limit; returns how many it deleted.
 * Free space is read again by the caller on its next check (a deleted file's blocks may free late).
 */
export async function guardDisk(store: SegmentStore, disk: DiskState): Promise<number> {
  let deficit = disk.limitBytes - disk.freeBytes;
  if (deficit <= 0) return 0;
  let deleted = 0;
  for (const segment of guardOrder(store)) {
    if (deficit <= 0) break;
    await store.delete(segment, 'disk_guard');
    deficit -= segment.bytes;
    deleted++;
  }
  return deleted;
}
