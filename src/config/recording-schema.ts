/**
 * Recording settings: per camera (and in `defaults`) what is kept of the camera's main stream, and for
 * the site where recordings live and how the disk guard protects the disk they are on
 * (src/storage/recording/, README "Recording").
 */
import { z } from 'zod';

export const RECORDING_MODES = ['off', 'events', 'motion', 'continuous'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

/** Why a segment was kept; a segment kept for more than one reason has the strongest (events). */
export const KEEP_CLASSES = ['continuous', 'motion', 'events'] as const;
export type KeepClass = (typeof KEEP_CLASSES)[number];

const days = (fallback: number, what: string) =>
  z.number().positive().max(3650).default(fallback).describe(`Days a segment kept ${what} stays on disk.`);

export const cameraRecordingSchema = z
  .strictObject({
    mode: z
      .enum(RECORDING_MODES)
      .default('off')
      .describe(
        'off: nothing is written; events: only segments overlapping an event (with pre/post roll) are kept; motion: also segments with motion; continuous: every segment.',
      ),
    segmentSeconds: z
      .number()
      .int()
      .min(1)
      .max(600)
      .default(10)
      .describe('Segment length; a segment starts at a key frame, so it is this long rounded up to the key-frame interval.'),
    format: z
      .enum(['mp4', 'mpegts'])
      .default('mp4')
      .describe('Segment container: mp4 plays anywhere; mpegts keeps what was written when the gateway is killed mid-segment.'),
    preRollSeconds: z.number().min(0).max(300).default(5).describe('Video kept before an event starts (events and motion modes).'),
    postRollSeconds: z.number().min(0).max(300).default(5).describe('Video kept after an event ends.'),
    retentionDays: z
      .strictObject({
        continuous: days(3, 'only for continuous recording'),
        motion: days(7, 'for motion'),
        events: days(14, 'for an event (its clip)'),
      })
      .prefault({})
      .describe('How long segments stay, by why they were kept.'),
  })
  .prefault({})
  .describe("What is kept of the camera's main stream (streams.primary), copied without re-encoding.");
export type CameraRecording = z.output<typeof cameraRecordingSchema>;

export const recordingsSchema = z
  .strictObject({
    dir: z
      .string()
      .min(1)
      .default('data/recordings')
      .describe('Where segments are written: <dir>/<camera>/<YYYY-MM-DD>/<HH-MM-SS.mmm>_<ms>_<class>.<ext>, UTC.'),
    retentionIntervalSeconds: z.number().int().min(1).default(300).describe('How often segments older than their retention are deleted.'),
    diskGuard: z
      .strictObject({
        minFreeMiB: z.number().min(0).default(1024).describe('Free space kept on the recordings disk, in MiB.'),
        minFreePercent: z
          .number()
          .min(0)
          .max(90)
          .default(5)
          .describe('Free space kept, as a share of the disk; the larger of the two limits applies.'),
        warnRatio: z
          .number()
          .min(1)
          .max(10)
          .default(1.5)
          .describe('Health warns once free space is below this times the limit, before the guard has to delete.'),
        intervalSeconds: z.number().int().min(1).default(10).describe('How often free space is checked.'),
      })
      .prefault({})
      .describe('Deletes the oldest recordings (events last) when the disk gets fuller than the limit.'),
  })
  .prefault({});
export type RecordingsConfig = z.output<typeof recordingsSchema>;
