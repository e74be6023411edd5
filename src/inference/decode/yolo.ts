/**
 * Decoders for the raw (pre-NMS) outputs of Ultralytics YOLO exports. Boxes are cx, cy, w, h in tensor
 * pixels, as `export format=onnx` writes them; scores are already sigmoid-activated.
 *
 * - YOLOv5: `[B, N, 5 + C]`, a row a candidate: cx, cy, w, h, objectness, C class scores; the score is
 *   objectness x best class score (YOLOv5's own `non_max_suppression`).
 * - YOLOv8 / YOLO11: `[B, 4 + C, N]`, channel-major: cx, cy, w, h planes then C class planes; no
 *   objectness, the score is the best class score.
 */
import { floatOutput, type Candidates, type OutputDecoder, type OutputTensor } from './candidates.ts';

const V5_EXPECTED = 'a float32 [batch, candidates, 5 + classes] YOLOv5 output';
const V8_EXPECTED = 'a float32 [batch, 4 + classes, candidates] YOLOv8/YOLO11 output';

export class YoloV5Decoder implements OutputDecoder {
  constructor(
    private readonly outputName: string,
    private readonly scoreThreshold: number,
  ) {}

  decode(outputs: Readonly<Record<string, OutputTensor>>, item: number, into: Candidates): void {
    const { data, dims } = floatOutput(outputs, this.outputName, 3, V5_EXPECTED);
    const n = dims[1]!,
      stride = dims[2]!,
      threshold = this.scoreThreshold;
    into.reset(n);
    if (stride < 6) return;
    for (let row = item * n * stride, end = row + n * stride; row < end; row += stride) {
      const objectness = data[row + 4]!;
      // Class scores are at most 1, so a candidate whose objectness is below the threshold cannot pass.
      if (!(objectness >= threshold)) continue;
      let best = data[row + 5]!,
        bestClass = 0;
      for (let c = 1; c < stride - 5; c++) {
        const v = data[row + 5 + c]!;
        if (v > best) {
          best = v;
          bestClass = c;
        }
      }
      const score = objectness * best;
      if (!(score >= threshold)) continue;
      const cx = data[row]!,
        cy = data[row + 1]!,
        hw = data[row + 2]! / 2,
        hh = data[row + 3]! / 2;
      into.push(cx - hw, cy - hh, cx + hw, cy + hh, score, bestClass);
    }
  }
}

export class YoloV8Decoder implements OutputDecoder {
  /** Best score and class a candidate, reused across calls. */
  private best = new Float32Array(0);
  private bestClass = new Int32Array(0);

  constructor(
    private readonly outputName: string,
    private readonly scoreThreshold: number,
  ) {}

  decode(outputs: Readonly<Record<string, OutputTensor>>, item: number, into: Candidates): void {
    const { data, dims } = floatOutput(outputs, this.outputName, 3, V8_EXPECTED);
    const channels = dims[1]!,
      n = dims[2]!,
      threshold = this.scoreThreshold;
    into.reset(n);
    if (channels < 5) return;
    if (this.best.length < n) {
      this.best = new Float32Array(n);
      this.bestClass = new Int32Array(n);
    }
    const best = this.best,
      bestClass = this.bestClass,
      base = item * channels * n;
    // Class planes are walked one after another (contiguous reads) rather than a candidate's C scores
    // at stride N, which would touch a new cache line for every value.
    best.set(data.subarray(base + 4 * n, base + 5 * n));
    bestClass.fill(0, 0, n);
    for (let c = 1; c < channels - 4; c++) {
      const plane = base + (4 + c) * n;
      for (let i = 0; i < n; i++) {
        const v = data[plane + i]!;
        if (v > best[i]!) {
          best[i] = v;
          bestClass[i] = c;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const score = best[i]!;
      if (!(score >= threshold)) continue;
      const cx = data[base + i]!,
        cy = data[base + n + i]!,
        hw = data[base + 2 * n + i]! / 2,
        hh = data[base + 3 * n + i]! / 2;
      into.push(cx - hw, cy - hh, cx + hw, cy + hh, score, bestClass[i]!);
    }
  }
}
