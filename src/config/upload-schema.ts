/**
 * `storage.upload`: copies of events' best-shot and full-frame JPEGs and clips sent to S3-compatible storage or to an
 * HTTP endpoint (src/storage/upload/, README "Uploads"). Off by default; when on, a target is required.
 */
import { z } from 'zod';
import { secretSchema as secret } from './secret.ts';

/** Characters an S3 key prefix may hold without escaping (AWS "Creating object key names", safe set). */
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;

const s3TargetSchema = z.strictObject({
  type: z.literal('s3'),
  endpoint: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL (MinIO, R2, Ceph, ...); omit it for AWS S3' })
    .optional()
    .describe('An S3-compatible server; omitted = AWS S3 in `region`.'),
  region: z.string().min(1).default('us-east-1'),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens')
    .describe('The bucket; it must exist (the gateway never creates one).'),
  prefix: z
    .string()
    .regex(KEY_PREFIX, "expected letters, digits and !_.*'()/- only")
    .default('')
    .describe('Put before every key: <prefix><camera>/<YYYY-MM-DD>/<event id>.jpg|.mp4.'),
  accessKeyId: secret,
  secretAccessKey: secret,
  forcePathStyle: z
    .boolean()
    .default(false)
    .describe('http://endpoint/bucket/key instead of http://bucket.endpoint/key (MinIO and most self-hosted servers need true).'),
});

const httpTargetSchema = z.strictObject({
  type: z.literal('http'),
  url: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL template, e.g. https://host/panoptes/{key}' })
    .refine((url) => url.includes('{key}') || url.includes('{event}'), {
      error: 'expected {key} (or {event}) in the URL so every upload gets its own URL, e.g. https://host/panoptes/{key}',
    })
    .describe('Where each file is PUT: {key} = <camera>/<YYYY-MM-DD>/<event id>.<ext>; also {camera}, {date}, {event}, {kind}, {ext}.'),
  token: secret.optional().describe('Sent as `Authorization: Bearer <token>`.'),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name'), secret)
    .default({})
    .describe('More request headers (their values are secrets: never logged).'),
});

export const uploadTargetSchema = z.discriminatedUnion('type', [s3TargetSchema, httpTargetSchema]);
export type UploadTarget = z.output<typeof uploadTargetSchema>;
export type S3Target = z.output<typeof s3TargetSchema>;
export type HttpTarget = z.output<typeof httpTargetSchema>;

export const uploadSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    target: uploadTargetSchema.optional().describe('Where the files go: {type: s3, ...} or {type: http, ...}; required when enabled.'),
    snapshots: z.boolean().default(true).describe("Upload each event's best-shot JPEG once it is written."),
    frames: z
      .boolean()
      .default(true)
      .describe("Upload each event's full-frame JPEG (<event>.frame.jpg) once it is written (inference.bestShot.frameWidth > 0)."),
    clips: z
      .boolean()
      .default(true)
      .describe("Upload each event's clip once its post-roll is recorded (cameras whose recording.mode is not off)."),
    concurrency: z.number().int().min(1).max(16).default(2).describe('Uploads at once.'),
    timeoutSeconds: z.number().min(1).max(3600).default(300).describe('An upload that takes longer is abandoned and retried.'),
    retry: z
      .strictObject({
        initialSeconds: z.number().min(0.1).max(3600).default(5).describe('Wait before the first retry.'),
        maxSeconds: z.number().min(1).max(86_400).default(900).describe('The longest wait between tries.'),
        factor: z.number().min(1).max(10).default(2).describe('Each wait is this times the previous one, up to maxSeconds.'),
        jitter: z.number().min(0).max(1).default(0.2).describe('Each wait is moved by up to this share, at random, so retries spread out.'),
        maxAttempts: z.number().int().min(1).max(1000).default(20).describe('Tries before an upload is marked failed.'),
      })
      .prefault({}),
  })
  .superRefine((upload, ctx) => {
    if (upload.enabled && upload.target === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message: 'required when enabled: {type: s3, bucket, accessKeyId, secretAccessKey, ...} or {type: http, url}',
      });
  })
  .prefault({})
  .describe("Copies of events' JPEGs and clips sent to S3-compatible storage or an HTTP endpoint; off by default.");
export type UploadConfig = z.output<typeof uploadSchema>;
