/**
 * The file `--json FILE` writes: every scenario's full report, their uniform cases and the machine
 * facts of the run, in one document; and reading one back for --compare, including the single-scenario
 * reports older runs wrote to bench/results (their cases are derived from the report).
 */
import { readFileSync } from 'node:fs';
import { casesOf } from './adapters.ts';
import type { ResultCase } from './cases.ts';
import type { MachineFacts } from './machine.ts';

export const RUN_FORMAT = 'panoptes-bench-run/1';

export interface RunFile {
  format: typeof RUN_FORMAT;
  date: string;
  quick: boolean;
  /** The command line after `bench`, to rerun the same thing. */
  argv: string[];
  machine: MachineFacts;
  cases: ResultCase[];
  reports: Record<string, unknown>;
}

export class ResultsFileError extends Error {
  readonly code = 'E_BENCH_RESULTS_FILE';
}

function isRunFile(v: unknown): v is RunFile {
  return typeof v === 'object' && v !== null && (v as { format?: unknown }).format === RUN_FORMAT && Array.isArray((v as RunFile).cases);
}

/** The cases in a results file: a run file's own, or those derived from a one-scenario report. */
export function readCases(file: string): ResultCase[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ResultsFileError(
      `cannot read ${file} as JSON (${(err as Error).message}); pass a file written by --json or from bench/results`,
    );
  }
  if (isRunFile(data)) return data.cases;
  const scenario = typeof data === 'object' && data !== null ? (data as { scenario?: unknown }).scenario : undefined;
  const cases = typeof scenario === 'string' ? casesOf(scenario, data) : [];
  if (cases.length === 0) {
    throw new ResultsFileError(
      `${file} holds no bench results this harness knows: expected a --json run file (format ${RUN_FORMAT}) or a bench/results/<scenario>-<date>.json report`,
    );
  }
  return cases;
}
