/**
 * The `onnx` backend: any ONNX object detector with one float32 NCHW image input, run by
 * onnxruntime-node. Outputs are decoded as YOLOv5, YOLOv8/YOLO11 or SSD (decode/), filtered by score,
 * reduced by class-aware NMS and mapped from tensor pixels back to the frame through each crop's
 * letterbox mapping. Everything that can be wrong with a model (missing file, not ONNX, shapes no
 * decoder understands, config that contradicts the model) is found by `createOnnxDetector`, so it is a
 * start-up error for the camera rather than a failure on its first frame.
 */
import { resolve } from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DetectorInputError, ModelInvalidError } from '../../errors.ts';
import { log } from '../../log.ts';
import type { CropMapping } from '../../native/index.ts';
import { Candidates, type OutputDecoder } from '../decode/candidates.ts';
import { chooseDecoder, OUTPUT_LAYOUTS, staticDim, type OutputLayout } from '../decode/layout.ts';
import { loadLabels } from '../labels.ts';
import { nonMaxSuppression } from '../nms.ts';
import type { Detection, Detector, DetectorInput, TensorSpec } from '../types.ts';
import { checkModelFile, declaredOutputs, frameDetections, openSession, type ExecutionProvider } from './onnx-session.ts';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);
const positiveInt = z.number().int().positive();

export const onnxBackendOptions = z
  .object({
    type: z.literal('onnx').default('onnx'),
    /** The .onnx file; relative paths are resolved against the working directory. */
    modelPath: z.string().min(1),
    /** Tensor size (one number = square); required only when the model's input size is dynamic. */
    inputSize: z.union([positiveInt, z.tuple([positiveInt, positiveInt])]).optional(),
    /** One class name a line; the COCO 80 names when omitted. */
    labelsPath: z.string().min(1).optional(),
    scoreThreshold: z.number().min(0).max(1).default(0.25),
    iouThreshold: z.number().min(0).max(1).default(0.45),
    /** Detections kept a crop after NMS, highest score first. */
    maxDetections: positiveInt.default(100),
    output: z.enum(OUTPUT_LAYOUTS).default('auto'),
    ssd: z
      .object({
        boxOrder: z.enum(['yxyx', 'xyxy']).default('yxyx'),
        /** Box coordinates are 0..1 of the tensor (true) or tensor pixels (false). */
        normalized: z.boolean().default(true),
        /** Output names, when the model's own names do not say which output is which. */
        outputs: z.object({ boxes: z.string(), scores: z.string(), classes: z.string(), count: z.string() }).partial().strict().optional(),
      })
      .strict()
      .prefault({}),
    /** Tried in order; `cuda` falls back to `cpu` (with a log line) when this onnxruntime cannot use it. */
    executionProviders: z
      .array(z.enum(['cpu', 'cuda']))
      .min(1)
      .default(['cpu']),
    /** Largest batch for a model whose batch dimension is dynamic (a static batch dimension wins). */
    maxBatch: positiveInt.max(256).default(8),
    /** onnxruntime intra-op threads; its own default (one a core) when omitted. */
    threads: positiveInt.optional(),
    /** Normalisation the model expects, RGB order: (v / 255 - mean) / std; v / 255 when omitted (YOLO). */
    mean: rgbTriple.optional(),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
  })
  .strict();
export type OnnxBackendOptions = z.input<typeof onnxBackendOptions>;
type ParsedOptions = z.output<typeof onnxBackendOptions>;
export type { ExecutionProvider } from './onnx-session.ts';

interface InputShape {
  name: string;
  width: number;
  height: number;
  /** The model's batch dimension when it is static. */
  staticBatch: number | null;
}

const INPUT_EXPECTED = 'one float32 NCHW image input [batch, 3, height, width]';

function readInputShape(session: InferenceSession, inputSize: ParsedOptions['inputSize']): InputShape {
  const meta = session.inputMetadata;
  const input = meta[0];
  const shape = input?.isTensor ? input.shape : [];
  const found = meta.map((m) => `'${m.name}' ${m.isTensor ? `${m.type} [${m.shape.join(', ')}]` : 'non-tensor'}`).join(', ');
  if (meta.length !== 1 || !input?.isTensor || input.type !== 'float32' || shape.length !== 4 || (staticDim(shape, 1) ?? 3) !== 3) {
    throw new ModelInvalidError(`Unsupported model input ${found || 'none'}: expected ${INPUT_EXPECTED}`);
  }
  const modelHeight = staticDim(shape, 2),
    modelWidth = staticDim(shape, 3);
  const [configWidth, configHeight] = typeof inputSize === 'number' ? [inputSize, inputSize] : (inputSize ?? [null, null]);
  if (modelWidth !== null && modelHeight !== null) {
    if (configWidth !== null && (configWidth !== modelWidth || configHeight !== modelHeight)) {
      throw new ModelInvalidError(
        `The model's input is ${modelWidth}x${modelHeight} but inputSize is ${configWidth}x${configHeight}: remove inputSize or set it to [${modelWidth}, ${modelHeight}]`,
      );
    }
    return { name: input.name, width: modelWidth, height: modelHeight, staticBatch: staticDim(shape, 0) };
  }
  if (configWidth === null || configHeight === null) {
    throw new ModelInvalidError(
      `The model's input ${found} has a dynamic size: set inputSize (e.g. 640 or [640, 384]) to the size it was trained at`,
    );
  }
  return { name: input.name, width: configWidth, height: configHeight, staticBatch: staticDim(shape, 0) };
}

export class OnnxDetector implements Detector {
  readonly type = 'onnx';
  readonly tensor: TensorSpec;
  readonly maxBatch: number;
  private readonly candidates = new Candidates();
  /** The batch is assembled here: crops may be views of shared memory, which onnxruntime should not hold. */
  private batchBuffer = new Float32Array(0);
  /** detect() calls run one after another, since they share the batch and candidate buffers. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: InferenceSession,
    private readonly input: InputShape,
    private readonly decoder: OutputDecoder,
    private readonly labels: readonly string[],
    private readonly options: ParsedOptions,
    readonly layout: OutputLayout,
    readonly executionProvider: ExecutionProvider,
  ) {
    this.tensor = {
      width: input.width,
      height: input.height,
      layout: 'nchw-f32',
      ...(options.mean ? { mean: options.mean } : {}),
      ...(options.std ? { std: options.std } : {}),
    };
    this.maxBatch = input.staticBatch ?? options.maxBatch;
  }

  async detect(inputs: readonly DetectorInput[]): Promise<Detection[][]> {
    const size = 3 * this.input.width * this.input.height;
    inputs.forEach((input, i) => {
      if (!(input.tensor instanceof Float32Array) || input.tensor.length !== size) {
        const got = input.tensor === null ? 'null' : `${input.tensor.constructor.name} of length ${input.tensor.length}`;
        throw new DetectorInputError(
          `onnx detector input ${i}: expected a Float32Array of length ${size} (nchw-f32 ${this.input.width}x${this.input.height}) but received ${got}`,
        );
      }
    });
    const results: Detection[][] = [];
    for (let start = 0; start < inputs.length; start += this.maxBatch) {
      const chunk = inputs.slice(start, start + this.maxBatch);
      const run = this.queue.then(() => this.runBatch(chunk, size));
      this.queue = run.catch(() => undefined);
      results.push(...(await run));
    }
    return results;
  }

  private async runBatch(chunk: readonly DetectorInput[], size: number): Promise<Detection[][]> {
    // A static batch dimension must be filled; the padding items are zeros and their results ignored.
    const batch = this.input.staticBatch ?? chunk.length;
    if (this.batchBuffer.length < batch * size) this.batchBuffer = new Float32Array(batch * size);
    chunk.forEach((input, i) => this.batchBuffer.set(input.tensor as Float32Array, i * size));
    this.batchBuffer.fill(0, chunk.length * size, batch * size);
    const feed = new Tensor('float32', this.batchBuffer.subarray(0, batch * size), [batch, 3, this.input.height, this.input.width]);
    const outputs = await this.session.run({ [this.input.name]: feed });
    return chunk.map((input, item) => this.detectionsOf(outputs, item, input.mapping));
  }

  private detectionsOf(outputs: InferenceSession.OnnxValueMapType, item: number, mapping: CropMapping): Detection[] {
    this.decoder.decode(outputs, item, this.candidates);
    const kept = nonMaxSuppression(this.candidates, this.options.iouThreshold, this.options.maxDetections);
    return frameDetections(this.candidates, kept, mapping, this.labels);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}

/** Loads and checks the model; every problem is a PanoptesError (E_MODEL_MISSING, E_MODEL_INVALID, E_LABELS_INVALID). */
export async function createOnnxDetector(options: unknown, logger: Logger = log.child({ module: 'onnx' })): Promise<OnnxDetector> {
  const o = onnxBackendOptions.parse(options);
  const path = resolve(o.modelPath);
  await checkModelFile(path, o.modelPath);
  const labels = await loadLabels(o.labelsPath);
  const { session, provider } = await openSession(path, o, logger);
  try {
    const input = readInputShape(session, o.inputSize);
    const outputs = declaredOutputs(session);
    const chosen = chooseDecoder(outputs, {
      output: o.output,
      labelCount: labels.length,
      scoreThreshold: o.scoreThreshold,
      tensorWidth: input.width,
      tensorHeight: input.height,
      ssd: o.ssd,
    });
    if (chosen.classCount !== null && chosen.classCount > labels.length) {
      logger.warn(
        { model: path, classes: chosen.classCount, labels: labels.length },
        'onnx: the model has more classes than labels; the rest are named "class N"',
      );
    }
    logger.info({ model: path, layout: chosen.layout, input: `${input.width}x${input.height}`, provider }, 'onnx detector ready');
    return new OnnxDetector(session, input, chosen.decoder, labels, o, chosen.layout, provider);
  } catch (error) {
    await session.release();
    throw error;
  }
}
