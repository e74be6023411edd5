/**
 * The `inference` section: the detector backend (a `type` key picks it, as Frigate's detectors do),
 * the pool that runs it, and the tracker and best-shot options. Backends, tracker and best shot export
 * their own schemas; the pool's modules (src/inference/pool.ts, scheduler.ts, overload.ts, crop-slab.ts)
 * export only option interfaces and defaults, so the pool section is written here from their defaults.
 */
import { z } from 'zod';
import { bestShotOptionsSchema } from '../analytics/best-shot.ts';
import { trackerOptionsSchema } from '../analytics/tracker.ts';
import { blazefaceBackendOptions } from '../inference/backends/blazeface.ts';
import { motionBackendOptions } from '../inference/backends/motion.ts';
import { nanodetBackendOptions } from '../inference/backends/nanodet.ts';
import { onnxBackendOptions } from '../inference/backends/onnx.ts';
import { faceCascadeSchema } from '../inference/face-cascade.ts';
import { DEFAULT_OVERLOAD } from '../inference/overload.ts';
import { DEFAULT_SCHEDULER } from '../inference/scheduler.ts';

export const backendSchema = z
  .discriminatedUnion('type', [motionBackendOptions, onnxBackendOptions, nanodetBackendOptions, blazefaceBackendOptions])
  .prefault({ type: 'nanodet' })
  .describe(
    'Detector backend: {type: nanodet} (default: the shipped COCO detector), {type: motion} (no model), {type: blazeface} (faces) or {type: onnx, modelPath, ...}.',
  );

/** Options of InferencePool (threads), InferenceScheduler (batching, fairness) and CropSlab (queue depth). */
const poolSchema = z
  .strictObject({
    threads: z
      .union([z.literal('auto'), z.number().int().min(1).max(256)])
      .default('auto')
      .describe("Inference worker threads; 'auto' = one a core."),
    maxBatch: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(DEFAULT_SCHEDULER.maxBatch)
      .describe("Largest batch (the backend's own maximum wins when smaller)."),
    maxWaitMs: z.number().min(0).default(DEFAULT_SCHEDULER.maxWaitMs).describe('Longest a crop waits for its batch to fill.'),
    maxShare: z
      .number()
      .gt(0)
      .max(1)
      .default(DEFAULT_SCHEDULER.maxShare)
      .describe('Largest share of recent batches one camera may take while others wait.'),
    shareWindow: z.number().int().min(1).default(DEFAULT_SCHEDULER.shareWindow).describe('Dispatched crops the share is measured over.'),
    maxRatePerCamera: z
      .number()
      .positive()
      .default(DEFAULT_SCHEDULER.maxRatePerCamera)
      .describe('Candidates a second one camera may submit; the excess is dropped and counted.'),
    queueDepth: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe('Crops a camera may have waiting for inference (its CropSlab slots); a newer crop replaces the oldest.'),
  })
  .prefault({});

/** Options of OverloadGovernor: how analysis rates are lowered when the pool cannot keep up. */
const overloadSchema = z
  .strictObject({
    floor: z.number().gt(0).max(1).default(DEFAULT_OVERLOAD.floor).describe('Lowest analysis-rate multiplier a camera is given.'),
    maxQueueWaitMs: z
      .number()
      .positive()
      .default(DEFAULT_OVERLOAD.maxQueueWaitMs)
      .describe('A crop queue wait (p90 of a second) above this for two seconds in a row, or above twice this in one, counts as overload.'),
    highUtilization: z
      .number()
      .gt(0)
      .max(1)
      .default(DEFAULT_OVERLOAD.highUtilization)
      .describe('Pool busier than this counts as overload.'),
    lowUtilization: z
      .number()
      .min(0)
      .max(1)
      .default(DEFAULT_OVERLOAD.lowUtilization)
      .describe('Below this (and no drops) rates climb back.'),
    decrease: z
      .number()
      .gt(0)
      .lt(1)
      .default(DEFAULT_OVERLOAD.decrease)
      .describe('Multiplicative cut a tick for cameras above the fair level.'),
    increaseStep: z.number().gt(0).max(1).default(DEFAULT_OVERLOAD.increaseStep).describe('Additive restore a calm tick.'),
    headroom: z.number().gt(0).max(1).default(DEFAULT_OVERLOAD.headroom).describe('Share of measured throughput handed out.'),
    warmUpMs: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_OVERLOAD.warmUpMs)
      .describe("Start-up is not capacity: nothing counts as overload until this long after the start's last camera sent its first crop."),
    busyTicks: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_OVERLOAD.busyTicks)
      .describe('Seconds in a row the pool must be above highUtilization before that alone counts as overload.'),
  })
  .prefault({})
  .refine((o) => o.lowUtilization < o.highUtilization, {
    path: ['lowUtilization'],
    message: 'lowUtilization must be below highUtilization',
  });

export const inferenceSchema = z
  .strictObject({
    backend: backendSchema,
    faces: faceCascadeSchema.describe(
      'The face cascade: BlazeFace on the enlarged head region of each detected person; the face goes on the detection, its track, best shot and event.',
    ),
    pool: poolSchema,
    overload: overloadSchema,
    // The module schemas do not reject unknown keys; a typo in a config file should not pass silently.
    tracker: trackerOptionsSchema.strict().prefault({}),
    bestShot: bestShotOptionsSchema.strict().prefault({}),
  })
  .prefault({});
