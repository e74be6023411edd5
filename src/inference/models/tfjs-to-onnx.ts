/**
 * Translates a TF.js graph model into an ONNX model that onnxruntime-node runs. Nodes are visited in
 * dependency order from the outputs (unused nodes are dropped); a node whose inputs are all constants is
 * folded at conversion time (tfjs-fold.ts), every other node becomes ONNX nodes (tfjs-ops.ts). Layouts
 * are carried lazily (tfjs-values.ts), so the converted network runs in NCHW with no Transpose between
 * layers; outputs keep TensorFlow's shapes, so the converted model's outputs compare one to one with
 * the original's.
 */
import { ModelInvalidError } from '../../errors.ts';
import { OnnxGraphBuilder } from './onnx-builder.ts';
import { foldNode, FOLDABLE } from './tfjs-fold.ts';
import type { TfGraph, TfNode, TfTensor } from './tfjs-graph.ts';
import { InputScale, resizeStride, spatialAxes, type InputSize } from './tfjs-input-size.ts';
import { OP_TRANSLATORS } from './tfjs-ops.ts';
import {
  attrShape,
  constantInLayout,
  identity,
  inverse,
  isIdentity,
  NCHW_OF_NHWC,
  permute,
  samePerm,
  type TensorValue,
  type Value,
} from './tfjs-values.ts';

export interface ConvertOptions {
  /** Expose a rank-4 NHWC input as NCHW (physical [n, c, h, w]); BlazeFace's input is NHWC. */
  nchwInput?: boolean;
  /** Written into the model's metadata_props. */
  metadata?: Record<string, string>;
  /** Where the model came from, for error messages. */
  source: string;
  /**
   * Convert at this input size instead of the Placeholder's: its spatial dims are replaced and constant
   * resize sizes scaled along (tfjs-input-size.ts). Only for fully convolutional graphs; a size that is
   * not a multiple of the net's largest stride is refused.
   */
  inputSize?: InputSize;
}

/** The translation state the op translators work on. */
export class Translator {
  readonly onnx = new OnnxGraphBuilder();
  /** Set by the Placeholder when the graph is converted at another input size. */
  inputScale: InputScale | null = null;
  private readonly values = new Map<string, Value>();
  private readonly consumers = new Map<string, TfNode[]>();

  constructor(
    readonly source: string,
    nodes: readonly TfNode[] = [],
  ) {
    for (const n of nodes) {
      for (const input of n.inputs) {
        const producer = input.split(':')[0] as string;
        this.consumers.set(producer, [...(this.consumers.get(producer) ?? []), n]);
      }
    }
  }

  /** Whether the node's output reaches a MaxPool directly or through ops that emit nothing (Transpose, Identity). */
  feedsMaxPool(node: TfNode): boolean {
    return (this.consumers.get(node.name) ?? []).some(
      (c) => c.op === 'MaxPool' || ((c.op === 'Transpose' || c.op === 'Identity') && this.feedsMaxPool(c)),
    );
  }

  /** The value of an input reference (`node` or `node:k`). */
  value(ref: string, node: TfNode): Value {
    const v = this.values.get(ref) ?? this.values.get(ref.endsWith(':0') ? ref.slice(0, -2) : `${ref}:0`);
    if (v === undefined) throw this.error(node, `input '${ref}' has no value`);
    return v;
  }

  set(ref: string, value: Value): void {
    this.values.set(ref, value);
  }

  constant(ref: string, node: TfNode): TfTensor {
    const v = this.value(ref, node);
    if (v.kind !== 'const') throw this.error(node, `input '${ref}' must be a constant (it is computed from the image)`);
    return v.tensor;
  }

  /** A data input as an ONNX tensor; constant data becomes an initializer in the caller's layout. */
  tensor(ref: string, node: TfNode): TensorValue {
    const v = this.value(ref, node);
    if (v.kind === 'tensor') return v;
    return this.constTensor(v.tensor, v.tensor.shape.length, identity(v.tensor.shape.length), node);
  }

  /** A constant as an initializer broadcast to `rank` and laid out in `perm`. */
  constTensor(tensor: TfTensor, rank: number, perm: readonly number[], node: TfNode): TensorValue {
    if (tensor.dtype !== 'float32') throw this.error(node, `constant of dtype ${tensor.dtype} used as image data`);
    const physical = constantInLayout(tensor, rank, perm);
    const shape = [...new Array<number>(rank - tensor.shape.length).fill(1), ...tensor.shape];
    return {
      kind: 'tensor',
      name: this.onnx.floats(`${node.name}/const`, physical.shape, physical.data as Float32Array),
      shape,
      perm: [...perm],
    };
  }

  /** `v` with its physical layout changed to `perm` (a Transpose when it differs). */
  inLayout(v: TensorValue, perm: readonly number[], node: TfNode): TensorValue {
    if (samePerm(v.perm, perm)) return v;
    const inv = inverse(v.perm);
    const [name] = this.onnx.node('Transpose', [v.name], { perm: perm.map((p) => inv[p] as number) }, `${node.name}/relayout`);
    return { kind: 'tensor', name: name as string, shape: v.shape, perm: [...perm] };
  }

  /** An NHWC input of a convolution, pool or resize, physically NCHW. */
  nchw(ref: string, node: TfNode): TensorValue {
    const v = this.tensor(ref, node);
    if (v.shape.length !== 4) throw this.error(node, `expected a rank-4 NHWC input, got [${v.shape.join(', ')}]`);
    return this.inLayout(v, NCHW_OF_NHWC, node);
  }

  error(node: TfNode, message: string): ModelInvalidError {
    return new ModelInvalidError(`Cannot convert TF.js model ${this.source}: node '${node.name}' (${node.op}): ${message}`);
  }
}

function order(graph: TfGraph, source: string): TfNode[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const state = new Map<string, 1 | 2>();
  const sorted: TfNode[] = [];
  const visit = (name: string): void => {
    if (state.get(name) === 2) return;
    const node = byName.get(name);
    if (node === undefined) throw new ModelInvalidError(`TF.js model ${source}: node '${name}' is referenced but not defined`);
    if (state.get(name) === 1) throw new ModelInvalidError(`TF.js model ${source}: the graph has a cycle through '${name}'`);
    state.set(name, 1);
    for (const input of node.inputs) visit(input.split(':')[0] as string);
    state.set(name, 2);
    sorted.push(node);
  };
  for (const out of graph.outputs) visit(out.split(':')[0] as string);
  return sorted;
}

function placeholder(t: Translator, node: TfNode, graph: TfGraph, options: ConvertOptions): TensorValue {
  const declared = attrShape(node.attr['shape']);
  if (declared === undefined || declared.some((d) => d < 1)) {
    throw t.error(node, `the input needs a static shape, got [${declared?.join(', ') ?? 'unknown'}]`);
  }
  const shape = [...declared];
  if (options.inputSize !== undefined) {
    const { width, height } = options.inputSize;
    const axes = spatialAxes(shape);
    if (axes === null) throw t.error(node, `inputSize needs an NCHW or NHWC image input, got [${shape.join(', ')}]`);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw t.error(node, `inputSize must be whole positive pixels, got ${width}x${height}`);
    }
    const [h, w] = axes;
    const original = { width: shape[w] as number, height: shape[h] as number };
    const largest = resizeStride(graph, original);
    if (largest !== null && (width % largest.stride !== 0 || height % largest.stride !== 0)) {
      throw t.error(
        node,
        `inputSize ${width}x${height} is not a multiple of ${largest.stride}, the net's largest stride (node '${largest.node}' resizes to 1/${largest.stride} of the exported ${original.width}x${original.height} input): use a multiple of ${largest.stride} on each side`,
      );
    }
    t.inputScale = new InputScale(original, { width, height });
    shape[h] = height;
    shape[w] = width;
  }
  const perm = options.nchwInput && shape.length === 4 ? [...NCHW_OF_NHWC] : identity(shape.length);
  return { kind: 'tensor', name: t.onnx.input(node.name, permute(shape, perm)), shape, perm };
}

/** The serialised ONNX model, its input (physical shape) and its outputs (TensorFlow names and shapes). */
export interface ConvertedModel {
  bytes: Uint8Array;
  input: { name: string; shape: number[] };
  outputs: Array<{ name: string; shape: number[] }>;
  /** Op types of the source graph that were translated, with counts. */
  ops: Record<string, number>;
}

export function convertGraph(graph: TfGraph, options: ConvertOptions): ConvertedModel {
  const t = new Translator(options.source, graph.nodes);
  const outputNames = graph.outputs.map((ref) => t.onnx.fresh(ref.replace(/:/g, '_')));
  let input: { name: string; shape: number[] } | undefined;
  const ops: Record<string, number> = {};
  for (const node of order(graph, options.source)) {
    ops[node.op] = (ops[node.op] ?? 0) + 1;
    if (node.op === 'Const') {
      const tensor = graph.weights.get(node.name);
      if (tensor === undefined) throw t.error(node, 'no weights in the manifest for this constant');
      t.set(node.name, { kind: 'const', tensor });
    } else if (node.op === 'Placeholder') {
      if (input !== undefined) throw t.error(node, 'the converter supports one image input');
      const v = placeholder(t, node, graph, options);
      input = { name: v.name, shape: permute(v.shape, v.perm) };
      t.set(node.name, v);
    } else if (FOLDABLE.has(node.op) && node.inputs.every((i) => t.value(i, node).kind === 'const')) {
      foldNode(t, node);
    } else {
      const translate = OP_TRANSLATORS[node.op];
      if (translate === undefined) {
        throw t.error(node, `op ${node.op} is not supported (supported: ${Object.keys(OP_TRANSLATORS).sort().join(', ')})`);
      }
      translate(t, node);
    }
  }
  if (input === undefined) throw new ModelInvalidError(`TF.js model ${options.source} has no Placeholder input`);
  const outputs = graph.outputs.map((ref, k) => {
    const pseudo: TfNode = { name: ref, op: 'Output', inputs: [ref], attr: {} };
    const v = t.tensor(ref, pseudo);
    const logical = isIdentity(v.perm) ? v : t.inLayout(v, identity(v.shape.length), pseudo);
    const name = outputNames[k] as string;
    t.onnx.nodeTo('Identity', [logical.name], [name]);
    t.onnx.output(name, v.shape);
    return { name, shape: v.shape };
  });
  return { bytes: t.onnx.encode('panoptes-converted', options.metadata), input, outputs, ops };
}
