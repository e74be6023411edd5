/**
 * The detector interface every backend implements (Frigate's pattern: the interface first, one file a
 * backend under backends/, chosen by the `type` key of the config). Backends run inside inference pool
 * workers; nothing here knows about threads.
 */
import type { CropMapping, Rect, TensorLayout } from '../native/index.ts';

/** A face found on a detected object (a person), in the same frame coordinates as the object's box. */
export interface Face {
  box: Rect;
  /** 0..1 */
  score: number;
  /** Landmarks in the face detector's order (BlazeFace: right eye, left eye, nose, mouth, right ear, left ear); may be empty. */
  keypoints: Array<{ x: number; y: number }>;
}

/** One object found, in analysis-frame pixel coordinates. */
export interface Detection {
  label: string;
  /** Index into the backend's labels (-1 for the motion backend). */
  classId: number;
  /** 0..1 */
  score: number;
  box: Rect;
  /** The object's face, when a face detector ran on it and found one. */
  face?: Face;
  /** Landmarks in frame pixels, for backends that find them (blazeface: FACE_KEYPOINTS order). */
  keypoints?: Array<{ x: number; y: number }>;
}

/** One candidate region handed to a backend. */
export interface DetectorInput {
  /** The crop prepared by the channel worker (cropResize), or null for backends that need no pixels. */
  tensor: Float32Array | Uint8Array | null;
  /** Maps tensor coordinates back to the frame (letterbox undo). */
  mapping: CropMapping;
  /** The candidate region in the frame. */
  region: Rect;
  /** Motion boxes inside the region (frame coordinates) with their changed-pixel counts. */
  motion: ReadonlyArray<Rect & { area: number }>;
  /** Mean absolute luma difference over the changed pixels of the region (0..255), for motion confidence. */
  contrast: number;
}

/** What a backend wants its crops to look like (the channel worker prepares them so). */
export interface TensorSpec {
  width: number;
  height: number;
  layout: TensorLayout;
  /** nchw-f32 normalisation, RGB order; omitted = v / 255. */
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
}

export interface Detector {
  /** The config `type` ('motion', 'onnx', ...). */
  readonly type: string;
  /** null: the backend needs no pixels (motion). */
  readonly tensor: TensorSpec | null;
  /** Largest batch one `detect` call accepts (1 = no batching). */
  readonly maxBatch: number;
  /** One result list per input, same order. Throws on backend failure (counted by the pool's breaker). */
  detect(inputs: readonly DetectorInput[]): Promise<Detection[][]>;
  close(): Promise<void>;
}
