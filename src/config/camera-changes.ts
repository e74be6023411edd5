/**
 * Which cameras a new config adds, removes or changes against the running one, and what a change
 * needs: what a SIGHUP reload or an API edit applies, so only those cameras are touched, and only as
 * far as the change reaches (README "Changes at runtime").
 */
import { isDeepStrictEqual } from 'node:util';
import type { CameraConfig } from './camera-schema.ts';
import { cameraSpec } from './to-runtime.ts';

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

/**
 * - `ingest`: what ffmpeg or the ring is made from changed (the analysed stream, transport, loop, the
 *   `ai` size, rate, format and mode, `lifecycle`, `recording` and the main stream it records), or
 *   `enabled`: the camera restarts.
 * - `analysis`: motion, regions, sampling or event rules changed: the channel worker and the decision
 *   layer take the new settings while ffmpeg keeps running.
 * - `metadata`: only what the site and the outputs read (name, channel, tags, alerts).
 */
export type CameraChangeKind = 'ingest' | 'analysis' | 'metadata';

/** Keys that reach no runtime part through the channel worker or the decision layer. */
const NOT_ANALYSIS: ReadonlySet<string> = new Set<keyof CameraConfig>([
  // Metadata: read by the site and the outputs when they need it.
  'id',
  'name',
  'channel',
  'tags',
  'alerts',
  // Ingest: what of them matters is in the ingest spec, compared first.
  'enabled',
  'streams',
  'transport',
  'loop',
  'ai',
  'lifecycle',
  'recording',
]);

function analysisPart(camera: CameraConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(camera).filter(([key]) => !NOT_ANALYSIS.has(key)));
}

function recordingPart(camera: CameraConfig): unknown {
  return { ...camera.recording, primary: camera.recording.mode === 'off' ? null : camera.streams.primary };
}

/** What applying `after` over `before` (the same camera) needs. */
export function cameraChangeKind(before: CameraConfig, after: CameraConfig): CameraChangeKind {
  // The ingest spec is compared rather than the keys, so whatever feeds ffmpeg or the ring restarts
  // the camera, and a new main stream that analysis does not read (it reads the sub-stream) does not.
  if (before.enabled !== after.enabled || !isDeepStrictEqual(cameraSpec(before), cameraSpec(after))) return 'ingest';
  // The recorder is an output of the same ffmpeg: its settings, and the main stream it records, are ingest too.
  if (!isDeepStrictEqual(recordingPart(before), recordingPart(after))) return 'ingest';
  return isDeepStrictEqual(analysisPart(before), analysisPart(after)) ? 'metadata' : 'analysis';
}
