/**
 * What every onnxruntime-backed detector (onnx, nanodet, blazeface) does alike: check the model file,
 * open the session on the configured execution provider, describe its outputs for the decoders, and map
 * kept candidates from tensor pixels back to the frame. Errors name the setting to fix.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import type { Logger } from 'pino';
import { ModelInvalidError, ModelMissingError } from '../../errors.ts';
import { tensorBoxToFrame, type CropMapping } from '../../native/index.ts';
import type { Candidates } from '../decode/candidates.ts';
import type { DeclaredOutput } from '../decode/layout.ts';
import { labelOf } from '../labels.ts';
import { defaultModelDir, prepareShippedModel } from '../models/shipped.ts';
import type { Detection } from '../types.ts';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionChoice {
  executionProviders: readonly ExecutionProvider[];
  threads?: number | undefined;
}

/** `configured` is what the user wrote (or the default), shown with the setting's name. */
export async function checkModelFile(path: string, configured: string, setting = 'modelPath'): Promise<void> {
  try {
    if ((await stat(path)).isFile()) return;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelMissingError(
        `ONNX model not found at ${path}: set ${setting} (now '${configured}') to an existing .onnx file; relative paths are resolved against ${process.cwd()}`,
      );
    }
    throw new ModelInvalidError(`ONNX model ${path} cannot be read (${(cause as Error).message}): check the file's permissions`, { cause });
  }
  throw new ModelInvalidError(`ONNX model path ${path} is not a file: set ${setting} to an .onnx file`);
}

function sessionOptions(providers: readonly ExecutionProvider[], threads: number | undefined): InferenceSession.SessionOptions {
  return {
    executionProviders: [...providers],
    graphOptimizationLevel: 'all',
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  };
}

export async function openSession(
  path: string,
  choice: SessionChoice,
  logger: Logger,
  setting = 'modelPath',
): Promise<{ session: InferenceSession; provider: ExecutionProvider }> {
  if (choice.executionProviders.includes('cuda')) {
    try {
      return { session: await InferenceSession.create(path, sessionOptions(['cuda', 'cpu'], choice.threads)), provider: 'cuda' };
    } catch (cause) {
      logger.warn({ model: path, reason: (cause as Error).message }, 'onnx: CUDA execution provider unavailable, using CPU');
    }
  }
  try {
    return { session: await InferenceSession.create(path, sessionOptions(['cpu'], choice.threads)), provider: 'cpu' };
  } catch (cause) {
    throw new ModelInvalidError(
      `onnxruntime could not load ${path} (${(cause as Error).message}): expected an ONNX model file (.onnx, opset 7 or later) of an object detector; check ${setting}`,
      { cause },
    );
  }
}

export function declaredOutputs(session: InferenceSession): DeclaredOutput[] {
  return session.outputMetadata.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

/**
 * The kept candidates as frame detections, clamped to the crop's region (a box reaching into the
 * letterbox padding stops at the picture).
 */
export function frameDetections(candidates: Candidates, kept: Int32Array, mapping: CropMapping, labels: readonly string[]): Detection[] {
  const { boxes, scores, classes } = candidates;
  const { roi } = mapping;
  const detections: Detection[] = [];
  for (const i of kept) {
    const classId = classes[i]!;
    const b = i * 4;
    const box = tensorBoxToFrame(
      { x: boxes[b]!, y: boxes[b + 1]!, width: boxes[b + 2]! - boxes[b]!, height: boxes[b + 3]! - boxes[b + 1]! },
      mapping,
    );
    const x1 = Math.max(roi.x, box.x),
      y1 = Math.max(roi.y, box.y);
    const x2 = Math.min(roi.x + roi.width, box.x + box.width),
      y2 = Math.min(roi.y + roi.height, box.y + box.height);
    if (x2 <= x1 || y2 <= y1) continue;
    detections.push({
      label: labelOf(labels, classId),
      classId,
      score: scores[i]!,
      box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 },
    });
  }
  return detections;
}

/**
 * The model file a backend opens: the user's `modelPath`, or the shipped model converted into
 * `modelDir` (converted now when missing or made from another source: first use without npm install).
 */
export async function modelFile(
  modelPath: string | undefined,
  shipped: string,
  modelDir: string | undefined,
  setting = 'inference.backend.modelPath',
): Promise<string> {
  if (modelPath !== undefined) {
    const path = resolve(modelPath);
    await checkModelFile(path, modelPath, setting);
    return path;
  }
  return (await prepareShippedModel(shipped, modelDir ?? defaultModelDir())).path;
}
