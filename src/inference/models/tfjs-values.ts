/**
 * What the TF.js -> ONNX translation carries a tensor as, and the arithmetic on layouts and constants
 * it needs. A graph value is either a constant (folded at conversion time) or an ONNX tensor whose
 * physical layout may differ from TensorFlow's logical one: physical = Transpose(logical, perm). NHWC
 * convolutions then run on NCHW tensors (what onnxruntime's kernels are fastest at) without a
 * Transpose around each one; a Transpose is emitted only where an op needs a particular order
 * (Reshape, the graph's outputs).
 */
import type { TfAttr, TfTensor } from './tfjs-graph.ts';

export interface TensorValue {
  kind: 'tensor';
  /** The ONNX value name. */
  name: string;
  /** TensorFlow's (logical) shape. */
  shape: number[];
  /** physical = Transpose(logical, perm): physical axis i holds logical axis perm[i]. */
  perm: number[];
}

export type Value = { kind: 'const'; tensor: TfTensor } | TensorValue;

/** The physical order NHWC convolutions, pools and resizes run in: NCHW. */
export const NCHW_OF_NHWC: readonly number[] = [0, 3, 1, 2];

export const identity = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i);
export const inverse = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
};
export const isIdentity = (perm: readonly number[]): boolean => perm.every((p, i) => p === i);
export const samePerm = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((p, i) => p === b[i]);
export const permute = <T>(values: readonly T[], perm: readonly number[]): T[] => perm.map((p) => values[p] as T);
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] as number;
  }
  return s;
}

/** out = Transpose(tensor, perm) on constant data. */
export function transposeTensor(tensor: TfTensor, perm: readonly number[]): TfTensor {
  if (isIdentity(perm)) return tensor;
  const outShape = permute(tensor.shape, perm);
  const inStrides = strides(tensor.shape);
  const stepOf = permute(inStrides, perm);
  const data = new (tensor.data.constructor as new (n: number) => TfTensor['data'])(tensor.data.length);
  const index = new Array<number>(outShape.length).fill(0);
  let src = 0;
  for (let o = 0; o < data.length; o++) {
    data[o] = tensor.data[src] as number;
    for (let d = outShape.length - 1; d >= 0; d--) {
      index[d]!++;
      src += stepOf[d] as number;
      if ((index[d] as number) < (outShape[d] as number)) break;
      src -= (stepOf[d] as number) * (outShape[d] as number);
      index[d] = 0;
    }
  }
  return { dtype: tensor.dtype, shape: outShape, data };
}

/** NumPy broadcasting of two shapes; null when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1,
      y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Elementwise `fn` over two constants with broadcasting (shape folding: small tensors only). */
export function broadcastBinary(a: TfTensor, b: TfTensor, fn: (x: number, y: number) => number, what: string): TfTensor {
  const shape = broadcastShape(a.shape, b.shape);
  if (shape === null) throw new Error(`${what}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] do not broadcast`);
  const rank = shape.length;
  const pad = (s: readonly number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const sa = pad(a.shape),
    sb = pad(b.shape);
  const stA = strides(sa).map((s, i) => (sa[i] === 1 ? 0 : s)),
    stB = strides(sb).map((s, i) => (sb[i] === 1 ? 0 : s));
  const outStrides = strides(shape);
  const count = sizeOf(shape);
  const data = a.dtype === 'float32' || b.dtype === 'float32' ? new Float32Array(count) : new Int32Array(count);
  for (let o = 0; o < count; o++) {
    let ia = 0,
      ib = 0,
      rest = o;
    for (let d = 0; d < rank; d++) {
      const k = Math.floor(rest / (outStrides[d] as number));
      rest -= k * (outStrides[d] as number);
      ia += k * (stA[d] as number);
      ib += k * (stB[d] as number);
    }
    data[o] = fn(a.data[ia] as number, b.data[ib] as number);
  }
  return { dtype: data instanceof Float32Array ? 'float32' : 'int32', shape, data };
}

/** The constant broadcast to `rank` (leading 1s) and laid out in the physical order `perm`. */
export function constantInLayout(tensor: TfTensor, rank: number, perm: readonly number[]): TfTensor {
  const shape = [...new Array<number>(rank - tensor.shape.length).fill(1), ...tensor.shape];
  return transposeTensor({ ...tensor, shape }, perm);
}

export function intsOf(tensor: TfTensor): number[] {
  return Array.from(tensor.data, Number);
}

// --- model.json attributes ---

export function attrString(attr: TfAttr | undefined): string | undefined {
  return attr?.s === undefined ? undefined : Buffer.from(attr.s, 'base64').toString('utf8');
}

export function attrStrings(attr: TfAttr | undefined): string[] {
  return (attr?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

export function attrInts(attr: TfAttr | undefined): number[] | undefined {
  return attr?.list?.i?.map(Number);
}

export function attrInt(attr: TfAttr | undefined): number | undefined {
  return attr?.i === undefined ? undefined : Number(attr.i);
}

export function attrShape(attr: TfAttr | undefined): number[] | undefined {
  const dims = attr?.shape?.dim;
  return dims?.map((d) => Number(d.size ?? -1));
}
