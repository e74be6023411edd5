/**
 * One translator a TensorFlow op, for the ops the shipped graphs use (NanoDet through onnx-tf, BlazeFace
 * from MediaPipe) and their close relatives. Each reads its inputs' layouts, emits ONNX nodes in the
 * layout that needs no Transpose where it can, and records the output's logical shape. Padding follows
 * TensorFlow: SAME puts the odd pixel at the end, which explicit ONNX pads reproduce exactly.
 */
import type { TfNode, TfTensor } from './tfjs-graph.ts';
import type { Translator } from './tfjs-to-onnx.ts';
import {
  attrInt,
  attrInts,
  attrString,
  attrStrings,
  broadcastShape,
  identity,
  intsOf,
  NCHW_OF_NHWC,
  sizeOf,
  transposeTensor,
  type TensorValue,
} from './tfjs-values.ts';

type OpTranslator = (t: Translator, node: TfNode) => void;

function out(t: Translator, node: TfNode, name: string, shape: number[], perm: readonly number[], index = 0): void {
  t.set(index === 0 ? node.name : `${node.name}:${index}`, { kind: 'tensor', name, shape, perm: [...perm] });
}

function checkNhwc(t: Translator, node: TfNode): void {
  const format = attrString(node.attr['data_format']) ?? 'NHWC';
  if (format !== 'NHWC') throw t.error(node, `data_format ${format} is not supported (NHWC only)`);
}

/** ONNX pads [top, left, bottom, right] and the output size, TensorFlow's way. */
function spatial(
  t: Translator,
  node: TfNode,
  size: readonly [number, number],
  kernel: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number],
): { pads: number[]; outSize: [number, number] } {
  const padding = attrString(node.attr['padding']) ?? 'VALID';
  const begin = [0, 0],
    end = [0, 0];
  if (padding === 'EXPLICIT') {
    const p = attrInts(node.attr['explicit_paddings']) ?? [];
    [begin[0], end[0], begin[1], end[1]] = [p[2] ?? 0, p[3] ?? 0, p[4] ?? 0, p[5] ?? 0];
  } else if (padding === 'SAME') {
    for (let d = 0; d < 2; d++) {
      const effective = (kernel[d]! - 1) * dilation[d]! + 1;
      const outSize = Math.ceil(size[d]! / stride[d]!);
      const total = Math.max((outSize - 1) * stride[d]! + effective - size[d]!, 0);
      begin[d] = Math.floor(total / 2);
      end[d] = total - begin[d]!;
    }
  } else if (padding !== 'VALID') throw t.error(node, `padding ${padding} is not supported`);
  const outSize = [0, 1].map(
    (d) => Math.floor((size[d]! + begin[d]! + end[d]! - ((kernel[d]! - 1) * dilation[d]! + 1)) / stride[d]!) + 1,
  ) as [number, number];
  return { pads: [begin[0]!, begin[1]!, end[0]!, end[1]!], outSize };
}

/** Applies a fused or standalone activation to an NCHW (or any-layout) tensor. */
function activation(t: Translator, node: TfNode, kind: string, x: TensorValue, alpha?: TfTensor): string {
  const hint = `${node.name}/${kind}`;
  switch (kind) {
    case 'Relu':
    case 'Sigmoid':
    case 'Tanh':
    case 'Elu':
      return t.onnx.node(kind, [x.name], {}, hint)[0] as string;
    case 'Relu6':
      return t.onnx.node(
        'Clip',
        [x.name, t.onnx.floats(`${hint}/min`, [], Float32Array.of(0)), t.onnx.floats(`${hint}/max`, [], Float32Array.of(6))],
        {},
        hint,
      )[0] as string;
    case 'LeakyRelu': {
      const a = node.attr['leakyrelu_alpha']?.f ?? node.attr['alpha']?.f ?? 0.2;
      return t.onnx.node('LeakyRelu', [x.name], { alpha: { float: a } }, hint)[0] as string;
    }
    case 'Prelu': {
      if (alpha === undefined) throw t.error(node, 'Prelu without its alpha input');
      const slope = t.constTensor(alpha, x.shape.length, x.perm, node);
      return t.onnx.node('PRelu', [x.name, slope.name], {}, hint)[0] as string;
    }
    default:
      throw t.error(node, `activation ${kind} is not supported`);
  }
}

function conv(depthwise: boolean): OpTranslator {
  return (t, node) => {
    checkNhwc(t, node);
    const x = t.nchw(node.inputs[0] as string, node);
    const filter = t.constant(node.inputs[1] as string, node);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
    const s = attrInts(node.attr['strides']) ?? [1, 1, 1, 1];
    const d = attrInts(node.attr['dilations']) ?? [1, 1, 1, 1];
    const { pads, outSize } = spatial(t, node, [h, w], [kh, kw], [s[1]!, s[2]!], [d[1]!, d[2]!]);
    let weight: TfTensor, group: number, channels: number;
    if (depthwise) {
      // [kh, kw, c, multiplier] -> [c * multiplier, 1, kh, kw]: output channel c * multiplier + m.
      const moved = transposeTensor(filter, [2, 3, 0, 1]);
      weight = { ...moved, shape: [ci * co, 1, kh, kw] };
      group = c;
      channels = ci * co;
    } else {
      // HWIO -> OIHW; a filter with fewer input channels than the tensor is a grouped convolution.
      weight = transposeTensor(filter, [3, 2, 0, 1]);
      if (c % ci !== 0) throw t.error(node, `filter input channels ${ci} do not divide the input's ${c}`);
      group = c / ci;
      channels = co;
    }
    const inputs = [x.name, t.onnx.floats(`${node.name}/weight`, weight.shape, weight.data as Float32Array)];
    const fused = attrStrings(node.attr['fused_ops']);
    if (fused.length > 0 && fused[0] !== 'BiasAdd') throw t.error(node, `fused ops ${fused.join('+')} are not supported (BiasAdd first)`);
    if (fused[0] === 'BiasAdd') {
      const bias = t.constant(node.inputs[2] as string, node);
      inputs.push(t.onnx.floats(`${node.name}/bias`, [channels], bias.data as Float32Array));
    }
    const attrs = { kernel_shape: [kh, kw], strides: [s[1]!, s[2]!], dilations: [d[1]!, d[2]!], pads, group };
    let name = t.onnx.node('Conv', inputs, attrs, node.name)[0] as string;
    const shape = [n, outSize[0], outSize[1], channels];
    if (fused.length > 2) throw t.error(node, `fused ops ${fused.join('+')} are not supported (one activation after BiasAdd)`);
    if (fused[1] !== undefined) {
      const alpha = fused[1] === 'Prelu' ? t.constant(node.inputs[3] as string, node) : undefined;
      name = activation(t, node, fused[1], { kind: 'tensor', name, shape, perm: [...NCHW_OF_NHWC] }, alpha);
    }
    out(t, node, name, shape, NCHW_OF_NHWC);
  };
}

function pool(onnxOp: 'MaxPool' | 'AveragePool'): OpTranslator {
  return (t, node) => {
    checkNhwc(t, node);
    const x = t.nchw(node.inputs[0] as string, node);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const k = attrInts(node.attr['ksize']) ?? [1, 1, 1, 1];
    const s = attrInts(node.attr['strides']) ?? [1, 1, 1, 1];
    const { pads, outSize } = spatial(t, node, [h, w], [k[1]!, k[2]!], [s[1]!, s[2]!], [1, 1]);
    const attrs = { kernel_shape: [k[1]!, k[2]!], strides: [s[1]!, s[2]!] };
    let input = x.name;
    if (onnxOp === 'MaxPool' && pads.some((p) => p > 0)) {
      // TensorFlow's SAME max pool ignores the padding: an explicit -inf Pad says so.
      const [top, left, bottom, right] = pads as [number, number, number, number];
      input = t.onnx.node(
        'Pad',
        [
          x.name,
          t.onnx.ints(`${node.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]),
          t.onnx.floats(`${node.name}/-inf`, [], Float32Array.of(-Infinity)),
        ],
        { mode: 'constant' },
        `${node.name}/same`,
      )[0] as string;
    }
    const [name] = t.onnx.node(onnxOp, [input], onnxOp === 'MaxPool' ? attrs : { ...attrs, pads }, node.name);
    out(t, node, name as string, [n, outSize[0], outSize[1], c], NCHW_OF_NHWC);
  };
}

function unary(onnxOp: string): OpTranslator {
  return (t, node) => {
    const x = t.tensor(node.inputs[0] as string, node);
    out(t, node, activation(t, node, onnxOp, x), x.shape, x.perm);
  };
}

function binary(onnxOp: string): OpTranslator {
  return (t, node) => {
    const [ra, rb] = node.inputs as [string, string];
    const va = t.value(ra, node),
      vb = t.value(rb, node);
    const shape = broadcastShape(va.kind === 'const' ? va.tensor.shape : va.shape, vb.kind === 'const' ? vb.tensor.shape : vb.shape);
    if (shape === null) throw t.error(node, 'operand shapes do not broadcast');
    // The first image operand decides the layout and the other follows it (constants are laid out to
    // match); operands of a lower rank broadcast in TensorFlow's order.
    const tensors = [va, vb].filter((v): v is TensorValue => v.kind === 'tensor');
    if (tensors.length === 0) throw t.error(node, 'both operands are constants (should have been folded)');
    const perm = tensors.every((v) => v.shape.length === shape.length) ? (tensors[0] as TensorValue).perm : identity(shape.length);
    const operand = (v: typeof va): string =>
      v.kind === 'const'
        ? t.constTensor(v.tensor, shape.length, perm, node).name
        : t.inLayout(v, v.shape.length === shape.length ? perm : identity(v.shape.length), node).name;
    const [name] = t.onnx.node(onnxOp, [operand(va), operand(vb)], {}, node.name);
    out(t, node, name as string, shape, perm);
  };
}

function pad(t: Translator, node: TfNode): void {
  const x = t.tensor(node.inputs[0] as string, node);
  const p = intsOf(t.constant(node.inputs[1] as string, node));
  const mode = node.op === 'MirrorPad' ? attrString(node.attr['mode']) : 'CONSTANT';
  if (mode !== 'CONSTANT' && mode !== 'REFLECT') throw t.error(node, `MirrorPad mode ${mode} is not supported`);
  const pads = [...x.perm.map((a) => p[a * 2]!), ...x.perm.map((a) => p[a * 2 + 1]!)];
  const inputs = [x.name, t.onnx.ints(`${node.name}/pads`, pads)];
  const value = node.op === 'PadV2' ? (t.constant(node.inputs[2] as string, node).data[0] ?? 0) : 0;
  // onnxruntime's PadFusion folds a Pad whose value is all zero bytes into a following MaxPool's pads,
  // which the pool ignores: wrong when the window's values are negative. -0 pads the same but is not
  // all zero bytes; a Pad before a convolution keeps 0, whose fusion is exact (and faster).
  const guard = value === 0 && mode === 'CONSTANT' && t.feedsMaxPool(node);
  if (node.op === 'PadV2' || guard) inputs.push(t.onnx.floats(`${node.name}/value`, [], Float32Array.of(guard ? -0 : value)));
  const [name] = t.onnx.node('Pad', inputs, { mode: mode === 'REFLECT' ? 'reflect' : 'constant' }, node.name);
  out(
    t,
    node,
    name as string,
    x.shape.map((d, a) => d + p[a * 2]! + p[a * 2 + 1]!),
    x.perm,
  );
}

function concat(t: Translator, node: TfNode): void {
  const refs = node.inputs.slice(0, -1);
  const lead = refs.map((r) => t.value(r, node)).find((v): v is TensorValue => v.kind === 'tensor');
  if (lead === undefined) throw t.error(node, 'no image operand');
  const rank = lead.shape.length;
  const axis = (Number(t.constant(node.inputs.at(-1) as string, node).data[0]) + rank) % rank;
  const parts = refs.map((r) => {
    const v = t.value(r, node);
    return v.kind === 'const' ? t.constTensor(v.tensor, rank, lead.perm, node) : t.inLayout(v, lead.perm, node);
  });
  const shape = [...lead.shape];
  shape[axis] = parts.reduce((sum, v) => sum + v.shape[axis]!, 0);
  const [name] = t.onnx.node(
    'Concat',
    parts.map((v) => v.name),
    { axis: lead.perm.indexOf(axis) },
    node.name,
  );
  out(t, node, name as string, shape, lead.perm);
}

function split(t: Translator, node: TfNode): void {
  const [valueRef, sizesRef, axisRef] =
    node.op === 'SplitV' ? (node.inputs as [string, string, string]) : [node.inputs[1] as string, null, node.inputs[0] as string];
  const x = t.tensor(valueRef, node);
  const rank = x.shape.length;
  const axis = (Number(t.constant(axisRef, node).data[0]) + rank) % rank;
  const count = attrInt(node.attr['num_split']) ?? 1;
  let sizes = sizesRef === null ? new Array<number>(count).fill(x.shape[axis]! / count) : intsOf(t.constant(sizesRef, node));
  const known = sizes.filter((s) => s >= 0).reduce((a, b) => a + b, 0);
  sizes = sizes.map((s) => (s < 0 ? x.shape[axis]! - known : s));
  const names = t.onnx.node(
    'Split',
    [x.name, t.onnx.ints(`${node.name}/sizes`, sizes)],
    { axis: x.perm.indexOf(axis) },
    node.name,
    sizes.length,
  );
  names.forEach((name, k) => {
    const shape = [...x.shape];
    shape[axis] = sizes[k]!;
    out(t, node, name, shape, x.perm, k);
  });
}

function reshape(t: Translator, node: TfNode, target: number[]): void {
  const input = t.tensor(node.inputs[0] as string, node);
  const x = t.inLayout(input, identity(input.shape.length), node);
  const known = sizeOf(target.filter((d) => d >= 0));
  const shape = target.map((d) => (d < 0 ? sizeOf(x.shape) / known : d));
  if (sizeOf(shape) !== sizeOf(x.shape)) throw t.error(node, `cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`);
  const [name] = t.onnx.node('Reshape', [x.name, t.onnx.ints(`${node.name}/shape`, shape)], {}, node.name);
  out(t, node, name as string, shape, identity(shape.length));
}

function transpose(t: Translator, node: TfNode): void {
  const x = t.tensor(node.inputs[0] as string, node);
  const order = intsOf(t.constant(node.inputs[1] as string, node));
  // Nothing is emitted: the logical axes move, the physical tensor stays. p'[i] = inverse(order)[p[i]].
  const inv = new Array<number>(order.length);
  order.forEach((o, i) => (inv[o] = i));
  t.set(node.name, { kind: 'tensor', name: x.name, shape: order.map((o) => x.shape[o]!), perm: x.perm.map((p) => inv[p]!) });
}

function resize(mode: 'linear' | 'nearest'): OpTranslator {
  return (t, node) => {
    const x = t.nchw(node.inputs[0] as string, node);
    const exported = intsOf(t.constant(node.inputs[1] as string, node)) as [number, number];
    const scaled = t.inputScale?.resizeSize(exported, node) ?? { size: exported };
    if ('error' in scaled) throw t.error(node, scaled.error);
    const [oh, ow] = scaled.size;
    const [n, , , c] = x.shape as [number, number, number, number];
    const alignCorners = node.attr['align_corners']?.b === true;
    const halfPixel = node.attr['half_pixel_centers']?.b === true;
    const transform = alignCorners
      ? 'align_corners'
      : !halfPixel
        ? 'asymmetric'
        : mode === 'linear'
          ? 'half_pixel'
          : 'tf_half_pixel_for_nn';
    const attrs = {
      mode,
      coordinate_transformation_mode: transform,
      ...(mode === 'nearest' ? { nearest_mode: alignCorners ? 'round_prefer_ceil' : 'floor' } : {}),
    };
    const [name] = t.onnx.node('Resize', [x.name, '', '', t.onnx.ints(`${node.name}/sizes`, [n, c, oh, ow])], attrs, node.name);
    out(t, node, name as string, [n, oh, ow, c], NCHW_OF_NHWC);
  };
}

function softmax(t: Translator, node: TfNode): void {
  const x = t.tensor(node.inputs[0] as string, node);
  const [name] = t.onnx.node('Softmax', [x.name], { axis: x.perm.indexOf(x.shape.length - 1) }, node.name);
  out(t, node, name as string, x.shape, x.perm);
}

export const OP_TRANSLATORS: Record<string, OpTranslator> = {
  Conv2D: conv(false),
  _FusedConv2D: conv(false),
  DepthwiseConv2dNative: conv(true),
  FusedDepthwiseConv2dNative: conv(true),
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  Relu: unary('Relu'),
  Relu6: unary('Relu6'),
  LeakyRelu: unary('LeakyRelu'),
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  Elu: unary('Elu'),
  Add: binary('Add'),
  AddV2: binary('Add'),
  BiasAdd: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pad: pad,
  PadV2: pad,
  MirrorPad: pad,
  ConcatV2: concat,
  Split: split,
  SplitV: split,
  Reshape: (t, node) => reshape(t, node, intsOf(t.constant(node.inputs[1] as string, node))),
  Squeeze: (t, node) => {
    const x = t.tensor(node.inputs[0] as string, node);
    const axes = (attrInts(node.attr['squeeze_dims']) ?? []).map((a) => (a + x.shape.length) % x.shape.length);
    reshape(
      t,
      node,
      x.shape.filter((d, a) => (axes.length === 0 ? d !== 1 : !axes.includes(a))),
    );
  },
  Transpose: transpose,
  ResizeBilinear: resize('linear'),
  ResizeNearestNeighbor: resize('nearest'),
  Softmax: softmax,
  Identity: (t, node) => t.set(node.name, t.value(node.inputs[0] as string, node)),
};
