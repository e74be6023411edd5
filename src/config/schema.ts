/**
 * The site config: the one source for the config's types, its JSON Schema (config/panoptes.schema.json),
 * its defaults and the names of its environment overrides. Keys are camelCase everywhere, as in the
 * module schemas it is composed of. `defaults` is merged under every camera before the cameras are
 * validated (src/config/load.ts), so the parsed cameras hold the merged settings.
 */
import { z } from 'zod';
import { DEFAULT_LIVE_SETTINGS } from '../live/settings.ts';
import { globalDecisionsSchema } from '../analytics/decisions/options.ts';
import { cameraSchema, cameraSettingsSchema } from './camera-schema.ts';
import { inferenceSchema } from './inference-schema.ts';
import { recordingsSchema } from './recording-schema.ts';
import { secretSchema } from './secret.ts';
import { uploadSchema } from './upload-schema.ts';

export { secretSchema } from './secret.ts';

const gatewaySchema = z
  .strictObject({
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    ffmpegPath: z
      .string()
      .min(1)
      .default('auto')
      .describe("ffmpeg binary; 'auto' = the system ffmpeg on PATH, else the one @ffmpeg-installer/ffmpeg ships."),
    workers: z
      .union([z.literal('auto'), z.number().int().min(1).max(256)])
      .default('auto')
      .describe("Channel worker threads; 'auto' = one a core (README, 'Cameras and workers')."),
    runDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Ignored (kept so that older configs load): frames went through FIFO files in this directory until 2026-12-07; each ffmpeg run now writes into an anonymous pipe that its channel worker reads.',
      ),
  })
  .prefault({});

/** Live video in the browser (src/live/, README "Live video"). */
const liveSchema = z
  .strictObject({
    maxViewersPerCamera: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(DEFAULT_LIVE_SETTINGS.maxViewersPerCamera)
      .describe('Live viewers of one camera at once; the next is refused (E_BUSY, close 4429).'),
    idleStopMs: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_LIVE_SETTINGS.idleStopMs)
      .describe("A camera's restream ffmpeg keeps running this long after its last viewer left, for one who comes straight back."),
    maxBufferedBytes: z
      .number()
      .int()
      .min(16 * 1024)
      .default(DEFAULT_LIVE_SETTINGS.maxBufferedBytes)
      .describe('Bytes waiting in a viewer socket above which it is skipped ahead to the next key frame.'),
    maxBehindKeyFrames: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_LIVE_SETTINGS.maxBehindKeyFrames)
      .describe('Key frames a skipped viewer may stay over maxBufferedBytes before it is dropped (close 1013).'),
    hlsIdleMs: z
      .number()
      .int()
      .min(1000)
      .default(DEFAULT_LIVE_SETTINGS.hlsIdleMs)
      .describe('An HLS session (POST /api/v1/cameras/{id}/live/hls) whose playlist or segments were not fetched for this long is closed.'),
  })
  .prefault({});

const httpSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Listen address; 0.0.0.0 exposes the API to the network.'),
    port: z.number().int().min(0).max(65_535).default(8080),
    tokens: z.array(secretSchema).default([]).describe('Bearer tokens the API accepts; [] = no authentication (loopback only).'),
    bodyLimitBytes: z.number().int().positive().default(1_048_576).describe('Largest request body.'),
    live: liveSchema,
  })
  .prefault({});

const mqttSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^(mqtts?|wss?):\/\/\S+$/, 'expected an mqtt://, mqtts://, ws:// or wss:// URL')
      .nullable()
      .default(null)
      .describe('External broker; null = the embedded broker on embeddedPort.'),
    embeddedPort: z.number().int().min(0).max(65_535).default(1883),
    prefix: z
      .string()
      .regex(/^[^#+\s]+$/, 'expected a topic prefix without spaces, # or +')
      .default('panoptes')
      .describe('Topic prefix: <prefix>/<camera>/events, ...'),
    clientId: z.string().min(1).default('panoptes'),
    username: secretSchema.optional(),
    password: secretSchema.optional(),
    outbox: z
      .strictObject({
        dir: z.string().min(1).default('data/outbox').describe('Events queued on disk while the broker is unreachable.'),
        maxEvents: z.number().int().min(1).default(10_000).describe('Oldest events are dropped (and counted) beyond this.'),
      })
      .prefault({}),
  })
  .prefault({});

const storageSchema = z
  .strictObject({
    dir: z
      .string()
      .min(1)
      .default('data/storage')
      .describe(
        'The events database (panoptes.db) and best-shot JPEGs (snapshots/<camera>/<day>/<event>.jpg, the full frame beside it as <event>.frame.jpg); one gateway a directory.',
      ),
    retention: z
      .strictObject({
        eventsDays: z
          .number()
          .positive()
          .max(36_500)
          .default(30)
          .describe('Events that started longer ago than this many days are deleted with their JPEGs (checked at start and hourly).'),
      })
      .prefault({}),
    upload: uploadSchema,
  })
  .prefault({});

/**
 * Duplicate values of `key` among the cameras, named by both indexes. Runs even when other parts of
 * the file are invalid (so every problem is listed at once), hence it reads the cameras as unknown.
 */
function checkUnique(cameras: unknown, key: 'id' | 'channel', ctx: z.RefinementCtx): void {
  if (!Array.isArray(cameras)) return;
  const first = new Map<unknown, number>();
  cameras.forEach((camera: unknown, index) => {
    const value: unknown = typeof camera === 'object' && camera !== null ? (camera as Record<string, unknown>)[key] : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') return;
    const seen = first.get(value);
    if (seen === undefined) first.set(value, index);
    else
      ctx.addIssue({
        code: 'custom',
        path: ['cameras', index, key],
        message: `duplicate ${key} ${JSON.stringify(value)}, also used by cameras[${seen}]`,
      });
  });
}

export const siteConfigSchema = z
  .strictObject({
    gateway: gatewaySchema,
    http: httpSchema,
    mqtt: mqttSchema,
    storage: storageSchema,
    inference: inferenceSchema,
    decisions: globalDecisionsSchema.prefault({}).describe('Limits across all cameras.'),
    recordings: recordingsSchema.describe(
      "Where cameras' recordings live and how their disk is guarded (each camera's `recording` says what is kept).",
    ),
    defaults: cameraSettingsSchema
      .prefault({})
      .describe('Camera settings merged under every camera (objects merge key by key, lists are replaced).'),
    cameras: z.array(cameraSchema).default([]),
  })
  .superRefine(
    (config, ctx) => {
      checkUnique(config.cameras, 'id', ctx);
      checkUnique(config.cameras, 'channel', ctx);
    },
    { when: () => true },
  );
export type SiteConfigInput = z.input<typeof siteConfigSchema>;
export type SiteConfig = z.output<typeof siteConfigSchema>;
