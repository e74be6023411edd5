/**
 * The trial loop shared by every scenario: warm each implementation up, size its iteration count to a
 * time budget, then run repeated trials that alternate the implementations (rotating the start so no
 * one always runs first after another's cache footprint), and summarise with median, min and max.
 */

/** One contender in a case; `measure` runs `iterations` calls and returns nanoseconds per call. */
export interface Impl {
  name: string;
  measure(iterations: number): number | Promise<number>;
}

export interface TrialOptions {
  trials: number;
  /** Wall time of one implementation's share of one trial. */
  targetMs: number;
  /** Warm-up time per implementation before sizing (JIT, caches, OpenCV's first-call allocations). */
  warmupMs: number;
  /** Cap on iterations per trial, so a very fast kernel still alternates often. */
  maxIterations: number;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
  iterations: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarise(samples: readonly number[], iterations: number): Summary {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples], iterations };
}

/** Times a synchronous body in-process: ns per call over `iterations` calls. */
export function timeLoop(iterations: number, body: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body();
  return Number(process.hrtime.bigint() - start) / iterations;
}

async function warmUp(impl: Impl, options: TrialOptions): Promise<number> {
  const deadline = performance.now() + options.warmupMs;
  let iterations = 1;
  let perCall = 0;
  let rounds = 0;
  // Grow the batch until one batch is a tenth of the trial budget, and keep running to the deadline.
  do {
    perCall = Number(await impl.measure(iterations));
    rounds++;
    if (perCall * iterations < options.targetMs * 1e5) iterations = Math.min(iterations * 2, options.maxIterations);
  } while (performance.now() < deadline || rounds < 2);
  return perCall;
}

/** Runs every implementation through warm-up and `trials` alternating trials. */
export async function runTrials(impls: readonly Impl[], options: TrialOptions): Promise<Map<string, Summary>> {
  const iterations = new Map<string, number>();
  for (const impl of impls) {
    const perCall = await warmUp(impl, options);
    const n = Math.ceil((options.targetMs * 1e6) / Math.max(perCall, 1));
    iterations.set(impl.name, Math.max(1, Math.min(n, options.maxIterations)));
  }
  const samples = new Map<string, number[]>(impls.map((impl) => [impl.name, []]));
  for (let t = 0; t < options.trials; t++) {
    for (let k = 0; k < impls.length; k++) {
      const impl = impls[(t + k) % impls.length] as Impl;
      (samples.get(impl.name) as number[]).push(Number(await impl.measure(iterations.get(impl.name) as number)));
    }
  }
  const out = new Map<string, Summary>();
  for (const impl of impls) out.set(impl.name, summarise(samples.get(impl.name) as number[], iterations.get(impl.name) as number));
  return out;
}

/** A contender whose trial is a fixed batch (its size lives in the closure) returning any sample. */
export interface BatchImpl<T> {
  name: string;
  trial(): T | Promise<T>;
}

/**
 * For scenarios whose trial is not "n calls of one body" (a fixed count of frames through a worker,
 * several numbers a trial): `warmup` discarded rounds, then `trials` rounds alternating the
 * contenders with the same rotating start as runTrials. Returns each contender's samples in order.
 */
export async function alternateBatches<T>(impls: readonly BatchImpl<T>[], trials: number, warmup: number): Promise<Map<string, T[]>> {
  const samples = new Map<string, T[]>(impls.map((impl) => [impl.name, []]));
  for (let t = 0; t < warmup + trials; t++) {
    for (let k = 0; k < impls.length; k++) {
      const impl = impls[(t + k) % impls.length] as BatchImpl<T>;
      const sample = await impl.trial();
      if (t >= warmup) (samples.get(impl.name) as T[]).push(sample);
    }
  }
  return samples;
}
