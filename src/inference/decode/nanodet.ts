/**
 * Decoder for NanoDet (GFL head) outputs as the shipped NanoDet-m 416 has them: for each stride s a
 * score tensor `[B, P, C]` (sigmoid already applied) and a box-distribution tensor `[B, P, 4 x bins]`,
 * P = G x G cells of a G = input / s grid, cell i at column i mod G, row floor(i / G). A side's distance
 * (left, top, right, bottom) is the softmax-weighted mean bin index times s, measured from the cell
 * centre ((col + 0.5) s, (row + 0.5) s): without the half cell boxes sit ~s/2 off. Every class above the
 * threshold is a candidate (upstream's multiclass NMS), so a person on a bicycle keeps both.
 * (@vladmandic/human decodes with an argmax over the bins times 2.5, an approximation not used here.)
 */
import { ModelInvalidError } from '../../errors.ts';
import { floatOutput, type Candidates, type OutputDecoder, type OutputTensor } from './candidates.ts';
import { staticDim, type DeclaredOutput } from './layout.ts';

export interface NanodetLevel {
  stride: number;
  grid: number;
  scores: string;
  boxes: string;
}

export interface NanodetLayout {
  levels: NanodetLevel[];
  classes: number;
  /** Bins a side (reg_max + 1). */
  bins: number;
}

const EXPECTED =
  'pairs of float32 outputs per stride: scores [1, G*G, classes] and box distributions [1, G*G, 4 * bins] with G = input size / stride';

/** Reads the levels from the declared outputs; every mismatch is E_MODEL_INVALID naming what was found. */
export function nanodetLayout(outputs: readonly DeclaredOutput[], inputSize: number, classes: number, source: string): NanodetLayout {
  const found = outputs.map((o) => `'${o.name}' ${o.type} [${o.shape.join(', ')}]`).join(', ') || 'none';
  const invalid = (why: string): ModelInvalidError =>
    new ModelInvalidError(`Unsupported NanoDet outputs ${found} in ${source} (${why}): expected ${EXPECTED}`);
  const byCells = new Map<number, { scores?: DeclaredOutput; boxes?: DeclaredOutput }>();
  for (const o of outputs) {
    const cells = staticDim(o.shape, 1),
      width = staticDim(o.shape, 2);
    if (o.type !== 'float32' || o.shape.length !== 3 || cells === null || width === null)
      throw invalid(`output '${o.name}' is not [1, cells, values]`);
    const level = byCells.get(cells) ?? {};
    if (width === classes) level.scores = o;
    else level.boxes = o;
    byCells.set(cells, level);
  }
  let bins = 0;
  const levels = [...byCells].map(([cells, { scores, boxes }]) => {
    if (scores === undefined || boxes === undefined)
      throw invalid(`no score and box pair for ${cells} cells (scores need ${classes} values, one a label)`);
    const grid = Math.round(Math.sqrt(cells));
    const width = staticDim(boxes.shape, 2) as number;
    if (grid * grid !== cells || inputSize % grid !== 0)
      throw invalid(`${cells} cells is no square grid dividing the ${inputSize}-pixel input`);
    if (width % 4 !== 0 || (bins !== 0 && width / 4 !== bins))
      throw invalid(`box output '${boxes.name}' has ${width} values, not 4 sides of equal bins`);
    bins = width / 4;
    return { stride: inputSize / grid, grid, scores: scores.name, boxes: boxes.name };
  });
  if (levels.length === 0) throw invalid('no outputs');
  return { levels: levels.sort((a, b) => a.stride - b.stride), classes, bins };
}

export class NanodetDecoder implements OutputDecoder {
  /** `allowed[c]` 0 drops class c before NMS (a site that wants persons and vehicles only). */
  constructor(
    private readonly layout: NanodetLayout,
    private readonly scoreThreshold: number,
    private readonly allowed: Uint8Array | null = null,
  ) {}

  decode(outputs: Readonly<Record<string, OutputTensor>>, item: number, into: Candidates): void {
    const { levels, classes, bins } = this.layout;
    const threshold = this.scoreThreshold;
    const expected = 'a NanoDet [batch, cells, values] output';
    // Counted first so the candidate buffer is sized once (a cell may pass for several classes).
    let count = 0;
    for (const level of levels) {
      const scores = floatOutput(outputs, level.scores, 3, expected).data;
      const base = item * level.grid * level.grid * classes;
      for (let i = base, end = base + level.grid * level.grid * classes; i < end; i++)
        if (scores[i]! >= threshold && this.keeps((i - base) % classes)) count++;
    }
    into.reset(count);
    for (const level of levels) {
      const scores = floatOutput(outputs, level.scores, 3, expected).data;
      const boxes = floatOutput(outputs, level.boxes, 3, expected).data;
      const { grid, stride } = level;
      const cells = grid * grid;
      for (let cell = 0; cell < cells; cell++) {
        const row = (item * cells + cell) * classes;
        let best = 0;
        for (let c = 0; c < classes; c++) if (scores[row + c]! > best && this.keeps(c)) best = scores[row + c]!;
        if (!(best >= threshold)) continue;
        const dist = (item * cells + cell) * 4 * bins;
        const left = this.distance(boxes, dist) * stride,
          top = this.distance(boxes, dist + bins) * stride;
        const right = this.distance(boxes, dist + 2 * bins) * stride,
          bottom = this.distance(boxes, dist + 3 * bins) * stride;
        const cx = ((cell % grid) + 0.5) * stride,
          cy = (Math.floor(cell / grid) + 0.5) * stride;
        for (let c = 0; c < classes; c++) {
          const score = scores[row + c]!;
          if (score >= threshold && this.keeps(c)) into.push(cx - left, cy - top, cx + right, cy + bottom, score, c);
        }
      }
    }
  }

  private keeps(classId: number): boolean {
    return this.allowed === null || this.allowed[classId] === 1;
  }

  /** Softmax-weighted mean bin index of the `bins` logits at `offset`. */
  private distance(data: Float32Array, offset: number): number {
    const bins = this.layout.bins;
    let max = -Infinity;
    for (let j = 0; j < bins; j++) max = Math.max(max, data[offset + j]!);
    let sum = 0,
      weighted = 0;
    for (let j = 0; j < bins; j++) {
      const e = Math.exp(data[offset + j]! - max);
      sum += e;
      weighted += e * j;
    }
    return weighted / sum;
  }
}
