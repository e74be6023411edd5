/**
 * The clips the uploader sends: an event's window with its camera's rolls, assembled by the
 * recordings' ClipMaker once the post-roll is on disk, and copied to the path the uploader asked for
 * (the ClipMaker's cache may evict its file while a slow upload still reads it).
 */
import { copyFile, rename, rm } from 'node:fs/promises';
import type { CameraRecording } from '../config/recording-schema.ts';
import { PanoptesError, UploadError } from '../errors.ts';
import type { StoredEvent } from '../storage/event-query.ts';
import type { Recordings } from '../storage/recording/recordings.ts';
import type { ClipReadiness, ClipSource } from '../storage/upload/uploader.ts';

/** Beyond the post-roll, how long a clip waits for segments still being written (a camera offline never sends them). */
const GRACE_MS = 60_000;
/** How often a clip that is not recorded yet is looked at again, at most. */
const RECHECK_MS = 10_000;

export interface ClipUploadSource {
  recordings(): Recordings | null;
  settingsOf(camera: string): CameraRecording;
}

/** When the event's clip can be uploaded: its end plus the post-roll. */
export function clipReadyMs(event: { startMs: number; endMs: number | null }, settings: CameraRecording): number {
  return (event.endMs ?? event.startMs) + settings.postRollSeconds * 1000;
}

export function clipSource(site: ClipUploadSource): ClipSource {
  return {
    async prepare(event: StoredEvent, dest: string, nowMs: number): Promise<ClipReadiness> {
      const settings = site.settingsOf(event.camera);
      const fromMs = event.startMs - settings.preRollSeconds * 1000;
      const toMs = clipReadyMs(event, settings);
      const giveUpMs = toMs + 2 * settings.segmentSeconds * 1000 + GRACE_MS;
      const wait = { waitUntilMs: nowMs + Math.min(RECHECK_MS, settings.segmentSeconds * 1000) };
      const recordings = site.recordings();
      if (recordings === null) {
        if (nowMs < giveUpMs) return wait;
        throw new UploadError(`no recordings of camera '${event.camera}' (its recording.mode is off, or it never started)`, true);
      }
      const segments = recordings.store.overlapping(event.camera, fromMs, toMs).filter((s) => s.endMs <= nowMs);
      const recordedTo = segments.reduce((end, s) => Math.max(end, s.endMs), 0);
      // The segment holding the end of the post-roll is finished: the clip is whole.
      if (recordedTo < toMs && nowMs < giveUpMs) return wait;
      if (segments.length === 0)
        throw new UploadError(
          `nothing of camera '${event.camera}' was recorded between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()} (recording off, camera offline, or deleted)`,
          true,
        );
      let clip: { path: string };
      try {
        clip = await recordings.clip(event.camera, fromMs, toMs);
      } catch (error) {
        if (error instanceof PanoptesError && error.code === 'E_BUSY') return wait;
        throw error;
      }
      await copyFile(clip.path, `${dest}.part`);
      try {
        await rename(`${dest}.part`, dest);
      } finally {
        await rm(`${dest}.part`, { force: true });
      }
      return { ready: true };
    },
  };
}
