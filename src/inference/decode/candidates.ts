/**
 * Candidate boxes of one batch item between decoding and NMS, as parallel typed arrays (struct of
 * arrays): decoders append, NMS reads, and nothing is allocated a box. The buffer is reused across
 * calls and grows only when a model yields more candidates than ever before.
 */
import { ModelInvalidError } from '../../errors.ts';

export class Candidates {
  count = 0;
  /** x1, y1, x2, y2 a candidate, in tensor pixels. */
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;

  constructor(capacity = 64) {
    this.boxes = new Float32Array(capacity * 4);
    this.scores = new Float32Array(capacity);
    this.classes = new Int32Array(capacity);
  }

  /** Empties the buffer, making room for at least `capacity` candidates. */
  reset(capacity: number): void {
    this.count = 0;
    if (capacity > this.scores.length) {
      this.boxes = new Float32Array(capacity * 4);
      this.scores = new Float32Array(capacity);
      this.classes = new Int32Array(capacity);
    }
  }

  /** Appends one candidate; the caller reset() the buffer for at least as many as it pushes. */
  push(x1: number, y1: number, x2: number, y2: number, score: number, classId: number): void {
    const i = this.count++;
    const b = i * 4;
    this.boxes[b] = x1;
    this.boxes[b + 1] = y1;
    this.boxes[b + 2] = x2;
    this.boxes[b + 3] = y2;
    this.scores[i] = score;
    this.classes[i] = classId;
  }
}

/** One model output as the decoders see it (onnxruntime's Tensor fits). */
export interface OutputTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** Turns the raw outputs of one batch item into scored candidates above the threshold. */
export interface OutputDecoder {
  decode(outputs: Readonly<Record<string, OutputTensor>>, item: number, into: Candidates): void;
}

/** The named output as a float32 tensor of the given rank, else a clear model error. */
export function floatOutput(
  outputs: Readonly<Record<string, OutputTensor>>,
  name: string,
  rank: number,
  expected: string,
): { data: Float32Array; dims: readonly number[] } {
  const out = outputs[name];
  if (out === undefined) throw new ModelInvalidError(`The model produced no output named '${name}'; expected ${expected}`);
  if (!(out.data instanceof Float32Array) || out.dims.length !== rank) {
    throw new ModelInvalidError(`Model output '${name}' is ${describeTensor(out)}; expected ${expected}`);
  }
  return { data: out.data, dims: out.dims };
}

export function describeTensor(out: OutputTensor): string {
  const type = ArrayBuffer.isView(out.data)
    ? (out.data as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag]
    : typeof out.data;
  return `${type} [${out.dims.join(', ')}]`;
}
