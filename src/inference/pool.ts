/**
 * The inference pool: piscina workers (default one a core) each running the configured detector on
 * batches of claimed crop slots. Crops stay in their cameras' CropSlabs; a task carries slab handles
 * (shared memory) and slot numbers, never pixels.
 *
 * A failing backend degrades instead of stopping: every failed task (the backend threw, or its worker
 * died, and piscina started a new one) is answered by the motion backend on this thread, and after
 * repeated failures a CircuitBreaker stops sending tasks at all (motion-only events) until trial tasks
 * succeed again. `infer` therefore never rejects. A backend that cannot start at all (its model is
 * missing, corrupt or of the wrong shape) does not stop the gateway either: the pool then runs without
 * workers, degraded from the start, and motion answers every candidate until the config is fixed.
 *
 * The `motion` backend itself starts no workers: it reads no pixels (a batch is microseconds of box
 * arithmetic on the notices), so it answers on this thread, where a task through piscina cost a
 * structured clone, a thread wake-up and a result message each way (README "Inference").
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { HistogramSnapshot } from '../stats/latency-histogram.ts';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from '../resilience/circuit-breaker.ts';
import { BackendUnknownError } from '../errors.ts';
import { BUILT_IN_BACKENDS, isKnownBackend, type BackendConfig } from './backends/index.ts';
import { MotionBackend, type MotionBackendOptions } from './backends/motion.ts';
import { CropMeta } from './crop-slab.ts';
import type { FaceCascadeOptions } from './face-cascade.ts';
import { PoolMeasurements, type PoolCounters } from './pool-stats.ts';
import type { ScheduledCandidate } from './scheduler.ts';
import type {
  BackendDescription,
  DetectTaskItem,
  DetectTaskResult,
  InferenceTask,
  InferenceTaskResult,
  InferenceWorkerData,
} from '../protocol.ts';
import type { Detection } from './types.ts';
import { epochMs as now } from '../native/clock.ts';

/** The batch limit the fallback motion backend has by default. */
const MOTION_MAX_BATCH = new MotionBackend().maxBatch;

/**
 * The motion backend answers on the coordinator's own thread, and every batch waits for a turn of the
 * event loop of its own, at most this many crops whatever `maxBatch` says. Before, a finished batch
 * dispatched the next in the same chain of promise jobs, so a queue of crops was worked off in one turn
 * with no timer or I/O between (at 100 busy cameras a 1 ms CPU profile of the main thread showed 5
 * stretches a second of 15-120 ms without a pause, most of them batches).
 */
const INLINE_TURN_CROPS = 8;

/** Backends that find no persons, so the face cascade has nothing to run on. */
const NO_FACE_BACKENDS: ReadonlySet<string> = new Set(['motion', 'blazeface']);

const WORKER = fileURLToPath(new URL('../../workers/inference.mjs', import.meta.url));

/** How long start waits for every worker to have its detector; a loaded machine may need seconds a model. */
const WARM_UP_TIMEOUT_MS = 120_000;

/**
 * Five failed batches in a row open the circuit; after 10 s two trial batches must succeed. Trials must
 * be at least the successes needed, or a half-open circuit could never close.
 */
export const DEFAULT_BACKEND_CIRCUIT: CircuitBreakerOptions = {
  failureThreshold: 5,
  openMs: 10_000,
  halfOpenMaxTrials: 2,
  successThreshold: 2,
};

export interface InferencePoolOptions {
  backend: BackendConfig;
  /** Worker threads; default os.availableParallelism(). */
  threads?: number;
  /** Backend types provided by other modules (type -> module URL exporting createDetector). */
  extraBackends?: Record<string, string>;
  /** The face cascade (inference.faces); none when omitted, disabled, or the backend finds no persons. */
  faces?: FaceCascadeOptions;
  breaker?: Partial<CircuitBreakerOptions>;
  /** The breaker's clock (tests advance it instead of waiting). */
  now?: () => number;
  /** Called when the pool enters or leaves degraded mode (log it, set the health state). */
  onDegradedChange?: (degraded: boolean, reason: string) => void;
}

export type FallbackReason = 'circuit_open' | 'backend_error' | 'backend_unavailable';

export interface BatchOutcome {
  /** One list a candidate, in batch order. */
  detections: Detection[][];
  source: 'backend' | 'fallback';
  reason?: FallbackReason;
}

export interface InferencePoolStats {
  backend: BackendDescription;
  threads: number;
  counters: PoolCounters;
  breaker: CircuitState;
  /** True while the breaker is not closed: events come from motion only. */
  degraded: boolean;
  lastError: string | null;
  /** Share of the workers' time spent in tasks since start (piscina). */
  utilization: number;
  queueWaitMs: HistogramSnapshot;
  runMs: HistogramSnapshot;
  captureToResultMs: HistogramSnapshot;
}

export class InferencePool {
  readonly backend: BackendDescription;
  readonly threads: number;
  readonly measurements = new PoolMeasurements();
  /** null: the backend failed to start (startError says why); motion answers everything. */
  private readonly piscina: Piscina<InferenceTask, InferenceTaskResult> | null;
  private readonly startError: string | null;
  private readonly breaker: CircuitBreaker;
  private readonly fallback = new MotionBackend();
  /** The configured motion backend, answering on this thread (no workers run); null for every other. */
  private readonly inline: MotionBackend | null;
  private readonly onDegradedChange: ((degraded: boolean, reason: string) => void) | undefined;
  private wasDegraded = false;
  private lastError: string | null = null;
  private closing = false;

  private constructor(
    piscina: Piscina<InferenceTask, InferenceTaskResult> | null,
    backend: BackendDescription,
    threads: number,
    options: InferencePoolOptions,
    startError: string | null = null,
    inline: MotionBackend | null = null,
  ) {
    this.piscina = piscina;
    this.startError = startError;
    this.inline = inline;
    this.lastError = startError;
    this.backend = backend;
    this.threads = threads;
    this.breaker = new CircuitBreaker({ ...DEFAULT_BACKEND_CIRCUIT, ...options.breaker }, options.now);
    this.onDegradedChange = options.onDegradedChange;
    piscina?.on('workerDestroy', () => {
      if (!this.closing) this.measurements.counters.workerExits++;
    });
  }

  /**
   * Starts the workers, waits until each has built its detector (otherwise the first crops a cold
   * worker takes wait for its model load, counted as queue wait: a false "at capacity" at every
   * start), and learns the backend's tensor spec and batch limit.
   */
  static async start(options: InferencePoolOptions): Promise<InferencePool> {
    const extraBackends = options.extraBackends ?? {};
    if (!isKnownBackend(options.backend.type, extraBackends)) {
      throw new BackendUnknownError(options.backend.type, [...BUILT_IN_BACKENDS, ...Object.keys(extraBackends)]);
    }
    const threads = options.threads ?? os.availableParallelism();
    const inline = options.backend.type === 'motion' && !('motion' in extraBackends) ? motionHere(options.backend) : null;
    if (inline !== null) {
      return new InferencePool(
        null,
        { type: 'motion', tensor: null, maxBatch: Math.min(inline.maxBatch, INLINE_TURN_CROPS), faces: null },
        threads,
        options,
        null,
        inline,
      );
    }
    const faces = options.faces?.enabled === true && !NO_FACE_BACKENDS.has(options.backend.type) ? options.faces : null;
    const workerData: InferenceWorkerData = { backend: options.backend, extraBackends, faces };
    const piscina = new Piscina<InferenceTask, InferenceTaskResult>({
      filename: WORKER,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
      workerData,
    });
    // Worker deaths reject their tasks (handled in infer); without a listener an idle death would throw.
    piscina.on('error', () => {});
    try {
      const warmUp = { barrier: new SharedArrayBuffer(4), workers: threads, timeoutMs: WARM_UP_TIMEOUT_MS };
      const described = await Promise.all(Array.from({ length: threads }, () => piscina.run({ kind: 'describe', warmUp })));
      return new InferencePool(piscina, described[0] as BackendDescription, threads, options);
    } catch (err) {
      await piscina.destroy();
      const reason = err instanceof Error ? err.message : String(err);
      const pool = new InferencePool(
        null,
        { type: 'motion', tensor: null, maxBatch: MOTION_MAX_BATCH, faces: null },
        threads,
        options,
        reason,
      );
      pool.onDegradedChange?.(
        true,
        `inference backend '${options.backend.type}' could not start: ${reason}; motion-only events until the config is fixed`,
      );
      pool.wasDegraded = true;
      return pool;
    }
  }

  /** The backend answers on the coordinator's thread, one batch a turn: no batch runs beside another. */
  get runsInline(): boolean {
    return this.inline !== null;
  }

  get degraded(): boolean {
    return this.startError !== null || this.breaker.state !== 'closed';
  }

  /** Detections for a batch of claimed candidates: from the backend, or from motion when it fails. */
  async infer(batch: readonly ScheduledCandidate[]): Promise<BatchOutcome> {
    const c = this.measurements.counters;
    if (this.inline !== null) {
      await nextTurn();
      return this.inferHere(this.inline, batch);
    }
    if (this.piscina === null) return this.answerWithFallback(batch, 'backend_unavailable');
    if (!this.breaker.tryAcquire()) {
      c.shortCircuited++;
      return this.answerWithFallback(batch, 'circuit_open');
    }
    const items: DetectTaskItem[] = batch.map(({ notice, slab }) => ({
      slabId: slab.id,
      slab: slab.buffer,
      slot: notice.slot,
      region: notice.region,
      mapping: notice.mapping,
      motion: notice.motion,
      contrast: notice.contrast,
    }));
    // Read while the slots are claimed: the writer cannot reuse them until the scheduler releases.
    const committed = batch.map(({ notice, slab }) => slab.metaOf(notice.slot, CropMeta.CommitMs));
    c.tasks++;
    try {
      const result = (await this.piscina.run({ kind: 'detect', items })) as DetectTaskResult;
      if (result.detections.length !== batch.length) {
        throw new Error(`backend returned ${result.detections.length} results for ${batch.length} inputs`);
      }
      this.breaker.recordSuccess();
      c.crops += batch.length;
      c.faceSearches += result.faces.searched;
      c.facesFound += result.faces.found;
      c.faceMs += result.faces.ms;
      const m = this.measurements;
      m.run.observe(result.runMs);
      const done = now();
      for (let i = 0; i < batch.length; i++) {
        m.queueWait.observe(result.startedMs - (committed[i] as number));
        m.captureToResult.observe(done - (batch[i] as ScheduledCandidate).notice.captureMs);
      }
      this.reportDegraded();
      return { detections: result.detections, source: 'backend' };
    } catch (err) {
      c.failedTasks++;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.breaker.recordFailure();
      return this.answerWithFallback(batch, 'backend_error');
    }
  }

  stats(): InferencePoolStats {
    const m = this.measurements;
    return {
      backend: this.backend,
      threads: this.threads,
      counters: { ...m.counters },
      breaker: this.breaker.state,
      degraded: this.degraded,
      lastError: this.lastError,
      utilization: this.piscina?.utilization ?? 0,
      queueWaitMs: m.queueWait.snapshot(),
      runMs: m.run.snapshot(),
      captureToResultMs: m.captureToResult.snapshot(),
    };
  }

  /** Waits for running tasks, then stops the workers. */
  async close(): Promise<void> {
    this.closing = true;
    await this.piscina?.close();
  }

  /** The motion backend's answer on this thread, measured as a task would be. */
  private inferHere(backend: MotionBackend, batch: readonly ScheduledCandidate[]): BatchOutcome {
    const m = this.measurements;
    const startedMs = now();
    const detections = batch.map(({ notice }) => backend.detectOne(notice));
    const done = now();
    m.counters.tasks++;
    m.counters.crops += batch.length;
    m.run.observe(done - startedMs);
    for (const { notice, slab } of batch) {
      m.queueWait.observe(startedMs - slab.metaOf(notice.slot, CropMeta.CommitMs));
      m.captureToResult.observe(done - notice.captureMs);
    }
    return { detections, source: 'backend' };
  }

  private answerWithFallback(batch: readonly ScheduledCandidate[], reason: FallbackReason): BatchOutcome {
    this.measurements.counters.fallbackCrops += batch.length;
    this.reportDegraded();
    return { detections: batch.map(({ notice }) => this.fallback.detectOne(notice)), source: 'fallback', reason };
  }

  private reportDegraded(): void {
    const degraded = this.degraded;
    if (degraded === this.wasDegraded) return;
    this.wasDegraded = degraded;
    this.onDegradedChange?.(
      degraded,
      degraded
        ? `inference backend '${this.backend.type}' failing (${this.lastError ?? 'unknown error'}): motion-only events`
        : `inference backend '${this.backend.type}' recovered`,
    );
  }
}

/** The motion backend built from the config, or null when its options are invalid (the pool path reports them). */
function motionHere(options: BackendConfig): MotionBackend | null {
  try {
    return new MotionBackend(options as MotionBackendOptions);
  } catch {
    return null;
  }
}
