/** What bench/run.ts hands a scenario and gets back. */
export interface BenchOptions {
  /** Tiny sizes and few iterations: keeps the harness working in CI, numbers mean nothing. */
  quick: boolean;
}

export interface Scenario {
  /** Runs, prints its table, and returns the report written as JSON. */
  run(options: BenchOptions): Promise<unknown>;
}
