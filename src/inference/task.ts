/**
 * The inference pool's worker protocol, typed in one place (piscina's pattern): what a task carries to a
 * pool worker and what comes back. Crops are not in it: each item names its camera's CropSlab (a
 * SharedArrayBuffer, shared by structured clone, not copied) and a slot the scheduler has claimed.
 */
import type { CropMapping, Rect } from '../native/index.ts';
import type { BackendConfig } from './backends/index.ts';
import type { Detection, TensorSpec } from './types.ts';

/** workerData of every pool worker. */
export interface InferenceWorkerData {
  backend: BackendConfig;
  /** Backend types provided by other modules (URL each), for tests and plugins. */
  extraBackends: Record<string, string>;
}

export interface DetectTaskItem {
  /** Process-unique slab id: the worker attaches each slab once and caches it under this key. */
  slabId: number;
  slab: SharedArrayBuffer;
  slot: number;
  region: Rect;
  mapping: CropMapping;
  motion: Array<Rect & { area: number }>;
  contrast: number;
}

/**
 * Start-up: every worker builds its detector, then waits at `barrier` (an Int32Array counter) until
 * `workers` have arrived or `timeoutMs` passed. A worker runs one task at a time, so `workers` such
 * tasks run concurrently land on `workers` different threads: all are warm before the first crop.
 */
export interface WarmUp {
  barrier: SharedArrayBuffer;
  workers: number;
  timeoutMs: number;
}

export type InferenceTask = { kind: 'describe'; warmUp?: WarmUp } | { kind: 'detect'; items: DetectTaskItem[] };

/** What the backend is, learnt once at pool start so slabs can be shaped for it. */
export interface BackendDescription {
  type: string;
  tensor: TensorSpec | null;
  maxBatch: number;
}

export interface DetectTaskResult {
  detections: Detection[][];
  /** Epoch ms (performance.timeOrigin + now()) when the detect call started, for queue wait. */
  startedMs: number;
  runMs: number;
  threadId: number;
}

export type InferenceTaskResult = BackendDescription | DetectTaskResult;
