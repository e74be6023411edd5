/**
 * A bench scenario run the way a user runs it (`bench/run.ts NAME --quick --json FILE [ARGS...]`) in a
 * child process: what it printed and the run file it wrote.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunFile } from '../../bench/lib/results.ts';

const RUNNER = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));

export function runQuickBench(scenario: string, timeoutMs: number, args: readonly string[] = []): { stdout: string; run: RunFile } {
  const dir = mkdtempSync(path.join(tmpdir(), `panoptes-bench-${scenario}-`));
  try {
    const file = path.join(dir, 'run.json');
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', RUNNER, scenario, '--quick', '--json', file, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: timeoutMs,
    });
    return { stdout, run: JSON.parse(readFileSync(file, 'utf8')) as RunFile };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
