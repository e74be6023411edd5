/**
 * Class-aware greedy non-maximum suppression over the struct-of-arrays candidates: a box suppresses
 * only lower-scored boxes of its own class, so a person overlapping a bicycle keeps both. Ties in score
 * keep the earlier candidate first, so the result is the same on every run.
 */
import type { Candidates } from './decode/candidates.ts';

/** Intersection over union of boxes i and j of an x1, y1, x2, y2 array. */
function iou(boxes: Float32Array, i: number, j: number): number {
  const a = i * 4,
    b = j * 4;
  const ax1 = boxes[a]!,
    ay1 = boxes[a + 1]!,
    ax2 = boxes[a + 2]!,
    ay2 = boxes[a + 3]!;
  const bx1 = boxes[b]!,
    by1 = boxes[b + 1]!,
    bx2 = boxes[b + 2]!,
    by2 = boxes[b + 3]!;
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Indices of the kept candidates, highest score first, at most `maxDetections`. A box is dropped when
 * its IoU with a kept box of the same class is above `iouThreshold`.
 */
export function nonMaxSuppression(candidates: Candidates, iouThreshold: number, maxDetections: number): Int32Array {
  const { count, boxes, scores, classes } = candidates;
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const suppressed = new Uint8Array(count);
  const kept = new Int32Array(Math.min(count, maxDetections));
  let keptCount = 0;
  for (let oi = 0; oi < count && keptCount < kept.length; oi++) {
    const i = order[oi]!;
    if (suppressed[i]) continue;
    kept[keptCount++] = i;
    const cls = classes[i];
    for (let oj = oi + 1; oj < count; oj++) {
      const j = order[oj]!;
      if (!suppressed[j] && classes[j] === cls && iou(boxes, i, j) > iouThreshold) suppressed[j] = 1;
    }
  }
  return kept.subarray(0, keptCount);
}
