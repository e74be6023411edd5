/**
 * The task function of an inference pool worker: builds the configured detector once (retried on the
 * next task if it failed), attaches each camera's crop slab once, and runs detect on views of the
 * claimed slots. The worker never frees a slot; the coordinator does when the task settles, so a worker
 * that dies mid-task cannot leak one.
 */
import { threadId, workerData } from 'node:worker_threads';
import { createDetector } from './backends/index.ts';
import { CropSlab } from './crop-slab.ts';
import type { DetectTaskItem, InferenceTask, InferenceTaskResult, InferenceWorkerData } from '../protocol.ts';
import type { Detector, DetectorInput } from './types.ts';
import { epochMs as now } from '../native/clock.ts';

const config = workerData as InferenceWorkerData;
// Slabs of removed cameras are forgotten by clearing the cache now and then; re-attaching is cheap.
const MAX_CACHED_SLABS = 4096;
const slabs = new Map<number, CropSlab>();
let detector: Promise<Detector> | undefined;

function slabOf(item: DetectTaskItem): CropSlab {
  let slab = slabs.get(item.slabId);
  if (slab === undefined) {
    if (slabs.size >= MAX_CACHED_SLABS) slabs.clear();
    slab = CropSlab.attach(item.slab);
    slabs.set(item.slabId, slab);
  }
  return slab;
}

async function getDetector(): Promise<Detector> {
  detector ??= createDetector(config.backend, config.extraBackends);
  try {
    return await detector;
  } catch (err) {
    detector = undefined;
    // A thrown error reaches the pool by structured clone, which keeps the message but not `code`.
    const code = (err as { code?: unknown }).code;
    if (err instanceof Error && typeof code === 'string' && !err.message.startsWith(code)) err.message = `${code}: ${err.message}`;
    throw err;
  }
}

export default async function runInferenceTask(task: InferenceTask): Promise<InferenceTaskResult> {
  const d = await getDetector();
  if (task.kind === 'describe') return { type: d.type, tensor: d.tensor, maxBatch: d.maxBatch };
  const inputs: DetectorInput[] = task.items.map((item) => ({
    tensor: d.tensor === null ? null : (slabOf(item).tensors[item.slot] ?? null),
    mapping: item.mapping, region: item.region, motion: item.motion, contrast: item.contrast,
  }));
  const startedMs = now();
  const detections = await d.detect(inputs);
  return { detections, startedMs, runMs: now() - startedMs, threadId };
}
