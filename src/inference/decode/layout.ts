/**
 * Picks the decoder for a model from its declared outputs: the layout named in the config, or with
 * `output: 'auto'` the one the shapes imply. Checked once at start-up, so a model with outputs no
 * decoder understands is a start-up error naming what was found, not a failure on the first frame.
 */
import { ModelInvalidError } from '../../errors.ts';
import type { OutputDecoder } from './candidates.ts';
import { SsdDecoder, type SsdBoxOrder, type SsdOutputNames } from './ssd.ts';
import { YoloV5Decoder, YoloV8Decoder } from './yolo.ts';

export const OUTPUT_LAYOUTS = ['auto', 'yolov5', 'yolov8', 'ssd'] as const;
export type OutputLayoutChoice = (typeof OUTPUT_LAYOUTS)[number];
export type OutputLayout = Exclude<OutputLayoutChoice, 'auto'>;

/** A model output as onnxruntime declares it; a dimension that is not a positive number is dynamic. */
export interface DeclaredOutput {
  name: string;
  type: string;
  shape: readonly (number | string)[];
}

export interface DecoderChoice {
  output: OutputLayoutChoice;
  /** How many labels there are; breaks the tie between the two YOLO layouts when both dims are static. */
  labelCount: number;
  scoreThreshold: number;
  tensorWidth: number;
  tensorHeight: number;
  ssd: { boxOrder: SsdBoxOrder; normalized: boolean; outputs?: Partial<SsdOutputNames> | undefined };
}

export interface ChosenDecoder {
  layout: OutputLayout;
  decoder: OutputDecoder;
  /** Number of classes when the output shape declares it. */
  classCount: number | null;
}

/** The dimension when it is static, else null (onnxruntime reports dynamic ones as names or -1). */
export function staticDim(shape: readonly (number | string)[], i: number): number | null {
  const d = shape[i];
  return typeof d === 'number' && d > 0 ? d : null;
}

function describeOutputs(outputs: readonly DeclaredOutput[]): string {
  return outputs.map((o) => `'${o.name}' ${o.type} [${o.shape.join(', ')}]`).join(', ') || 'none';
}

function invalid(outputs: readonly DeclaredOutput[], expected: string): ModelInvalidError {
  return new ModelInvalidError(`Unsupported model outputs ${describeOutputs(outputs)}: expected ${expected}`);
}

const YOLO_EXPECTED = "one float32 output [batch, N, 5 + classes] (output: 'yolov5') or [batch, 4 + classes, N] (output: 'yolov8')";
const SSD_EXPECTED =
  "SSD outputs boxes [batch, N, 4], scores [batch, N], classes [batch, N] and optionally a count [batch] (output: 'ssd')";

function yoloLayout(out: DeclaredOutput, choice: DecoderChoice, outputs: readonly DeclaredOutput[]): OutputLayout {
  if (out.type !== 'float32' || out.shape.length !== 3) throw invalid(outputs, YOLO_EXPECTED);
  const a = staticDim(out.shape, 1),
    b = staticDim(out.shape, 2);
  if (choice.output === 'yolov5' || choice.output === 'yolov8') {
    const classDim = choice.output === 'yolov5' ? b : a,
      minimum = choice.output === 'yolov5' ? 6 : 5;
    if (classDim !== null && classDim < minimum) throw invalid(outputs, YOLO_EXPECTED);
    return choice.output;
  }
  if (a !== null && b !== null) {
    const v8Fits = a - 4 === choice.labelCount,
      v5Fits = b - 5 === choice.labelCount;
    if (v8Fits !== v5Fits) return v8Fits ? 'yolov8' : 'yolov5';
    // Detectors have far more candidates than classes: the long axis is the candidate axis.
    return a < b ? 'yolov8' : 'yolov5';
  }
  if (a !== null) return 'yolov8';
  if (b !== null) return 'yolov5';
  throw new ModelInvalidError(
    `Model output '${out.name}' [${out.shape.join(', ')}] has no static dimension to tell YOLOv5 from YOLOv8 by: set output to 'yolov5' or 'yolov8'`,
  );
}

const SSD_NAME_PATTERNS: Readonly<Record<keyof SsdOutputNames, RegExp>> = {
  boxes: /box/i,
  scores: /score/i,
  classes: /class|label/i,
  count: /num|count/i,
};

/** Configured names first, then names that say what they hold, then the only output of the right rank. */
function ssdNames(outputs: readonly DeclaredOutput[], configured: Partial<SsdOutputNames> | undefined): SsdOutputNames {
  const found: Partial<SsdOutputNames> = { ...configured };
  for (const key of ['boxes', 'scores', 'classes', 'count'] as const) {
    if (found[key] !== undefined) {
      if (!outputs.some((o) => o.name === found[key])) throw invalid(outputs, `an output named '${found[key]}' (ssd.outputs.${key})`);
      continue;
    }
    const byName = outputs.filter((o) => SSD_NAME_PATTERNS[key].test(o.name));
    const rank = key === 'boxes' ? 3 : key === 'count' ? 1 : 0;
    const byRank = rank > 0 ? outputs.filter((o) => o.shape.length === rank) : [];
    if (byName.length === 1) found[key] = byName[0]!.name;
    else if (byRank.length === 1) found[key] = byRank[0]!.name;
  }
  const { boxes, scores, classes, count } = found;
  if (boxes === undefined || scores === undefined || classes === undefined) {
    throw invalid(
      outputs,
      `${SSD_EXPECTED}; name them in ssd.outputs ({ boxes, scores, classes, count }) when the model's names do not say which is which`,
    );
  }
  return count === undefined ? { boxes, scores, classes } : { boxes, scores, classes, count };
}

function checkSsdShapes(outputs: readonly DeclaredOutput[], names: SsdOutputNames): void {
  const byName = (name: string): DeclaredOutput => outputs.find((o) => o.name === name)!;
  const boxes = byName(names.boxes),
    scores = byName(names.scores),
    classes = byName(names.classes);
  const ok =
    boxes.type === 'float32' &&
    boxes.shape.length === 3 &&
    (staticDim(boxes.shape, 2) ?? 4) === 4 &&
    scores.type === 'float32' &&
    scores.shape.length === 2 &&
    ['float32', 'int32', 'int64'].includes(classes.type) &&
    classes.shape.length === 2;
  if (!ok) throw invalid(outputs, SSD_EXPECTED);
}

export function chooseDecoder(outputs: readonly DeclaredOutput[], choice: DecoderChoice): ChosenDecoder {
  const ssd = choice.output === 'ssd' || (choice.output === 'auto' && outputs.length >= 3);
  if (ssd) {
    const names = ssdNames(outputs, choice.ssd.outputs);
    checkSsdShapes(outputs, names);
    const { boxOrder, normalized } = choice.ssd;
    const { tensorWidth, tensorHeight, scoreThreshold } = choice;
    return {
      layout: 'ssd',
      decoder: new SsdDecoder({ names, boxOrder, normalized, tensorWidth, tensorHeight, scoreThreshold }),
      classCount: null,
    };
  }
  const out = outputs[0];
  if (outputs.length !== 1 || out === undefined) {
    throw invalid(outputs, choice.output === 'auto' ? `${YOLO_EXPECTED}, or ${SSD_EXPECTED}` : YOLO_EXPECTED);
  }
  const layout = yoloLayout(out, choice, outputs);
  const classDim = layout === 'yolov5' ? staticDim(out.shape, 2) : staticDim(out.shape, 1);
  return {
    layout,
    decoder: layout === 'yolov5' ? new YoloV5Decoder(out.name, choice.scoreThreshold) : new YoloV8Decoder(out.name, choice.scoreThreshold),
    classCount: classDim === null ? null : classDim - (layout === 'yolov5' ? 5 : 4),
  };
}
