/**
 * Bench entry point: `npm run bench -- [scenario...] [--quick] [--json FILE]`; no scenario runs them all.
 * Full runs write bench/results/<scenario>-<date>.json; --quick writes only when --json is given.
 */
import { writeJson } from './lib/report.ts';
import type { Scenario } from './lib/scenario.ts';

const scenarios: Record<string, () => Promise<Scenario>> = {
  kernels: () => import('./kernels.ts'),
  transport: () => import('./transport.ts'),
  pipeline: () => import('./pipeline.ts'),
  inference: () => import('./inference.ts'),
  jpeg: () => import('./jpeg.ts'),
};

class UsageError extends Error {}

const usage = `usage: npm run bench -- [${Object.keys(scenarios).join('|')}]... [--quick] [--json FILE]`;

function parse(argv: string[]): { names: string[]; quick: boolean; json: string | undefined } {
  const names: string[] = [];
  let quick = false;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--json') json = argv[++i] ?? '';
    else if (arg === '--help' || arg === '-h') throw new UsageError(usage);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}\n${usage}`);
    else if (!(arg in scenarios)) throw new UsageError(`unknown scenario '${arg}'\n${usage}`);
    else names.push(arg);
  }
  if (names.length === 0) names.push(...Object.keys(scenarios));
  if (json !== undefined && (json === '' || names.length > 1)) throw new UsageError(`--json takes a FILE and one scenario\n${usage}`);
  return { names, quick, json };
}

async function main(): Promise<void> {
  const { names, quick, json } = parse(process.argv.slice(2));
  for (const name of names) {
    const scenario = await (scenarios[name] as () => Promise<Scenario>)();
    const report = await scenario.run({ quick });
    if (!quick || json !== undefined) console.log(`\nwrote ${writeJson(name, report, json)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err);
  process.exitCode = 1;
});
