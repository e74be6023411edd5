/**
 * Writes small TF.js graph models (model.json + one weight shard) for converter tests: nodes in
 * model.json's own JSON form, constants from typed arrays, optionally fp16- or uint8-quantised.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../../support/random.ts';

export interface FixtureConst {
  name: string;
  shape: number[];
  values: ArrayLike<number>;
  dtype?: 'float32' | 'int32';
  quantize?: 'float16' | 'uint8';
}

export interface FixtureNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');
export const ints = (...values: number[]): { list: { i: string[] } } => ({ list: { i: values.map(String) } });
export const str = (s: string): { s: string } => ({ s: b64(s) });

export function randomValues(seed: number, count: number, scale = 1): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: count }, () => (random.float() * 2 - 1) * scale);
}

function floatToHalf(value: number): number {
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | Math.round(mantissa / 8192);
}

/** Writes `<name>.json` and `<name>.bin` into dir; returns the model.json path. */
export function writeTfjsModel(
  dir: string,
  name: string,
  input: { name: string; shape: number[] },
  nodes: FixtureNode[],
  consts: FixtureConst[],
  outputs: string[],
): string {
  const chunks: Buffer[] = [];
  const weights = consts.map((c) => {
    const dtype = c.dtype ?? 'float32';
    if (c.quantize === 'float16') {
      chunks.push(Buffer.from(Uint16Array.from(Array.from(c.values), floatToHalf).buffer));
      return { name: c.name, shape: c.shape, dtype, quantization: { dtype: 'float16', original_dtype: 'float32' } };
    }
    if (c.quantize === 'uint8') {
      const values = Array.from(c.values);
      const min = Math.min(...values),
        scale = (Math.max(...values) - min) / 255 || 1;
      chunks.push(Buffer.from(Uint8Array.from(values, (v) => Math.round((v - min) / scale))));
      return { name: c.name, shape: c.shape, dtype, quantization: { dtype: 'uint8', min, scale, original_dtype: 'float32' } };
    }
    chunks.push(Buffer.from((dtype === 'int32' ? Int32Array.from(Array.from(c.values)) : Float32Array.from(Array.from(c.values))).buffer));
    return { name: c.name, shape: c.shape, dtype };
  });
  const tfDtype = (c: FixtureConst): string => ((c.dtype ?? 'float32') === 'int32' ? 'DT_INT32' : 'DT_FLOAT');
  const node = [
    {
      name: input.name,
      op: 'Placeholder',
      attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: input.shape.map((d) => ({ size: String(d) })) } } },
    },
    ...consts.map((c) => ({
      name: c.name,
      op: 'Const',
      attr: {
        dtype: { type: tfDtype(c) },
        value: { tensor: { dtype: tfDtype(c), tensorShape: { dim: c.shape.map((d) => ({ size: String(d) })) } } },
      },
    })),
    ...nodes.map((n) => ({ ...n, attr: { T: { type: 'DT_FLOAT' }, ...n.attr } })),
  ];
  const json = {
    format: 'graph-model',
    generatedBy: 'panoptes test',
    convertedBy: 'panoptes test',
    signature: { outputs: Object.fromEntries(outputs.map((o) => [`${o}:0`, { name: `${o}:0` }])) },
    modelTopology: { node, library: {}, versions: {} },
    weightsManifest: [{ paths: [`${name}.bin`], weights }],
  };
  writeFileSync(join(dir, `${name}.bin`), Buffer.concat(chunks));
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(json));
  return path;
}
