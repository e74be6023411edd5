/**
 * The zod schemas of what the API returns, for the OpenAPI document. Each is checked against the
 * TypeScript type the site returns (`satisfies z.ZodType<T>`), so a field added to CameraStatus or
 * HealthReport without its schema fails the typecheck instead of drifting from the document.
 */
import { z } from 'zod';
import type { DetectionEvent } from '../../analytics/events.ts';
import { STAGE_NAMES } from '../../channel/stats.ts';
import type { CameraMetrics } from '../../coordinator/camera-metrics.ts';
import { CAMERA_STATES } from '../../coordinator/camera-state.ts';
import { decodeCursor, type EventCursor } from '../../storage/event-query.ts';
import type { CameraStatus, EventDetail, EventPage, HealthReport, StoredEvent, StoredTrack, TrackPage, UploadStatus } from '../site.ts';

export const rectSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
export const cameraStateSchema = z.enum(CAMERA_STATES);
const healthLevelSchema = z.enum(['healthy', 'degraded', 'critical']);

export const cameraStatusSchema = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.number().int(),
  enabled: z.boolean().describe('Configured on (config `enabled`).'),
  streaming: z.boolean().describe('Ingest running now; POST /streams/{id}/stop stops it without changing the config.'),
  state: cameraStateSchema,
  url: z.string().describe('Masked: credentials show as ***.'),
  tags: z.array(z.string()),
  reconnects: z.number().int(),
  lastError: z.object({ kind: z.string(), message: z.string() }).nullable(),
  stream: z
    .object({ codec: z.string().nullable(), width: z.number().nullable(), height: z.number().nullable(), fps: z.number().nullable() })
    .nullable(),
  inputFps: z.number(),
  analysedFps: z.number(),
}) satisfies z.ZodType<CameraStatus>;

/** GET /cameras/{id}: the status plus the camera's config entry (secrets as `${VAR}` or masked). */
export const cameraDetailSchema = cameraStatusSchema.extend({ config: z.unknown().describe('The camera entry of the site config.') });

const stageLatencySchema = z.object({ p50Ms: z.number(), p99Ms: z.number(), count: z.number().int() });

export const cameraMetricsSchema = z.object({
  camera: z.string(),
  state: cameraStateSchema,
  inputFps: z.number(),
  analysedFps: z.number(),
  framesIn: z.number().int(),
  framesAnalysed: z.number().int(),
  drops: z.object({ ring_full: z.number().int(), incomplete: z.number().int() }),
  ringOccupancy: z.number(),
  motionRatio: z.number(),
  candidates: z.number().int(),
  lightingChanges: z.number().int(),
  regionsSkipped: z.number().int(),
  fullFramePasses: z.number().int(),
  trackedSkips: z.number().int(),
  quietSkips: z.number().int(),
  backgroundResets: z.number().int(),
  errors: z.number().int(),
  reconnects: z.number().int(),
  latency: z.object(
    Object.fromEntries(STAGE_NAMES.map((name) => [name, stageLatencySchema])) as Record<
      (typeof STAGE_NAMES)[number],
      typeof stageLatencySchema
    >,
  ),
}) satisfies z.ZodType<CameraMetrics>;

const faceSchema = z.object({
  box: rectSchema,
  score: z.number(),
  keypoints: z
    .array(z.object({ x: z.number(), y: z.number() }))
    .describe(
      "Landmarks, frame pixels, in the face detector's order (BlazeFace, the face cascade: right eye, left eye, nose, mouth, right ear, left ear).",
    ),
});

export const detectionEventSchema = z.object({
  id: z.string(),
  camera: z.string(),
  label: z.string(),
  score: z.number(),
  box: rectSchema,
  trackId: z.number().int(),
  startMs: z.number(),
  endMs: z.number().nullable(),
  bestShot: z
    .object({
      quality: z.number(),
      score: z.number(),
      sharpness: z.number(),
      brightness: z.number(),
      box: rectSchema,
      region: rectSchema.describe('What the JPEG shows, frame pixels: subtract its x, y to place box, face and keypoints in the picture.'),
      truncated: z.boolean(),
      occlusion: z.number(),
      face: faceSchema.nullable(),
      timeMs: z.number(),
      jpeg: z.string().nullable(),
      frameJpeg: z
        .string()
        .nullable()
        .describe('The whole frame at the best-shot moment (inference.bestShot.frameWidth wide at most); null when none is kept.'),
    })
    .nullable(),
  zones: z.array(z.string()),
  face: faceSchema.nullable().describe('The face in the best shot, null when it has none.'),
  endReason: z
    .literal('restart')
    .optional()
    .describe(
      'Only on an event a killed gateway left running: it was ended at the next start, at the last commit before the kill (endMs); absent otherwise.',
    ),
}) satisfies z.ZodType<DetectionEvent>;

/** An event as the events database returns it. */
export const storedEventSchema = detectionEventSchema.extend({
  bestShot: detectionEventSchema.shape.bestShot.describe(
    "`jpeg` is the picture's path under storage.dir (GET /events/{id}/snapshot.jpg serves it), `frameJpeg` the full frame's (GET /events/{id}/frame.jpg); null when it has none.",
  ),
  clip: z
    .object({
      url: z.string().describe('GET it for the MP4, assembled from the recorded segments when asked.'),
      state: z
        .enum(['partial', 'complete'])
        .describe(
          'partial: what is recorded so far (the event runs, its post-roll is not recorded yet, or the recording stopped before its end); complete: recorded through the end of its post-roll.',
        ),
    })
    .nullable()
    .describe(
      "The event's clip from its camera's recordings; null while nothing of its window is recorded, or once those segments are deleted.",
    ),
}) satisfies z.ZodType<StoredEvent>;

export const uploadStatusSchema = z.object({
  kind: z
    .enum(['snapshot', 'frame', 'clip'])
    .describe('snapshot: the best-shot crop; frame: the full frame at that moment; clip: the MP4.'),
  state: z
    .enum(['pending', 'uploading', 'done', 'failed'])
    .describe('pending: waiting for its next try (or for the clip to be recorded); failed: given up, see lastError.'),
  attempts: z.number().int().describe('Tries so far.'),
  remote: z.string().nullable().describe('s3://bucket/key or the URL it was stored at, once done.'),
  sha256: z.string().nullable().describe('Hex SHA-256 of the file sent (verified against what the target stored).'),
  lastError: z.string().nullable().describe('Why the last try failed (never a credential).'),
  updatedAt: z.string(),
}) satisfies z.ZodType<UploadStatus>;

export const eventDetailSchema = storedEventSchema.extend({
  uploads: z.array(uploadStatusSchema).describe('Copies sent to storage.upload.target; [] when uploads are off.'),
}) satisfies z.ZodType<EventDetail>;

export const uploadsRetrySchema = z.object({ requeued: z.number().int().describe('Failed uploads now pending again.') });

export const eventUploadsRetrySchema = uploadsRetrySchema.extend({ uploads: z.array(uploadStatusSchema) });

/** POST /uploads/retry: which uploads; only failed ones can be queued again. */
export const uploadsRetryQuerySchema = z.strictObject({
  state: z.enum(['failed'], { error: "expected 'failed' (only failed uploads are queued again)" }),
});

export const eventPageSchema = z.object({
  events: z.array(storedEventSchema),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass as `cursor` (with the same filters and order) for the next page; null on the last page.'),
}) satisfies z.ZodType<EventPage>;

export const healthReportSchema = z.object({
  status: healthLevelSchema,
  reasons: z.array(z.string()),
  streams: z.object({ online: z.number().int(), total: z.number().int(), enabled: z.number().int() }),
  inference: z.object({ backend: z.string(), degraded: z.boolean(), atCapacity: z.boolean(), reason: z.string().nullable() }),
  system: z.object({
    rssBytes: z.number(),
    heapUsedBytes: z.number(),
    loadAverage1m: z.number(),
    cores: z.number().int(),
    diskFreeBytes: z.number().nullable(),
  }),
  cameras: z.array(z.object({ id: z.string(), state: cameraStateSchema, health: healthLevelSchema })),
  uptimeMs: z.number(),
  recording: z
    .object({
      disk: z
        .object({ freeBytes: z.number(), totalBytes: z.number(), limitBytes: z.number(), warnBytes: z.number() })
        .nullable()
        .describe('The recordings disk: the guard deletes below limitBytes, health warns below warnBytes.'),
      guardDeletions: z.number().int(),
      cameras: z.array(
        z.object({
          id: z.string(),
          mode: z.string(),
          state: z.enum(['recording', 'idle', 'failing']),
          segments: z.number().int(),
          failures: z.number().int(),
          lastFailure: z.string().nullable(),
          lastSegmentEndMs: z.number().nullable(),
        }),
      ),
    })
    .optional()
    .describe('Present when a camera records.'),
}) satisfies z.ZodType<HealthReport>;

/** GET /health: what a probe needs. */
export const healthSummarySchema = healthReportSchema.pick({ status: true, reasons: true });

/** GET /status: counts only (no URLs, no ids), so it can be public. */
export const siteStatusSchema = z.object({
  status: healthLevelSchema,
  uptimeMs: z.number(),
  cameras: z.object({
    total: z.number().int(),
    enabled: z.number().int(),
    streaming: z.number().int(),
    byState: z.record(cameraStateSchema, z.number().int()),
  }),
});

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('Stable error code (README, "Error codes").'),
    message: z.string(),
    problems: z.array(z.string()).optional().describe('What was wrong with the request, one `path: message` each.'),
  }),
});

/** A whole number in a query string (z.coerce would turn `abc` into NaN and `''` into 0). */
function queryInteger(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,15}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

const cursorSchema = z
  .string()
  .min(1)
  .max(2000)
  .transform((text, ctx): EventCursor => {
    const cursor = decodeCursor(text);
    if (typeof cursor === 'string') {
      ctx.addIssue({ code: 'custom', message: cursor });
      return z.NEVER;
    }
    return cursor;
  });

/** GET /events: every parameter optional; unknown parameters are refused (400). */
export const eventQuerySchema = z
  .strictObject({
    camera: z.string().min(1).max(200).optional(),
    label: z.string().min(1).max(200).optional(),
    zone: z.string().min(1).max(200).optional().describe('Only events that entered this zone.'),
    after: queryInteger(0, Number.MAX_SAFE_INTEGER).optional().describe('Only events that started at or after this time (epoch ms).'),
    before: queryInteger(0, Number.MAX_SAFE_INTEGER).optional().describe('Only events that started before this time (epoch ms).'),
    hasClip: z.enum(['true', 'false']).optional().describe('true: only events with a recorded clip; false: only events without one.'),
    order: z.enum(['desc', 'asc']).optional().describe('By start time: desc (newest first, the default) or asc.'),
    cursor: cursorSchema.optional().describe('The nextCursor of the previous page.'),
    limit: queryInteger(1, 1000).optional().describe('At most this many events a page (1-1000, default 100).'),
  })
  .superRefine((q, ctx) => {
    if (q.after !== undefined && q.before !== undefined && q.before <= q.after)
      ctx.addIssue({ code: 'custom', path: ['before'], message: `expected a time after \`after\` (${q.after}), received ${q.before}` });
    const order = q.order ?? 'desc';
    if (q.cursor !== undefined && q.cursor.order !== order)
      ctx.addIssue({
        code: 'custom',
        path: ['cursor'],
        message: `this cursor continues a page in order=${q.cursor.order}; repeat that query's order (and filters)`,
      });
  });

export const storedTrackSchema = z.object({
  camera: z.string(),
  trackId: z.number().int().describe("The tracker's id: unique on the camera within a gateway run (it starts again after a restart)."),
  label: z.string(),
  firstSeenMs: z.number().describe('Capture time of the first frame it was observed in (epoch ms).'),
  lastSeenMs: z.number(),
  bestScore: z.number(),
  eventId: z.string().nullable().describe('The event it started or joined; null when it never became one.'),
  zones: z.array(z.string()).describe('Zones its bottom-centre entered, in order (outside the masks).'),
  running: z
    .boolean()
    .describe('Still tracked: lastSeenMs, bestScore, eventId and zones are as of the last commit (at most storage writes 1 s old).'),
  endReason: z
    .literal('restart')
    .optional()
    .describe(
      'Only on a track a killed gateway left running: it was closed at the next start, lastSeenMs at the last commit before the kill; absent otherwise.',
    ),
}) satisfies z.ZodType<StoredTrack>;

export const trackPageSchema = z.object({
  tracks: z.array(storedTrackSchema),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass as `cursor` (with the same filters and order) for the next page; null on the last page.'),
}) satisfies z.ZodType<TrackPage>;

/** GET /cameras/{id}/tracks: by first-seen time. */
export const trackQuerySchema = z
  .strictObject({
    after: queryInteger(0, Number.MAX_SAFE_INTEGER).optional().describe('Only tracks first seen at or after this time (epoch ms).'),
    before: queryInteger(0, Number.MAX_SAFE_INTEGER).optional().describe('Only tracks first seen before this time (epoch ms).'),
    order: z.enum(['desc', 'asc']).optional().describe('By first-seen time: desc (newest first, the default) or asc.'),
    cursor: cursorSchema.optional().describe('The nextCursor of the previous page.'),
    limit: queryInteger(1, 1000).optional().describe('At most this many tracks a page (1-1000, default 100).'),
  })
  .superRefine((q, ctx) => {
    if (q.after !== undefined && q.before !== undefined && q.before <= q.after)
      ctx.addIssue({ code: 'custom', path: ['before'], message: `expected a time after \`after\` (${q.after}), received ${q.before}` });
    if (q.cursor !== undefined && q.cursor.order !== (q.order ?? 'desc'))
      ctx.addIssue({
        code: 'custom',
        path: ['cursor'],
        message: `this cursor continues a page in order=${q.cursor.order}; repeat that query's order`,
      });
  });

/**
 * A camera entry as given in the config (only `id`, `channel` and `streams.primary` are required),
 * checked by the site against the camera schema. Passed through as parsed: a zod object schema would
 * copy the keys by assignment, turning an own `__proto__` key into a prototype the camera schema
 * never sees, instead of an unknown key it refuses.
 */
export const cameraBodySchema = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { message: 'expected a camera object' },
);
