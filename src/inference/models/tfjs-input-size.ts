/**
 * Converting a fully convolutional graph at another input size than the one it was exported with. Only
 * two things in such a graph are tied to the size: the Placeholder's static shape, and the constant
 * output sizes of its resize ops (an FPN's upsampling, exported as ResizeBilinear to a fixed 26x26 where
 * the network meant "twice the map"). Every other spatial size follows from the input through the
 * convolutions; a resize size is scaled by new / original along each axis, as the map it resizes is.
 */
import type { TfGraph, TfNode } from './tfjs-graph.ts';

export interface InputSize {
  width: number;
  height: number;
}

/** Height and width positions in a rank-4 image input: NCHW when the channels (at most 4) lead, NHWC when they trail. */
export function spatialAxes(shape: readonly number[]): [number, number] | null {
  if (shape.length !== 4) return null;
  const channelsFirst = (shape[1] as number) <= 4,
    channelsLast = (shape[3] as number) <= 4;
  if (channelsFirst === channelsLast) return null;
  return channelsFirst ? [2, 3] : [1, 2];
}

/**
 * The largest stride the graph's resizes reveal: exported input side / constant resize size (416 / 13
 * = 32 for NanoDet-m), with the node that shows it; null when no resize has a constant size.
 */
export function resizeStride(graph: TfGraph, original: InputSize): { stride: number; node: string } | null {
  let best: { stride: number; node: string } | null = null;
  for (const node of graph.nodes) {
    if (node.op !== 'ResizeBilinear' && node.op !== 'ResizeNearestNeighbor') continue;
    const size = graph.weights.get((node.inputs[1] ?? '').split(':')[0] as string);
    if (size === undefined || size.data.length !== 2) continue;
    for (const stride of [original.height / (size.data[0] as number), original.width / (size.data[1] as number)]) {
      if (Number.isInteger(stride) && (best === null || stride > best.stride)) best = { stride, node: node.name };
    }
  }
  return best;
}

/** The ratio between the input the graph is converted at and the one it was exported with. */
export class InputScale {
  constructor(
    readonly original: InputSize,
    readonly target: InputSize,
  ) {}

  /**
   * A resize's constant [height, width] at the target input. A size that does not scale to whole pixels
   * means the target is not a multiple of the net's largest stride; the error says which multiple.
   */
  resizeSize(size: readonly [number, number], node: TfNode): { size: [number, number] } | { error: string } {
    const { original: from, target: to } = this;
    const h = (size[0] * to.height) / from.height,
      w = (size[1] * to.width) / from.width;
    if (Number.isInteger(h) && Number.isInteger(w)) return { size: [h, w] };
    const stride = Math.max(from.height / size[0], from.width / size[1]);
    const multiple = Number.isInteger(stride) ? `a multiple of ${stride} on each side` : 'a size its feature maps divide';
    return {
      error:
        `inputSize ${to.width}x${to.height} does not suit this graph: node '${node.name}' resizes to ${size[1]}x${size[0]} ` +
        `at the exported ${from.width}x${from.height} input, which would be ${w.toFixed(2)}x${h.toFixed(2)}; use ${multiple}`,
    };
  }
}
