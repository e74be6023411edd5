/**
 * One camera of the site config: identity and streams, then the settings a site's `defaults` section
 * may also hold (merged under every camera). Ingest and lifecycle knobs map onto the coordinator's
 * CameraSpec, motion and regions onto the channel worker's settings (src/config/to-runtime.ts); zones,
 * object rules and masks are the decision layer's own schema, extended here rather than redefined.
 * Every settings field has a default, so a camera needs only `id`, `channel` and `streams.primary`.
 */
import { z } from 'zod';
import { cameraDecisionsSchema, polygonSchema } from '../analytics/decisions/options.ts';
import { samplingSchema } from '../channel/sampling.ts';
import { DEFAULT_BACKOFF } from '../coordinator/backoff.ts';
import { DEFAULT_CIRCUIT } from '../resilience/circuit-breaker.ts';
import { cameraRecordingSchema } from './recording-schema.ts';

/** The default detect size (measured: README, "Cameras, rings and workers"). */
export const DETECT_SIZE = { width: 1280, height: 720 } as const;
/** The default motion plane width: 320x180 for a 16:9 frame. */
export const MOTION_WIDTH = 320;

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const STREAM_SCHEMES = ['rtsp', 'rtsps', 'http', 'https', 'file'];

/**
 * rtsp(s)://, http(s)://, file:// or a plain path, or `lavfi:<graph>`. Credentials stay as `${VAR}`
 * references: the camera actor resolves them when ffmpeg starts, so the parsed config never holds them.
 */
export const streamUrlSchema = z
  .string()
  .min(1)
  .superRefine((url, ctx) => {
    const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
    if (scheme === undefined) return;
    if (!STREAM_SCHEMES.includes(scheme)) {
      ctx.addIssue({
        code: 'custom',
        message: `unsupported URL scheme '${scheme}': expected rtsp://, rtsps://, http://, https://, file://, lavfi: or a file path`,
      });
      return;
    }
    // URL.parse is newer than the Node 20.17 the package supports.
    if (scheme !== 'file' && !(URL.canParse(url) && new URL(url).hostname))
      ctx.addIssue({ code: 'custom', message: `expected a valid ${scheme}:// URL with a host` });
  })
  .describe('rtsp://, rtsps://, http(s):// (MJPEG, HLS), a file path, or lavfi:<graph>; credentials as ${VAR} references.');

const positiveMs = z.number().int().positive();

/**
 * The camera's ingest: detect size, rate and how ffmpeg picks frames. The ring holds the frame at this
 * size; motion runs on a small downscale of it (motion.width), crops and best shots come from it.
 */
const aiSchema = z
  .strictObject({
    fps: z.number().positive().max(120).default(5).describe('Analysis frames a second (fixed_fps; ignored by keyframe_only).'),
    width: z
      .number()
      .int()
      .min(16)
      .max(7680)
      .default(DETECT_SIZE.width)
      .describe('Detect width in pixels: the frame detector crops and best shots are cut from; ffmpeg scales to it.'),
    height: z.number().int().min(16).max(4320).default(DETECT_SIZE.height).describe('Detect height in pixels.'),
    format: z
      .enum(['gray', 'yuv420p'])
      .default('yuv420p')
      .describe('Raw frame format; yuv420p keeps colour for the detector crops and best shots, gray is enough for motion only.'),
    mode: z
      .enum(['fixed_fps', 'keyframe_only', 'hybrid'])
      .default('fixed_fps')
      .describe(
        'fixed_fps: resample to fps; keyframe_only: decode key frames only (cheapest); hybrid: every key frame plus at least minFps.',
      ),
    minFps: z.number().positive().default(1).describe('hybrid: the lowest rate kept between key frames.'),
    decodeThreads: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(1)
      .describe(
        "ffmpeg decoder threads for this camera's analysis stream; 0 = ffmpeg's choice (a thread a core). 1 suits a sub-stream: frame threading costs more CPU than it saves there and delays every frame by a frame a thread (README, 'Cameras and workers').",
      ),
  })
  .prefault({});

const backoffSchema = z
  .strictObject({
    initialMs: positiveMs.default(DEFAULT_BACKOFF.initialMs).describe('First reconnect delay.'),
    factor: z.number().min(1).default(DEFAULT_BACKOFF.factor).describe('Each further delay is the previous one times this.'),
    maxMs: positiveMs.default(DEFAULT_BACKOFF.maxMs).describe('Longest reconnect delay.'),
    jitter: z.number().min(0).max(1).default(DEFAULT_BACKOFF.jitter).describe('Random share added or removed (0.1 = +-10%).'),
  })
  .prefault({});

const circuitSchema = z
  .strictObject({
    failureThreshold: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_CIRCUIT.failureThreshold)
      .describe('Consecutive failures that open the circuit.'),
    openMs: positiveMs.default(DEFAULT_CIRCUIT.openMs).describe('How long the circuit stays open before trial connections.'),
    halfOpenMaxTrials: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_CIRCUIT.halfOpenMaxTrials)
      .describe('Trial connections allowed while half-open.'),
    successThreshold: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_CIRCUIT.successThreshold)
      .describe('Successes while half-open that close it.'),
  })
  .prefault({})
  .refine((c) => c.halfOpenMaxTrials >= c.successThreshold, {
    path: ['halfOpenMaxTrials'],
    message: 'halfOpenMaxTrials must be at least successThreshold, or a half-open circuit never closes',
  });

const lifecycleSchema = z
  .strictObject({
    ioTimeoutMs: positiveMs.default(5000).describe('RTSP/HTTP socket I/O timeout.'),
    stallTimeoutMs: positiveMs
      .default(10_000)
      .describe('No frame for this long once frames flow counts as a stall: ffmpeg is killed and the camera reconnects.'),
    firstFrameTimeoutMs: positiveMs
      .default(20_000)
      .describe(
        'A connection without its first decoded frame for this long is abandoned (one failure for the circuit). A client decodes nothing before the next key frame, so keep it above the camera\'s key-frame interval (4-10 s with "smart codecs").',
      ),
    stableAfterMs: positiveMs
      .default(30_000)
      .describe('Online this long resets the backoff and counts as a success for a half-open circuit.'),
    udpFallbackAfter: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('RTSP: switch from TCP to UDP after this many consecutive failures (0 = never).'),
    ringSlots: z
      .number()
      .int()
      .min(2)
      .max(64)
      .default(4)
      .describe('Frame ring slots; the oldest unread frame is overwritten when all are full.'),
    backoff: backoffSchema,
    circuit: circuitSchema,
  })
  .prefault({});

const motionSchema = z
  .strictObject({
    width: z
      .number()
      .int()
      .min(16)
      .max(7680)
      .optional()
      .describe(
        `Width of the motion plane: the frame's luma area-averaged down to it, at most ai.width; default ${MOTION_WIDTH} (or ai.width when smaller).`,
      ),
    height: z
      .number()
      .int()
      .min(16)
      .max(4320)
      .optional()
      .describe("Height of the motion plane; default: ai.height scaled like the width (the frame's aspect)."),
    threshold: z.number().int().min(1).max(255).default(25).describe('Luma difference a pixel needs to count as changed.'),
    minArea: z.number().int().min(1).default(16).describe('Smallest motion box, in changed pixels of the motion plane.'),
    alpha: z.number().min(0).max(1).default(0.2).describe('Running-average background weight; 0 compares consecutive frames.'),
    foregroundAlpha: z
      .number()
      .min(0)
      .max(1)
      .default(0.02)
      .describe(
        'Background weight at changed pixels: low keeps a passing object out of the background (no trail behind it); a stopped object fades in after about ln(threshold/contrast)/ln(1-foregroundAlpha) frames.',
      ),
    learnFrames: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(20)
      .describe(
        'Frames after the background was made from one frame (start, reconnect, lighting change) during which changed pixels still for 5 frames (within threshold of the previous frame) are learnt at alpha too: an object in that frame leaves a ghost once it moves away, which would read as motion for about ln(threshold/contrast)/ln(1-foregroundAlpha) frames (14 s at 5 fps for a person). 20 = 4 s at 5 fps; 0 = off.',
      ),
    gridCols: z.number().int().min(1).max(64).default(8).describe('Columns of the motion activity grid.'),
    gridRows: z.number().int().min(1).max(64).default(8).describe('Rows of the motion activity grid.'),
    maxBoxes: z.number().int().min(1).max(1024).default(32).describe('Most motion boxes a frame.'),
    lightingRatio: z
      .number()
      .gt(0)
      .max(1)
      .default(0.6)
      .describe(
        'Above this changed-pixel ratio a frame is a global change (lighting, camera moved): not sent, and the background is re-baselined on it.',
      ),
    exclude: z
      .array(polygonSchema)
      .default([])
      .describe('Polygons where motion is not looked for (timestamps, trees, a road outside the fence).'),
  })
  .prefault({});

const regionsSchema = z
  .strictObject({
    padding: z.number().min(0).max(2).default(0.15).describe('Fraction of a motion cluster added on every side.'),
    minSide: z
      .number()
      .int()
      .min(16)
      .optional()
      .describe("Candidate regions are squares at least this large (detect pixels); default: the detector's input size."),
    maxRegions: z.number().int().min(1).max(64).default(4).describe('Most motion regions a frame; the rest are counted as skipped.'),
    fullFrameIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe(
        'Every this many ms the whole frame (or a row of tiles) goes to the detector even without motion, so still objects are seen; 0 never. Off with the motion backend (nothing to find in a still frame).',
      ),
    stillFullFrameIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe(
        'A camera that saw no motion since its last full-frame pass gets its next one after this many ms instead of fullFrameIntervalMs: the detector would see the same picture again. 0 = always fullFrameIntervalMs.',
      ),
    trackedIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(600)
      .describe(
        'A frame whose motion all lies within objects already tracked goes to the detector at most this often (ms); the tracker carries them between detections, and motion anywhere else goes at once. 0: every frame with motion. Off with the motion backend.',
      ),
  })
  .prefault({});

const alertsSchema = z
  .strictObject({
    critical: z.boolean().default(false).describe('Event starts of this camera also go to MQTT {prefix}/alerts/critical.'),
    labels: z.array(z.string().min(1)).default([]).describe('Labels whose starts raise an alert; [] = every label.'),
  })
  .prefault({});

/** What a camera may set and the `defaults` section may set for every camera. */
export const cameraSettingsSchema = cameraDecisionsSchema.safeExtend({
  enabled: z.boolean().default(true).describe('A disabled camera is kept in the config but not started.'),
  transport: z.enum(['tcp', 'udp']).default('tcp').describe('RTSP transport; UDP is also the fallback after repeated TCP failures.'),
  loop: z.boolean().default(false).describe('File streams: start again at the end.'),
  ai: aiSchema,
  sampling: samplingSchema.describe('Which frames with candidates go to inference.'),
  motion: motionSchema,
  regions: regionsSchema,
  lifecycle: lifecycleSchema,
  recording: cameraRecordingSchema,
  alerts: alertsSchema,
  tags: z.array(z.string().min(1)).default([]).describe('Free labels for grouping (area, building, contractor).'),
});

export const cameraIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected a slug: lower-case letters, digits, - or _ (at most 64, starting with a letter or digit)')
  .describe('Stable id: MQTT topics, API paths and logs use it.');

export const cameraSchema = cameraSettingsSchema
  .safeExtend({
    id: cameraIdSchema,
    name: z.string().min(1).optional().describe('Display name; the id when omitted.'),
    channel: z.number().int().min(1).describe('Channel number as the site knows it (the NVR channel); unique.'),
    streams: z.strictObject({
      primary: streamUrlSchema.describe('Main stream (full resolution).'),
      secondary: streamUrlSchema
        .optional()
        .describe('Sub-stream; analysis uses it when present, since it is already near the analysis size and cheaper to decode.'),
    }),
  })
  .superRefine((camera, ctx) => {
    const { ai, motion } = camera;
    if (camera.recording.mode !== 'off' && camera.streams.primary.startsWith('lavfi:')) {
      ctx.addIssue({
        code: 'custom',
        path: ['recording', 'mode'],
        message: `recording copies the camera's encoded stream and a lavfi: source has none; set recording.mode: off for this camera or give streams.primary an rtsp://, http(s):// or file stream`,
      });
    }
    if (motion.width !== undefined && motion.width > ai.width) {
      ctx.addIssue({
        code: 'custom',
        path: ['motion', 'width'],
        message: `motion.width ${motion.width} is larger than ai.width ${ai.width}: the motion plane is a downscale of the frame; lower motion.width or raise ai.width`,
      });
    }
    if (motion.height !== undefined && motion.height > ai.height) {
      ctx.addIssue({
        code: 'custom',
        path: ['motion', 'height'],
        message: `motion.height ${motion.height} is larger than ai.height ${ai.height}: lower motion.height or raise ai.height`,
      });
    }
  });
export type CameraConfigInput = z.input<typeof cameraSchema>;
export type CameraConfig = z.output<typeof cameraSchema>;
