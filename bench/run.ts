/**
 * Bench entry point: `npm run bench -- [SCENARIO...] [options]` (= `panoptes bench ...`); no scenario
 * runs them all. Options in bench/lib/cli.ts. Full runs write bench/results/<scenario>-<date>.json
 * (--quick only with --results-dir); --json FILE writes one file with every scenario, its uniform
 * cases and the machine facts; at the end, one table of every scenario's headline cases.
 */
import { relative, resolve } from 'node:path';
import { casesOf } from './lib/adapters.ts';
import { resultsTable, type ResultCase } from './lib/cases.ts';
import { BenchUsageError, parseBenchArgs, usage } from './lib/cli.ts';
import { compareRuns, compareTable } from './lib/compare.ts';
import { describeMachine, machineFacts } from './lib/machine.ts';
import { ProgressBar } from './lib/progress.ts';
import { RESULTS_DIR, resultPath, writeJson } from './lib/report.ts';
import { readCases, ResultsFileError, RUN_FORMAT, type RunFile } from './lib/results.ts';
import type { Scenario } from './lib/scenario.ts';

const scenarios: Record<string, () => Promise<Scenario>> = {
  kernels: () => import('./kernels.ts'),
  transport: () => import('./transport.ts'),
  pipeline: () => import('./pipeline.ts'),
  inference: () => import('./inference.ts'),
  jpeg: () => import('./jpeg.ts'),
  fanout: () => import('./fanout.ts'),
  density: () => import('./density.ts'),
  'detect-size': () => import('./detect-size.ts'),
  detect: () => import('./detect.ts'),
  'events-db': () => import('./events-db.ts'),
  recording: () => import('./recording.ts'),
  'full-frame': () => import('./full-frame.ts'),
  live: () => import('./live.ts'),
  site: () => import('./site.ts'),
  soak: () => import('./soak.ts'),
  spawn: () => import('./spawn.ts'),
};
const NAMES = Object.keys(scenarios);

/** A path as the user would type it: relative when under the current directory, else absolute. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? resolve(file) : rel;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, NAMES);
  if (args.help) {
    console.log(usage(NAMES));
    return;
  }
  // Read the old file first: a bad path should fail now, not after the run.
  const old = args.compare === undefined ? undefined : readCases(args.compare);
  const writeEach = !args.quick || args.resultsDir !== undefined;
  const resultsDir = args.resultsDir ?? RESULTS_DIR;
  const reports: Record<string, unknown> = {};
  const cases: ResultCase[] = [];
  for (const name of args.names) {
    const scenario = await (scenarios[name] as () => Promise<Scenario>)();
    const progress = new ProgressBar(name, process.stderr, args.quick);
    const report = await scenario.run({
      quick: args.quick,
      progress,
      density: args.density,
      model: args.model,
      ...(args.levels ? { levels: args.levels } : {}),
      ...(args.holdS === undefined ? {} : { holdS: args.holdS }),
      profile: args.profile,
      ...(writeEach ? { resultsDir } : {}),
    });
    progress.done();
    reports[name] = report;
    cases.push(...casesOf(name, report));
    if (writeEach) console.log(`\nwrote ${shown(writeJson(resultPath(name, 'json', resultsDir), report))}`);
  }
  const style = args.markdown ? 'markdown' : 'text';
  const machine = machineFacts();
  console.log(
    `\n${args.markdown ? '## Results' : 'Results'} (${describeMachine(machine)}; median (min-max) over each scenario's trials)\n`,
  );
  console.log(resultsTable(cases, style).join('\n'));
  if (old !== undefined) {
    console.log(compareTable(compareRuns(old, cases), style, shown(args.compare as string)).join('\n'));
    if (args.quick) console.log('(--quick: 3 trials a case and tiny sizes; a flag here says little, compare full runs)');
  }
  if (args.json !== undefined) {
    const file: RunFile = { format: RUN_FORMAT, date: new Date().toISOString(), quick: args.quick, argv, machine, cases, reports };
    console.log(`\nwrote ${shown(writeJson(args.json, file))}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof BenchUsageError || err instanceof ResultsFileError ? err.message : err);
  process.exitCode = 1;
});
