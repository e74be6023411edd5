/**
 * Reads a TF.js graph model (model.json + weight shards) into plain nodes and dequantised constants, so
 * it can be translated to ONNX (tfjs-to-onnx.ts). Shards are concatenated per manifest group in order,
 * as TF.js does; fp16 weights become float32 and uint8/uint16 affine-quantised weights are expanded
 * with their min and scale, as `tf.io.decodeWeights` would.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModelInvalidError } from '../../errors.ts';

export type TfDtype = 'float32' | 'int32' | 'bool';

export interface TfTensor {
  dtype: TfDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** One attribute as model.json stores it (TensorFlow's AttrValue in JSON). */
export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: Array<string | number>; s?: string[]; f?: number[] };
  shape?: { dim?: Array<{ size?: string | number }>; unknownRank?: boolean };
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  /** Data inputs as `node` or `node:k`; control inputs (`^node`) are dropped. */
  inputs: string[];
  attr: Record<string, TfAttr>;
}

export interface TfGraph {
  nodes: TfNode[];
  weights: Map<string, TfTensor>;
  /** Output tensor names (`node` or `node:k`) from the model's signature, in name order. */
  outputs: string[];
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'float16' | 'uint8' | 'uint16'; min?: number; scale?: number; original_dtype?: string };
}

interface ModelJson {
  format?: string;
  modelTopology?: { node?: Array<{ name: string; op: string; input?: string[]; attr?: Record<string, TfAttr> }> };
  weightsManifest?: Array<{ paths: string[]; weights: ManifestEntry[] }>;
  signature?: { outputs?: Record<string, unknown> };
  userDefinedMetadata?: { signature?: { outputs?: Record<string, unknown> } };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

/** IEEE 754 half to float (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function decodeEntry(entry: ManifestEntry, bytes: Buffer, offset: number, source: string): { tensor: TfTensor; size: number } {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const q = entry.quantization;
  const stored = q?.dtype ?? entry.dtype;
  const width = BYTES[stored];
  if (width === undefined || !(entry.dtype in BYTES) || entry.dtype === 'float16') {
    throw new ModelInvalidError(
      `TF.js model ${source}: weight '${entry.name}' has dtype ${stored}, which the converter does not read (float32, int32, bool, fp16/uint8/uint16 quantised)`,
    );
  }
  const size = count * width;
  if (offset + size > bytes.length) {
    throw new ModelInvalidError(
      `TF.js model ${source}: the weight shards end before weight '${entry.name}' (the .bin files are truncated or do not belong to this model.json)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
  const dtype = entry.dtype as TfDtype;
  const data = dtype === 'float32' ? new Float32Array(count) : dtype === 'int32' ? new Int32Array(count) : new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let v: number;
    if (q?.dtype === 'float16') v = halfToFloat(view.getUint16(i * 2, true));
    else if (q?.dtype === 'uint8') v = view.getUint8(i) * (q.scale ?? 1) + (q.min ?? 0);
    else if (q?.dtype === 'uint16') v = view.getUint16(i * 2, true) * (q.scale ?? 1) + (q.min ?? 0);
    else if (dtype === 'float32') v = view.getFloat32(i * 4, true);
    else if (dtype === 'int32') v = view.getInt32(i * 4, true);
    else v = view.getUint8(i);
    data[i] = dtype === 'int32' && q !== undefined ? Math.round(v) : v;
  }
  return { tensor: { dtype, shape: [...entry.shape], data }, size };
}

function outputNames(json: ModelJson, nodes: readonly TfNode[]): string[] {
  const signature = json.signature?.outputs ?? json.userDefinedMetadata?.signature?.outputs;
  const names = signature ? Object.keys(signature).map((k) => k.replace(/:0$/, '')) : [];
  if (names.length > 0) return names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  // No signature: every node nothing else reads is an output.
  const read = new Set(nodes.flatMap((n) => n.inputs.map((i) => i.split(':')[0])));
  return nodes.filter((n) => n.op !== 'Const' && !read.has(n.name)).map((n) => n.name);
}

/** Parses model.json text and its shard bytes (in the order of each group's `paths`). */
export function parseGraphModel(jsonText: string, shards: ReadonlyMap<string, Buffer>, source: string): TfGraph {
  let json: ModelJson;
  try {
    json = JSON.parse(jsonText) as ModelJson;
  } catch (cause) {
    throw new ModelInvalidError(`TF.js model ${source} is not JSON (${(cause as Error).message})`, { cause });
  }
  const rawNodes = json.modelTopology?.node;
  if (json.format !== 'graph-model' || !Array.isArray(rawNodes) || !Array.isArray(json.weightsManifest)) {
    throw new ModelInvalidError(
      `TF.js model ${source} is not a graph model (expected format 'graph-model' with modelTopology.node and weightsManifest)`,
    );
  }
  const nodes: TfNode[] = rawNodes.map((n) => ({
    name: n.name,
    op: n.op,
    inputs: (n.input ?? []).filter((i) => !i.startsWith('^')),
    attr: n.attr ?? {},
  }));
  const weights = new Map<string, TfTensor>();
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(
      group.paths.map((p) => {
        const shard = shards.get(p);
        if (shard === undefined) throw new ModelInvalidError(`TF.js model ${source}: weight shard '${p}' is missing`);
        return shard;
      }),
    );
    let offset = 0;
    for (const entry of group.weights) {
      const { tensor, size } = decodeEntry(entry, bytes, offset, source);
      weights.set(entry.name, tensor);
      offset += size;
    }
  }
  return { nodes, weights, outputs: outputNames(json, nodes) };
}

/** Reads model.json and the shards it names from the same directory. */
export async function readGraphModel(jsonPath: string): Promise<TfGraph> {
  const text = await readFile(jsonPath, 'utf8');
  const paths = new Set<string>();
  try {
    const manifest = (JSON.parse(text) as ModelJson).weightsManifest ?? [];
    for (const group of manifest) for (const p of group.paths) paths.add(p);
  } catch {
    // parseGraphModel reports the bad JSON with its reason.
  }
  const shards = new Map<string, Buffer>();
  for (const p of paths) {
    try {
      shards.set(p, await readFile(join(dirname(jsonPath), p)));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
    }
  }
  return parseGraphModel(text, shards, jsonPath);
}
