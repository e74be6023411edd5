/** What bench/run.ts hands a scenario and gets back. */
import type { DensityArgs } from './cli.ts';
import type { Progress } from './progress.ts';

export interface BenchOptions {
  /** Tiny sizes and few iterations: keeps the harness working in CI, numbers mean nothing. */
  quick: boolean;
  /** Steps of a long run (the bar on a terminal); absent when a test calls a scenario directly. */
  progress?: Progress;
  /**
   * Where this run writes its results (bench/results unless --results-dir): a scenario that writes
   * more than its JSON (density's SVG) puts it here; absent: the run writes nothing.
   */
  resultsDir?: string;
  /** The density scenario's own options (--source, --size, ...), validated by the CLI. */
  density?: DensityArgs;
  /** A real ONNX detector for the inference scenario (`--model PATH`). */
  model?: string;
  /** The detect scenario's camera counts (`--levels`), instead of its full ramp. */
  levels?: number[];
  /** How long the site scenario holds each level (`--hold`). */
  holdS?: number;
  /** The site scenario writes the gateway's CPU profiles (`--profile`). */
  profile?: boolean;
}

export interface Scenario {
  /** Runs, prints its table, and returns the report written as JSON. */
  run(options: BenchOptions): Promise<unknown>;
}
