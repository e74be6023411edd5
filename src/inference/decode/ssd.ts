/**
 * Decoder for SSD-style post-processed outputs (TensorFlow Object Detection API exports, tf2onnx,
 * MobileNet-SSD): boxes `[B, N, 4]`, scores `[B, N]`, classes `[B, N]` (float, int32 or int64) and an
 * optional detection count `[B]` or `[B, 1]`. Boxes are y1, x1, y2, x2 normalised to 0..1 by default
 * (the TensorFlow convention); `boxOrder: 'xyxy'` and `normalized: false` (tensor pixels) cover the
 * other common exports. Class ids index the labels as they are: for a model whose ids start at 1 with
 * 0 as background, give a labels file whose first line is a placeholder.
 */
import { ModelInvalidError } from '../../errors.ts';
import { describeTensor, floatOutput, type Candidates, type OutputDecoder, type OutputTensor } from './candidates.ts';

export type SsdBoxOrder = 'yxyx' | 'xyxy';

/** Output names of the four SSD tensors; count is optional. */
export interface SsdOutputNames {
  boxes: string;
  scores: string;
  classes: string;
  count?: string;
}

export interface SsdDecoderOptions {
  names: SsdOutputNames;
  boxOrder: SsdBoxOrder;
  normalized: boolean;
  tensorWidth: number;
  tensorHeight: number;
  scoreThreshold: number;
}

type ClassIds = Float32Array | Int32Array | BigInt64Array;

function isClassIds(data: unknown): data is ClassIds {
  return data instanceof Float32Array || data instanceof Int32Array || data instanceof BigInt64Array;
}

export class SsdDecoder implements OutputDecoder {
  constructor(private readonly options: SsdDecoderOptions) {}

  decode(outputs: Readonly<Record<string, OutputTensor>>, item: number, into: Candidates): void {
    const { names, boxOrder, normalized, tensorWidth, tensorHeight, scoreThreshold } = this.options;
    const boxes = floatOutput(outputs, names.boxes, 3, 'float32 boxes [batch, detections, 4]');
    const n = boxes.dims[1]!;
    const scores = floatOutput(outputs, names.scores, 2, `float32 scores [batch, ${n}]`).data;
    const classes = outputs[names.classes];
    if (classes === undefined || !isClassIds(classes.data) || classes.dims.length !== 2) {
      throw new ModelInvalidError(
        `Model output '${names.classes}' is ${classes ? describeTensor(classes) : 'missing'}; expected class ids [batch, ${n}] (float32, int32 or int64)`,
      );
    }
    const ids = classes.data;
    const count = Math.min(n, this.countFor(outputs, item, n));
    const sx = normalized ? tensorWidth : 1,
      sy = normalized ? tensorHeight : 1;
    // Index of x1 and y1 within a box; x2, y2 follow two places later in both orders.
    const xi = boxOrder === 'xyxy' ? 0 : 1,
      yi = 1 - xi;
    into.reset(count);
    for (let i = 0, at = item * n; i < count; i++, at++) {
      const score = scores[at]!;
      if (!(score >= scoreThreshold)) continue;
      const b = at * 4;
      const id = ids instanceof BigInt64Array ? Number(ids[at]!) : Math.round(ids[at]!);
      into.push(boxes.data[b + xi]! * sx, boxes.data[b + yi]! * sy, boxes.data[b + xi + 2]! * sx, boxes.data[b + yi + 2]! * sy, score, id);
    }
  }

  private countFor(outputs: Readonly<Record<string, OutputTensor>>, item: number, n: number): number {
    if (this.options.names.count === undefined) return n;
    const out = outputs[this.options.names.count];
    const data = out?.data;
    if (out === undefined || !isClassIds(data) || out.dims.length < 1 || out.dims.length > 2) {
      throw new ModelInvalidError(
        `Model output '${this.options.names.count}' is ${out ? describeTensor(out) : 'missing'}; expected a detection count [batch] or [batch, 1]`,
      );
    }
    return data instanceof BigInt64Array ? Number(data[item]!) : Math.round(data[item]!);
  }
}
