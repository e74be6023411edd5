/**
 * Start-up agreement between the events table and the JPEGs on disk (best-shot crops and full frames,
 * each kind against its own column), for what a crash (or a hand in the directory) can leave behind. A picture is written before its reference is committed, so after a
 * kill -9 there can be:
 * - a JPEG whose event row was never committed: removed;
 * - a JPEG whose row was committed but not yet its reference: the reference is set (the file is named
 *   after the event, so it is the event's own picture);
 * - an interrupted write (`.partial`): removed;
 * - a row whose JPEG is gone (deleted by hand, a disk restored from an older copy): the reference is
 *   cleared, so the API says there is no picture instead of failing to read one.
 * Runs before any camera starts; costs one lookup a file and one stat a referenced row (about a
 * second for 100,000 events on an SSD).
 */
import type { EventStore } from './event-store.ts';
import type { SnapshotFiles } from './snapshot-files.ts';

export interface Reconciliation {
  filesRemoved: number;
  referencesSet: number;
  referencesCleared: number;
}

export function reconcile(store: EventStore, files: SnapshotFiles): Reconciliation {
  const result: Reconciliation = { filesRemoved: 0, referencesSet: 0, referencesCleared: 0 };
  store.flush();
  for (const file of files.files()) {
    const stored = file.partial ? undefined : store.pictureOf(file.eventId, file.kind);
    if (stored === file.reference) continue;
    if (stored === null) {
      store.setPicture(file.eventId, file.kind, file.reference);
      result.referencesSet++;
      continue;
    }
    // No row, a partial write, or a second picture of an event that references another one.
    files.removeSync(file.reference);
    result.filesRemoved++;
  }
  store.flush();
  const missing: string[] = [];
  for (const { id, snapshot } of store.snapshotReferences()) if (!files.exists(snapshot)) missing.push(id);
  for (const id of missing) store.setSnapshot(id, null);
  const missingFrames: string[] = [];
  for (const { id, frame } of store.frameReferences()) if (!files.exists(frame)) missingFrames.push(id);
  for (const id of missingFrames) store.setFrame(id, null);
  result.referencesCleared = missing.length + missingFrames.length;
  store.flush();
  return result;
}
