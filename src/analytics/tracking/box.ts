/** Box arithmetic shared by tracking, best shot, frame assembly and decisions. */
import type { Rect } from '../../native/index.ts';

function intersection(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union of two boxes, 0 when they do not overlap. */
export function iou(a: Rect, b: Rect): number {
  const inter = intersection(a, b);
  return inter === 0 ? 0 : inter / (a.width * a.height + b.width * b.height - inter);
}

/** Share of `a`'s area covered by the other boxes (overlaps summed, so at most 1 only approximately; capped). */
export function coveredFraction(a: Rect, others: Iterable<Rect>): number {
  const area = a.width * a.height;
  if (area <= 0) return 0;
  let covered = 0;
  for (const b of others) covered += intersection(a, b);
  return Math.min(1, covered / area);
}

/** coveredFraction by the boxes of every object but the one at `skip` (no array built a track a frame). */
export function coveredByOthers(a: Rect, objects: readonly { box: Rect }[], skip: number): number {
  const area = a.width * a.height;
  if (area <= 0) return 0;
  let covered = 0;
  for (let i = 0; i < objects.length; i++) if (i !== skip) covered += intersection(a, (objects[i] as { box: Rect }).box);
  return Math.min(1, covered / area);
}

/** Distance between the centres of two boxes, pixels. */
export function centreDistance(a: Rect, b: Rect): number {
  return Math.hypot(a.x + a.width / 2 - (b.x + b.width / 2), a.y + a.height / 2 - (b.y + b.height / 2));
}
