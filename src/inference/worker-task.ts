/**
 * The task function of an inference pool worker: builds the configured detector once (retried on the
 * next task if it failed), attaches each camera's crop slab once, and runs detect on views of the
 * claimed slots, then the face cascade on the persons found, reading the colour snapshot each slot
 * holds. The worker never frees a slot; the coordinator does when the task settles, so a worker that
 * dies mid-task cannot leak one (and the snapshot cannot change while the cascade reads it).
 *
 * A face model that cannot be loaded is tried once a worker: detection goes on without faces, and the
 * error is reported in the describe answer (the coordinator logs it once and degrades health).
 */
import { threadId, workerData } from 'node:worker_threads';
import { createDetector } from './backends/index.ts';
import { CropMeta, CropSlab } from './crop-slab.ts';
import { createFaceCascade, type FaceCascade, type FaceSearchStats, type FrameSnapshot } from './face-cascade.ts';
import { snapshotRect, SNAPSHOT_MARGIN } from './region-copy.ts';
import type { DetectTaskItem, FaceCascadeStatus, InferenceTask, InferenceTaskResult, InferenceWorkerData, WarmUp } from '../protocol.ts';
import type { Detector, DetectorInput } from './types.ts';
import { epochMs as now } from '../native/clock.ts';

const config = workerData as InferenceWorkerData;
// Slabs of removed cameras are forgotten by clearing the cache now and then; re-attaching is cheap.
const MAX_CACHED_SLABS = 4096;
const slabs = new Map<number, CropSlab>();
let detector: Promise<Detector> | undefined;
let faces: Promise<FaceCascade | null> | undefined;
let facesError: string | null = null;

function slabOf(item: DetectTaskItem): CropSlab {
  let slab = slabs.get(item.slabId);
  if (slab === undefined) {
    if (slabs.size >= MAX_CACHED_SLABS) slabs.clear();
    slab = CropSlab.attach(item.slab);
    slabs.set(item.slabId, slab);
  }
  return slab;
}

/** A thrown error reaches the pool by structured clone, which keeps the message but not `code`. */
function withCode(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (err instanceof Error && typeof code === 'string' && !err.message.startsWith(code)) err.message = `${code}: ${err.message}`;
  return err;
}

async function getDetector(): Promise<Detector> {
  detector ??= createDetector(config.backend, config.extraBackends);
  try {
    return await detector;
  } catch (err) {
    detector = undefined;
    throw withCode(err);
  }
}

/** Arrives at the start-up barrier and blocks this (otherwise idle) thread until every worker has. */
function meetAtBarrier({ barrier, workers, timeoutMs }: WarmUp): void {
  const count = new Int32Array(barrier);
  let seen = Atomics.add(count, 0, 1) + 1;
  Atomics.notify(count, 0);
  const deadline = now() + timeoutMs;
  while (seen < workers) {
    const left = deadline - now();
    if (left <= 0) return;
    Atomics.wait(count, 0, seen, left);
    seen = Atomics.load(count, 0);
  }
}

function getFaces(): Promise<FaceCascade | null> {
  const options = config.faces;
  faces ??=
    options === null
      ? Promise.resolve(null)
      : createFaceCascade(options).catch((err: unknown) => {
          const coded = withCode(err);
          facesError = coded instanceof Error ? coded.message : String(coded);
          return null;
        });
  return faces;
}

function faceStatus(): FaceCascadeStatus | null {
  return config.faces === null ? null : { model: config.faces.modelPath ?? config.faces.model, error: facesError };
}

/** The slot's colour snapshot, or null when the slab keeps none (the camera's format has no colour snapshot). */
function snapshotOf(item: DetectTaskItem): FrameSnapshot | null {
  const slab = slabOf(item);
  const data = slab.snapshots[item.slot];
  if (slab.snapshot === null || data === undefined) return null;
  const { format, width, height } = slab.snapshot;
  return { data, format, width, height, valid: snapshotRect(item.region, SNAPSHOT_MARGIN, width, height) };
}

export default async function runInferenceTask(task: InferenceTask): Promise<InferenceTaskResult> {
  const d = await getDetector();
  const cascade = await getFaces();
  if (task.kind === 'describe') {
    if (task.warmUp) meetAtBarrier(task.warmUp);
    return { type: d.type, tensor: d.tensor, maxBatch: d.maxBatch, faces: faceStatus() };
  }
  const inputs: DetectorInput[] = task.items.map((item) => ({
    tensor: d.tensor === null ? null : (slabOf(item).tensors[item.slot] ?? null),
    mapping: item.mapping,
    region: item.region,
    motion: item.motion,
    contrast: item.contrast,
  }));
  const startedMs = now();
  const detections = await d.detect(inputs);
  const stats: FaceSearchStats = { searched: 0, found: 0, ms: 0 };
  if (cascade !== null) {
    for (let i = 0; i < task.items.length; i++) {
      const item = task.items[i] as DetectTaskItem;
      // The channel worker skips the search for tracked people between face intervals (CropMeta.Faces).
      if (slabOf(item).metaOf(item.slot, CropMeta.Faces) === 0) continue;
      const snapshot = snapshotOf(item);
      if (snapshot !== null) await cascade.attach(detections[i] ?? [], snapshot, stats);
    }
  }
  return { detections, startedMs, runMs: now() - startedMs, threadId, faces: stats };
}
