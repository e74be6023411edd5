/**
 * How good a view of an object is, for choosing a track's best shot. Everything is measured on the
 * object's own box (no margin), in the frame the detection came from:
 *
 *   quality = 10 x score + sharpness + size + face - occlusion
 *     score      the detector's confidence, 0..1 (FaceStream's weighting: confidence x 10)
 *     sharpness  clamp(pointsPerDecade x log10(1 + Tenengrad), 0, 10): Tenengrad is the mean squared
 *                3x3 Sobel gradient of the box's luma
 *     size       clamp(log2(box area / 1024), 0, 5): +1 for each doubling of the area over 32x32 px
 *     face       10 x face score when a face was found on the object, else 0
 *     occlusion  10 x the share of the box covered by other detections' boxes in the same frame
 *
 * and a box touching the frame's edge (the object is cut off) ranks below every box that does not,
 * whatever their qualities, except that a view with a face found outranks every view without one:
 * `outranks` compares (face found, not truncated, quality) in that order. Why the face first: faces
 * of tracked people are searched once a face interval (inference.faces.trackedIntervalMs), so most
 * views were never searched, and a person near the frame's bottom edge (head and shoulders, a
 * close pass) flips between cut and uncut by a pixel from frame to frame; ranking the cut first let
 * an unsearched view that happened to clear the edge replace the face.
 *
 * Why a log for sharpness: Tenengrad scales with the content's contrast and spans five decades across
 * crops (a blurred colour bar 23, a cellular automaton 5.5e5), so no linear reference fits every
 * object; on a log scale a frame twice as sharp as another scores 0.6 points more whatever the object,
 * and 0.06 of detector confidence weighs as much as a factor of two in sharpness. Why a size term: a
 * nearer, larger view of the same object has the same edges spread over more pixels, so its Tenengrad
 * is lower; +1 a doubling of area puts the larger view ahead unless it is clearly blurred.
 */

/** Box area (px) at which the size term starts counting: 32x32, about the least a person can recognise. */
const SIZE_REFERENCE_AREA = 1024;
const SIZE_MAX_POINTS = 5;
const FACE_WEIGHT = 10;
const OCCLUSION_WEIGHT = 10;

export function sharpnessPoints(tenengrad: number, pointsPerDecade: number): number {
  return Math.min(10, Math.max(0, pointsPerDecade * Math.log10(1 + tenengrad)));
}

export function sizePoints(area: number): number {
  return area <= SIZE_REFERENCE_AREA ? 0 : Math.min(SIZE_MAX_POINTS, Math.log2(area / SIZE_REFERENCE_AREA));
}

export interface QualityTerms {
  score: number;
  /** Sharpness points, 0..10. */
  sharpness: number;
  /** Box area, px. */
  area: number;
  /** Face score, null when no face was found. */
  faceScore: number | null;
  /** Share of the box covered by other boxes, 0..1. */
  occlusion: number;
}

export function shotQuality(t: QualityTerms): number {
  return t.score * 10 + t.sharpness + sizePoints(t.area) + FACE_WEIGHT * (t.faceScore ?? 0) - OCCLUSION_WEIGHT * t.occlusion;
}

/** What ranking needs of a shot. */
export interface Ranked {
  quality: number;
  /** The box touches the frame's edge. */
  truncated: boolean;
  /** The face found on the object in this view; null or absent when none was found. */
  face?: object | null;
}

/** True when `a` is a better best shot than `b`; ties keep `b` (the earlier view is the one people expect). */
export function outranks(a: Ranked, b: Ranked): boolean {
  const aFace = a.face != null;
  if (aFace !== (b.face != null)) return aFace;
  if (a.truncated !== b.truncated) return b.truncated;
  return a.quality > b.quality;
}
