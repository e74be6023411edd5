/**
 * Inference bench: crops/s and per-crop latency of the inference pool (piscina, one worker a core, two
 * batches in flight a worker, crops read from CropSlabs in shared memory) at batch sizes 1, 4 and 8,
 * against calling the same backend on the main thread, one batch after another. Backends: `motion`
 * (no pixels: the pool's own overhead, since the work is tiny) and, when onnxruntime is available, the
 * `onnx` backend on a generated YOLOv8-shaped model (320x320 input; it reads every pixel, 84x100 output).
 * Contenders alternate within each trial after warm-up; a trial is a fixed number of crops. With
 * `--model PATH` a real ONNX detector (YOLO) joins the same comparison; none is committed or downloaded.
 *
 * Then end to end (fixtures/inference-e2e.ts): 50 cameras through the real Site against 10, reporting
 * capture -> event and capture -> detection latency, events/s, dropped crops and CPU.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createDetector, type BackendConfig } from '../src/inference/backends/index.ts';
import { InferencePool } from '../src/inference/pool.ts';
import type { ScheduledCandidate } from '../src/inference/scheduler.ts';
import type { Detector, DetectorInput, TensorSpec } from '../src/inference/types.ts';
import { writeModel, yoloV8Item } from '../test/support/onnx-models.ts';
import { TestCamera } from '../test/inference/fixtures/test-camera.ts';
import { alignColumns, machineFacts, type MachineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { e2ePlan, e2eTable, measureE2e, type E2eReport } from './fixtures/inference-e2e.ts';
import { alternateBatches, summarise, type BatchImpl, type Summary } from './lib/trials.ts';

const BATCHES = [1, 4, 8] as const;
const CAMERAS = 8;
const SLOTS = 32;

interface Sample {
  cropsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface InferenceRow {
  backend: string;
  batch: number;
  where: 'pool' | 'main-thread';
  cropsPerSecond: Summary;
  p50Ms: Summary;
  p99Ms: Summary;
  /** Pool crops/s / main-thread crops/s at the same batch size (above 1: the pool is faster). */
  throughputRatio: number | null;
}

export interface InferenceReport {
  scenario: 'inference';
  date: string;
  quick: boolean;
  machine: MachineFacts;
  threads: number;
  cropsPerTrial: Record<string, number>;
  rows: InferenceRow[];
  notes: string[];
  e2e: E2eReport;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Claims `n` crops round robin over the cameras (the scheduler's job in the gateway). */
function claimBatch(cameras: TestCamera[], n: number, next: { at: number }): ScheduledCandidate[] {
  const batch: ScheduledCandidate[] = [];
  for (let i = 0; i < n; i++) {
    const cam = cameras[next.at++ % cameras.length] as TestCamera;
    const notice = cam.emit(0, (next.at % 200) / 255);
    if (!notice || !cam.slab.claim(notice.slot, notice.seq)) throw new Error('bench slab exhausted');
    notice.motion = [
      { x: 10, y: 10, width: 40, height: 60, area: 1500 },
      { x: 45, y: 20, width: 30, height: 30, area: 600 },
    ];
    batch.push({ notice, slab: cam.slab, arrivedMs: 0 });
  }
  return batch;
}

function samples(latencies: Float64Array, crops: number, elapsedMs: number): Sample {
  const sorted = Float64Array.from(latencies.subarray(0, crops)).sort();
  return { cropsPerSecond: (crops / elapsedMs) * 1e3, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
}

/**
 * A contender that pushes `crops` crops through `infer` in batches of `batch`, `lanes` batches in flight;
 * each crop's latency is its batch's infer() time.
 */
function contender(
  name: string,
  cameras: TestCamera[],
  batch: number,
  crops: number,
  lanes: number,
  infer: (items: ScheduledCandidate[]) => Promise<unknown>,
): BatchImpl<Sample> {
  const latencies = new Float64Array(crops);
  const next = { at: 0 };
  return {
    name,
    trial: async () => {
      let issued = 0;
      let done = 0;
      const start = performance.now();
      const lane = async (): Promise<void> => {
        while (issued < crops) {
          const items = claimBatch(cameras, Math.min(batch, crops - issued), next);
          issued += items.length;
          const t0 = performance.now();
          await infer(items);
          const ms = performance.now() - t0;
          for (const c of items) {
            c.slab.release(c.notice.slot);
            latencies[done++] = ms;
          }
        }
      };
      await Promise.all(Array.from({ length: lanes }, lane));
      return samples(latencies, done, performance.now() - start);
    },
  };
}

const poolContender = (pool: InferencePool, cameras: TestCamera[], batch: number, crops: number): BatchImpl<Sample> =>
  contender(`pool b${batch}`, cameras, batch, crops, pool.threads * 2, (items) => pool.infer(items));

/** The same backend on this thread, one batch after another, reading the same slab views. */
const mainContender = (detector: Detector, cameras: TestCamera[], batch: number, crops: number): BatchImpl<Sample> =>
  contender(`main-thread b${batch}`, cameras, batch, crops, 1, (items) =>
    detector.detect(
      items.map(
        ({ notice, slab }): DetectorInput => ({
          tensor: detector.tensor === null ? null : (slab.tensors[notice.slot] ?? null),
          mapping: notice.mapping,
          region: notice.region,
          motion: notice.motion,
          contrast: notice.contrast,
        }),
      ),
    ),
  );

/** `poolConfig` may differ from the main thread's where a backend threads itself (onnx: one thread a worker). */
async function benchBackend(
  label: string,
  config: BackendConfig,
  poolConfig: BackendConfig,
  crops: number,
  trials: number,
  warmup: number,
): Promise<{ rows: InferenceRow[]; threads: number }> {
  const pool = await InferencePool.start({ backend: poolConfig });
  const detector = await createDetector(config);
  const tensor: TensorSpec | null = pool.backend.tensor;
  const cameras = Array.from({ length: CAMERAS }, (_, i) => new TestCamera(`cam${i}`, SLOTS, tensor));
  try {
    const impls = BATCHES.flatMap((b) => [poolContender(pool, cameras, b, crops), mainContender(detector, cameras, b, crops)]);
    const results = await alternateBatches(impls, trials, warmup);
    const rows: InferenceRow[] = [];
    for (const b of BATCHES) {
      const summary = (where: 'pool' | 'main-thread'): Omit<InferenceRow, 'throughputRatio'> => {
        const s = results.get(`${where} b${b}`) as Sample[];
        return {
          backend: label,
          batch: b,
          where,
          cropsPerSecond: summarise(
            s.map((x) => x.cropsPerSecond),
            crops,
          ),
          p50Ms: summarise(
            s.map((x) => x.p50Ms),
            crops,
          ),
          p99Ms: summarise(
            s.map((x) => x.p99Ms),
            crops,
          ),
        };
      };
      const p = summary('pool');
      const m = summary('main-thread');
      rows.push({ ...p, throughputRatio: p.cropsPerSecond.median / m.cropsPerSecond.median }, { ...m, throughputRatio: null });
    }
    return { rows, threads: pool.threads };
  } finally {
    await detector.close();
    await pool.close();
  }
}

/** A YOLOv8-shaped model (80 classes, 100 candidates) whose outputs shift with the mean of every pixel. */
function onnxModel(dir: string): string {
  const candidates = Array.from({ length: 100 }, (_, i) => ({
    cx: 40 + (i % 10) * 25,
    cy: 40 + Math.floor(i / 10) * 25,
    w: 30,
    h: 50,
    classScores: [i % 7 === 0 ? 0.8 : 0.05],
  }));
  const base = yoloV8Item(candidates, 80);
  return writeModel(dir, 'bench-yolov8.onnx', {
    inputDims: ['batch', 3, 320, 320],
    outputs: [{ name: 'output0', dims: ['batch', 84, 100], base, gain: new Float32Array(base.length).fill(0.01) }],
  });
}

const NOTES = [
  'pool: InferencePool.infer on claimed CropSlab slots, threads x 2 batches in flight; latency = infer() call to result',
  '  (structured clone of the task, piscina queue, detect in the worker, result back), each crop of a batch gets its batch time.',
  'main-thread: the same backend called directly, one batch after another; latency = the detect call.',
  "onnx: the pool's sessions run one intra-op thread each (workers = cores), the main thread's session onnxruntime's",
  '  default (a thread a core). The generated model only reduces its input (mean of every pixel) into a constant',
  '  84x100 output: a real detector costs 10-100 ms a crop, so these rows show overhead, not model speed.',
  'ratio: pool crops/s / main-thread crops/s at the same batch size; above 1 the pool is faster.',
  'motion does microseconds of work a crop, so its rows measure the pool overhead; the main thread wins there, and the',
  '  gateway still uses the pool so a slow backend never runs on the coordinator thread.',
];

const E2E_NOTES = [
  'capture->event: event.startMs (capture time of the frame that started the event, stamped by the ring producer) to',
  "  the start message reaching the event bus; capture->detection: a frame's captureMs to its tracked detections",
  "  reaching onDetections (frames with detections only). Both on the ring's clock (src/ring/clock.ts epochMs).",
  "dropped crops: the slabs' queue_full + in_flight_full + discarded counters over the window; CPU: % of all cores,",
  '  the gateway process (coordinator, channel and pool workers) + its ffmpeg children, (other) the rest of the machine.',
  'baseline: the same site at 10 cameras (1 in --quick), the floor of the path (the scheduler waits up to maxWaitMs 10 ms',
  '  for a batch to fill, then thread hops), so the ratio is what 50 cameras cost an operator. Pool threads are not the',
  '  comparison: motion does microseconds a crop (above), so 1 thread against 2 would measure noise.',
];

function fmt(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

const range = (s: Summary): string => `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})`;

export function formatReport(report: InferenceReport): string {
  const header = ['backend', 'batch', 'where', 'crops/s median (min-max)', 'p50 ms', 'p99 ms', 'pool vs main'];
  const body = report.rows.map((r) => [
    r.backend,
    String(r.batch),
    r.where,
    range(r.cropsPerSecond),
    fmt(r.p50Ms.median),
    fmt(r.p99Ms.median),
    r.throughputRatio === null
      ? 'baseline'
      : r.throughputRatio >= 1
        ? `${fmt(r.throughputRatio)}x faster`
        : `${fmt(1 / r.throughputRatio)}x SLOWER`,
  ]);
  const m = report.machine;
  return [
    `inference bench${report.quick ? ' (--quick: tiny counts, numbers mean nothing)' : ''}`,
    `${m.cpu}, ${m.cores} cores, ${m.platform}, node ${m.node}, commit ${m.gitCommit ?? 'none'}; pool threads ${report.threads}`,
    `crops a trial: ${Object.entries(report.cropsPerTrial)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
    ...alignColumns(header, body, 3),
    '',
    ...report.notes,
    '',
    ...e2eTable(report.e2e),
    ...E2E_NOTES,
  ].join('\n');
}

export async function measure(options: BenchOptions): Promise<InferenceReport> {
  // The onnx backend logs at info when a detector opens (in every worker): keep the table readable.
  process.env['PANOPTES_LOG_LEVEL'] ??= 'warn';
  const trials = options.quick ? 2 : 7;
  const warmup = options.quick ? 1 : 2;
  const cropsPerTrial: Record<string, number> = { motion: options.quick ? 48 : 4000 };
  const rows: InferenceRow[] = [];
  const plan = e2ePlan(options.quick);
  const poolSteps = options.model === undefined ? 2 : 3;
  const total = poolSteps + plan.levels.length * plan.rounds;
  options.progress?.step(0, total, 'pool: motion');
  const motion = await benchBackend('motion', { type: 'motion' }, { type: 'motion' }, cropsPerTrial.motion as number, trials, warmup);
  rows.push(...motion.rows);
  options.progress?.step(1, total, 'pool: onnx, generated model');
  const dir = mkdtempSync(join(tmpdir(), 'panoptes-bench-onnx-'));
  try {
    cropsPerTrial.onnx = options.quick ? 16 : 400;
    const config = { type: 'onnx', modelPath: onnxModel(dir), output: 'yolov8', maxBatch: 8 };
    rows.push(
      ...(await benchBackend('onnx yolov8-shaped 320', config, { ...config, threads: 1 }, cropsPerTrial.onnx, trials, warmup)).rows,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (options.model !== undefined) {
    // A real detector costs 10-100 ms a crop on a CPU: fewer crops a trial keep the run in minutes.
    const label = `onnx ${basename(options.model)}`;
    options.progress?.step(2, total, `pool: ${label}`);
    cropsPerTrial[label] = options.quick ? 8 : 48;
    const config = { type: 'onnx', modelPath: options.model, maxBatch: 8 };
    rows.push(...(await benchBackend(label, config, { ...config, threads: 1 }, cropsPerTrial[label], trials, warmup)).rows);
  }
  const e2e = await measureE2e(plan, options.progress, poolSteps);
  return {
    scenario: 'inference',
    date: new Date().toISOString(),
    quick: options.quick,
    machine: machineFacts({}),
    threads: motion.threads,
    cropsPerTrial,
    rows,
    notes: NOTES,
    e2e,
  };
}

export async function run(options: BenchOptions): Promise<InferenceReport> {
  const report = await measure(options);
  console.log(formatReport(report));
  return report;
}
