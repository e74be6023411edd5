/**
 * Which cameras a new config adds, removes or changes against the running one: what a SIGHUP reload or
 * an API edit applies, so only those cameras are touched (README "Cameras, rings and workers": an
 * analysis-only change keeps the camera's ffmpeg running, the gateway decides that per camera).
 */
import { isDeepStrictEqual } from 'node:util';
import type { CameraConfig } from './camera-schema.ts';

export interface CameraChanges {
  added: CameraConfig[];
  /** Ids of cameras that are gone. */
  removed: string[];
  /** The new entries of cameras whose settings differ in any field (enabled included). */
  changed: CameraConfig[];
  unchanged: string[];
}

/** Cameras are matched by id; order in the list does not matter. */
export function cameraChanges(before: readonly CameraConfig[], after: readonly CameraConfig[]): CameraChanges {
  const old = new Map(before.map((c) => [c.id, c]));
  const changes: CameraChanges = { added: [], removed: [], changed: [], unchanged: [] };
  for (const camera of after) {
    const previous = old.get(camera.id);
    if (previous === undefined) changes.added.push(camera);
    else if (isDeepStrictEqual(previous, camera)) changes.unchanged.push(camera.id);
    else changes.changed.push(camera);
    old.delete(camera.id);
  }
  changes.removed = [...old.keys()];
  return changes;
}
