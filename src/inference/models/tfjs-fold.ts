/**
 * Constant folding: nodes whose inputs are all constants are evaluated at conversion time. Graphs
 * exported through onnx-tf compute their Reshape targets this way (SparseToDense of nothing plus a
 * constant), and no ONNX node should be spent on that.
 */
import type { TfNode, TfTensor } from './tfjs-graph.ts';
import type { Translator } from './tfjs-to-onnx.ts';
import { attrInt, broadcastBinary, intsOf, sizeOf, transposeTensor } from './tfjs-values.ts';

const BINARY: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  AddV2: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  RealDiv: (x, y) => x / y,
  Maximum: Math.max,
  Minimum: Math.min,
};

function cast(tensor: TfTensor, to: string | undefined): TfTensor {
  if (to === 'DT_FLOAT') return { dtype: 'float32', shape: tensor.shape, data: Float32Array.from(tensor.data) };
  if (to === 'DT_BOOL') return { dtype: 'bool', shape: tensor.shape, data: Uint8Array.from(tensor.data, (v) => (v ? 1 : 0)) };
  // int64 is stored as int32 by TF.js; values that need 64 bits do not occur in shapes.
  return { dtype: 'int32', shape: tensor.shape, data: Int32Array.from(tensor.data, (v) => Math.trunc(v)) };
}

function sparseToDense(t: Translator, node: TfNode): TfTensor {
  const [indices, outputShape, values, fill] = node.inputs.map((i) => t.constant(i, node)) as [TfTensor, TfTensor, TfTensor, TfTensor];
  const shape = intsOf(outputShape);
  const dtype = values.dtype;
  const data = dtype === 'float32' ? new Float32Array(sizeOf(shape)) : new Int32Array(sizeOf(shape));
  data.fill(fill.data[0] ?? 0);
  const rank = shape.length;
  const count = indices.shape.length === 0 ? 1 : (indices.shape[0] as number);
  for (let k = 0; k < count; k++) {
    let flat = 0;
    for (let d = 0; d < rank; d++) flat = flat * (shape[d] as number) + (indices.data[k * rank + d] as number);
    data[flat] = (values.shape.length === 0 ? values.data[0] : values.data[k]) as number;
  }
  return { dtype, shape, data };
}

function concat(t: Translator, node: TfNode): TfTensor {
  const parts = node.inputs.map((i) => t.constant(i, node));
  const axisTensor = parts.pop() as TfTensor;
  if (parts.some((p) => p.shape.length > 1) || (Number(axisTensor.data[0]) !== 0 && Number(axisTensor.data[0]) !== -1)) {
    throw t.error(node, 'constant ConcatV2 is folded for vectors only');
  }
  const data = parts.flatMap((p) => Array.from(p.data));
  const float = parts.some((p) => p.dtype === 'float32');
  return { dtype: float ? 'float32' : 'int32', shape: [data.length], data: float ? Float32Array.from(data) : Int32Array.from(data) };
}

export const FOLDABLE = new Set(['Identity', 'Cast', 'SparseToDense', 'ConcatV2', 'Pack', 'Reshape', 'Transpose', ...Object.keys(BINARY)]);

export function foldNode(t: Translator, node: TfNode): void {
  const c = (k: number): TfTensor => t.constant(node.inputs[k] as string, node);
  let out: TfTensor;
  const binary = BINARY[node.op];
  if (binary !== undefined) out = broadcastBinary(c(0), c(1), binary, `${node.op} '${node.name}'`);
  else if (node.op === 'Identity') out = c(0);
  else if (node.op === 'Cast') out = cast(c(0), node.attr['DstT']?.type);
  else if (node.op === 'SparseToDense') out = sparseToDense(t, node);
  else if (node.op === 'ConcatV2') out = concat(t, node);
  else if (node.op === 'Reshape') {
    const shape = intsOf(c(1));
    const known = sizeOf(shape.filter((d) => d >= 0));
    out = { ...c(0), shape: shape.map((d) => (d < 0 ? c(0).data.length / known : d)) };
  } else if (node.op === 'Transpose') out = transposeTensor(c(0), intsOf(c(1)));
  else {
    // Pack of scalars (axis 0): a vector.
    if ((attrInt(node.attr['axis']) ?? 0) !== 0) throw t.error(node, 'constant Pack is folded on axis 0 only');
    const parts = node.inputs.map((_, k) => c(k));
    const data = parts.flatMap((p) => Array.from(p.data));
    const first = parts[0] as TfTensor;
    out = {
      dtype: first.dtype,
      shape: [parts.length, ...first.shape],
      data: first.dtype === 'float32' ? Float32Array.from(data) : Int32Array.from(data),
    };
  }
  t.set(node.name, { kind: 'const', tensor: out });
}
