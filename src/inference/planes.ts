/**
 * Plane order of NCHW crops. The native crop path writes RGB planes; NanoDet (trained on OpenCV
 * images) takes BGR, so the detector and the int8 calibration reverse them the same way.
 */

/** Writes `src`'s three planes of `plane` floats into `dst` in reverse order (RGB <-> BGR). */
export function reversePlanes(src: Float32Array, dst: Float32Array, plane: number): Float32Array {
  dst.set(src.subarray(2 * plane, 3 * plane), 0);
  dst.set(src.subarray(plane, 2 * plane), plane);
  dst.set(src.subarray(0, plane), 2 * plane);
  return dst;
}
