/**
 * Builds small ONNX models from the ONNX protobuf schema whose outputs are known functions of the input,
 * so the onnx backend can be tested end to end through the real onnxruntime-node.
 *
 * Every output is `base + mean(input[b]) * gain`: a constant tensor of candidate detections, shifted by
 * the mean of each batch item's pixels through a second constant. With gain 0 the model ignores the
 * pixels (but still reads them, so onnxruntime cannot drop the input); with a gain on, say, the box
 * centre, different inputs in one batch give different, predictable outputs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** A declared dimension: a number is static, a string is a named dynamic dimension. */
export type Dim = number | string;

export interface OutputSpec {
  name: string;
  /** Declared shape; the first dimension is the batch. */
  dims: readonly Dim[];
  /** One batch item's values (product of dims[1..]). */
  base: ArrayLike<number>;
  /** Added times the mean of the batch item's pixels; zeros when omitted. */
  gain?: ArrayLike<number>;
  /** int64 outputs go through a Cast (class ids of some SSD exports). */
  type?: 'float' | 'int64';
}

export interface ModelSpec {
  inputName?: string;
  /** Declared input shape, NCHW for a detector. */
  inputDims: readonly Dim[];
  outputs: readonly OutputSpec[];
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): onnxProto.onnx.ITensorProto {
  return { name, dataType: FLOAT, dims: [...dims], floatData: Array.from(values) };
}

function int64Tensor(name: string, values: readonly number[]): onnxProto.onnx.ITensorProto {
  return { name, dataType: INT64, dims: [values.length], int64Data: [...values] };
}

function itemSize(dims: readonly Dim[]): number[] {
  return dims.slice(1).map((d) => {
    if (typeof d !== 'number') throw new Error(`test model outputs need static non-batch dims, got ${String(d)}`);
    return d;
  });
}

/** Serialised ModelProto (opset 13). */
export function buildModel(spec: ModelSpec): Uint8Array {
  const input = spec.inputName ?? 'images';
  const rank = spec.inputDims.length;
  const nodes: onnxProto.onnx.INodeProto[] = [
    {
      opType: 'ReduceMean',
      input: [input],
      output: ['mean'],
      attribute: [
        { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: Array.from({ length: rank - 1 }, (_, i) => i + 1) },
        { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
      ],
    },
  ];
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  for (const out of spec.outputs) {
    const item = itemSize(out.dims);
    const size = item.reduce((a, b) => a * b, 1);
    if (out.base.length !== size) throw new Error(`${out.name}: base has ${out.base.length} values, shape needs ${size}`);
    const n = out.name;
    initializers.push(
      floatTensor(`${n}_base`, [1, ...item], out.base),
      floatTensor(`${n}_gain`, [1, ...item], out.gain ?? new Float32Array(size)),
      int64Tensor(`${n}_mean_shape`, [-1, ...item.map(() => 1)]),
    );
    const sum = out.type === 'int64' ? `${n}_float` : n;
    nodes.push(
      { opType: 'Reshape', input: ['mean', `${n}_mean_shape`], output: [`${n}_mean`] },
      { opType: 'Mul', input: [`${n}_mean`, `${n}_gain`], output: [`${n}_shift`] },
      { opType: 'Add', input: [`${n}_base`, `${n}_shift`], output: [sum] },
    );
    if (out.type === 'int64') {
      nodes.push({
        opType: 'Cast',
        input: [sum],
        output: [n],
        attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: INT64 }],
      });
    }
  }
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'panoptes-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'known-outputs',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(input, FLOAT, spec.inputDims)],
      output: spec.outputs.map((o) => valueInfo(o.name, o.type === 'int64' ? INT64 : FLOAT, o.dims)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export function writeModel(dir: string, fileName: string, spec: ModelSpec): string {
  const path = join(dir, fileName);
  writeFileSync(path, buildModel(spec));
  return path;
}

/** A candidate in tensor pixels: centre, size, and a score for each class. */
export interface YoloCandidate {
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** Class scores, one a class (missing ones are 0). */
  classScores: readonly number[];
  /** YOLOv5 only; 1 when omitted. */
  objectness?: number;
}

/** One batch item of a YOLOv5 output, [N, 5 + C] rows of cx, cy, w, h, objectness, class scores. */
export function yoloV5Item(candidates: readonly YoloCandidate[], classes: number): Float32Array {
  const stride = 5 + classes;
  const out = new Float32Array(candidates.length * stride);
  candidates.forEach((c, i) => {
    out.set([c.cx, c.cy, c.w, c.h, c.objectness ?? 1, ...c.classScores], i * stride);
  });
  return out;
}

/** One batch item of a YOLOv8/YOLO11 output, [4 + C, N]: channel-major, no objectness. */
export function yoloV8Item(candidates: readonly YoloCandidate[], classes: number): Float32Array {
  const n = candidates.length;
  const out = new Float32Array((4 + classes) * n);
  candidates.forEach((c, i) => {
    [c.cx, c.cy, c.w, c.h, ...c.classScores].forEach((v, ch) => {
      out[ch * n + i] = v;
    });
  });
  return out;
}

/** Bytes that are not a protobuf ModelProto. */
export function writeGarbage(dir: string, fileName = 'garbage.onnx'): string {
  const path = join(dir, fileName);
  writeFileSync(path, 'this is not an onnx model\n'.repeat(20));
  return path;
}
