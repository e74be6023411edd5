/**
 * The cost of pairing a track's predicted box with a detection:
 *   cost = (1 - IoU) + d / centroidGate,   d = centre distance / longer side of the predicted box,
 * admissible only when the labels match, d <= centroidGate and the areas differ by at most
 * maxAreaRatio. Both terms are 0..1, so the cost is 0..2. IoU alone cannot pair a small fast object
 * whose boxes never overlap between analysed frames (an 8-pixel car moving 12 pixels a frame), and
 * distance alone cannot tell a big box from a small one at the same centre; the sum ranks two
 * overlapping candidates by overlap and two distant ones by distance in the object's own size. The
 * longer side, not sqrt(area): a person half hidden behind a post keeps their height, so the gate
 * stays wide enough to find them when they come out.
 */
import type { Rect } from '../../native/index.ts';
import { centreDistance, iou } from './box.ts';

export interface Gate {
  /** Largest centre distance, in longer sides of the predicted box; also the distance term's scale. */
  centroidGate: number;
  /** This pair's largest centre distance when smaller than centroidGate (a confirmed track's, by time since its match). */
  reach?: number;
  /** Largest ratio of the larger area to the smaller. */
  maxAreaRatio: number;
}

/** The cost of the pair, Infinity when the pair is outside the gate. */
export function associationCost(predicted: Rect, detection: Rect, gate: Gate): number {
  const areaP = predicted.width * predicted.height,
    areaD = detection.width * detection.height;
  if (areaP <= 0 || areaD <= 0) return Infinity;
  if (Math.max(areaP, areaD) > gate.maxAreaRatio * Math.min(areaP, areaD)) return Infinity;
  const distance = centreDistance(predicted, detection) / Math.max(predicted.width, predicted.height);
  if (distance > Math.min(gate.centroidGate, gate.reach ?? Infinity)) return Infinity;
  return 1 - iou(predicted, detection) + distance / gate.centroidGate;
}
