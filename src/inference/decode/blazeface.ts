/**
 * Decoder for MediaPipe BlazeFace outputs (front 128 and back 256 models alike): two heads, a score
 * tensor `[B, n, 1]` (logits) and a regressor tensor `[B, n, 16]` each, on a 16 x 16 grid with 2 anchors
 * a cell (n = 512) and an 8 x 8 grid with 6 anchors a cell (n = 384). Anchor i = (row * G + col) * A + a
 * sits at ((col + 0.5) / G, (row + 0.5) / G) of the input, size 1 (MediaPipe's fixed_anchor_size). A
 * regressor row is dx, dy, w, h, then six keypoints (x, y): right eye, left eye, nose, mouth, right
 * ear, left ear, all in input pixels relative to the anchor centre. Scores are sigmoid(clamp(logit,
 * +-100)). Overlapping faces are merged MediaPipe's way (WEIGHTED suppression): every box overlapping
 * the best one by IoU >= 0.3 joins it, and the cluster's box and keypoints are their score-weighted
 * mean, keeping the best score.
 */
import { ModelInvalidError } from '../../errors.ts';
import { floatOutput, type OutputTensor } from './candidates.ts';
import { staticDim, type DeclaredOutput } from './layout.ts';

export const FACE_KEYPOINTS = ['rightEye', 'leftEye', 'nose', 'mouth', 'rightEar', 'leftEar'] as const;

export interface BlazeFaceHead {
  scores: string;
  boxes: string;
  grid: number;
  anchors: number;
}

/** One face in tensor pixels; keypoints x, y in FACE_KEYPOINTS order. */
export interface FaceCandidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  keypoints: number[];
}

/** Anchors of MediaPipe's face detection models, by anchor count: 16 x 16 x 2 and 8 x 8 x 6. */
const HEADS: ReadonlyMap<number, { grid: number; anchors: number }> = new Map([
  [512, { grid: 16, anchors: 2 }],
  [384, { grid: 8, anchors: 6 }],
]);
const EXPECTED =
  'float32 scores [1, 512, 1] and regressors [1, 512, 16] (16 x 16 grid, 2 anchors) and the same for 384 (8 x 8 grid, 6 anchors)';
const SCORE_CLAMP = 100;

export function blazefaceLayout(outputs: readonly DeclaredOutput[], source: string): BlazeFaceHead[] {
  const found = outputs.map((o) => `'${o.name}' ${o.type} [${o.shape.join(', ')}]`).join(', ') || 'none';
  const pairs = new Map<number, { scores?: string; boxes?: string }>();
  for (const o of outputs) {
    const n = staticDim(o.shape, 1),
      width = staticDim(o.shape, 2);
    if (o.type !== 'float32' || o.shape.length !== 3 || n === null || !HEADS.has(n) || (width !== 1 && width !== 16)) {
      throw new ModelInvalidError(`Unsupported BlazeFace outputs ${found} in ${source}: expected ${EXPECTED}`);
    }
    const pair = pairs.get(n) ?? {};
    if (width === 1) pair.scores = o.name;
    else pair.boxes = o.name;
    pairs.set(n, pair);
  }
  const heads = [...HEADS].map(([n, head]) => ({ ...head, ...pairs.get(n) }));
  if (heads.some((h) => h.scores === undefined || h.boxes === undefined)) {
    throw new ModelInvalidError(`Unsupported BlazeFace outputs ${found} in ${source}: expected ${EXPECTED}`);
  }
  return heads as BlazeFaceHead[];
}

/** Faces above `threshold` in batch item `item`, before merging. */
export function decodeBlazeFace(
  outputs: Readonly<Record<string, OutputTensor>>,
  item: number,
  heads: readonly BlazeFaceHead[],
  inputSize: number,
  threshold: number,
): FaceCandidate[] {
  const faces: FaceCandidate[] = [];
  const expected = 'a BlazeFace [batch, anchors, values] output';
  for (const head of heads) {
    const n = head.grid * head.grid * head.anchors;
    const scores = floatOutput(outputs, head.scores, 3, expected).data;
    const boxes = floatOutput(outputs, head.boxes, 3, expected).data;
    for (let i = 0; i < n; i++) {
      const logit = Math.min(SCORE_CLAMP, Math.max(-SCORE_CLAMP, scores[item * n + i]!));
      const score = 1 / (1 + Math.exp(-logit));
      if (!(score >= threshold)) continue;
      const cell = Math.floor(i / head.anchors);
      const ax = (((cell % head.grid) + 0.5) / head.grid) * inputSize,
        ay = ((Math.floor(cell / head.grid) + 0.5) / head.grid) * inputSize;
      const r = (item * n + i) * 16;
      const cx = ax + boxes[r]!,
        cy = ay + boxes[r + 1]!,
        hw = boxes[r + 2]! / 2,
        hh = boxes[r + 3]! / 2;
      const keypoints: number[] = [];
      for (let k = 0; k < 6; k++) keypoints.push(ax + boxes[r + 4 + 2 * k]!, ay + boxes[r + 5 + 2 * k]!);
      faces.push({ x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh, score, keypoints });
    }
  }
  return faces;
}

function iou(a: FaceCandidate, b: FaceCandidate): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1),
    ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/** MediaPipe's weighted suppression; at most `maxFaces`, best first. */
export function mergeFaces(faces: readonly FaceCandidate[], iouThreshold: number, maxFaces: number): FaceCandidate[] {
  let remaining = [...faces].sort((a, b) => b.score - a.score);
  const merged: FaceCandidate[] = [];
  while (remaining.length > 0 && merged.length < maxFaces) {
    const [top, ...rest] = remaining as [FaceCandidate, ...FaceCandidate[]];
    const cluster = [top, ...rest.filter((f) => iou(top, f) >= iouThreshold)];
    remaining = rest.filter((f) => iou(top, f) < iouThreshold);
    const total = cluster.reduce((sum, f) => sum + f.score, 0);
    const mean = (get: (f: FaceCandidate) => number): number => cluster.reduce((sum, f) => sum + get(f) * f.score, 0) / total;
    merged.push({
      x1: mean((f) => f.x1),
      y1: mean((f) => f.y1),
      x2: mean((f) => f.x2),
      y2: mean((f) => f.y2),
      score: top.score,
      keypoints: top.keypoints.map((_, k) => mean((f) => f.keypoints[k] as number)),
    });
  }
  return merged;
}
