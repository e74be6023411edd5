/**
 * Spawn bench (issue 14): how long starting a camera's ffmpeg blocks the coordinator's event loop, at
 * the resident sizes a gateway has. Node's child_process.spawn forks, and fork() copies the page
 * tables of the whole process, so its cost grows with RSS; the gateway starts ffmpegs with posix_spawn
 * (clone with CLONE_VM | CLONE_VFORK) through the addon (src/coordinator/child-process.ts). Both start
 * the product's own command line for a camera (the parent-death wrapper around ffmpeg, frames to a
 * FIFO-like fd: here /dev/null, the child exits at once with `-version`) from this process with its
 * heap grown to each RSS (touched buffers), alternating in the same run; the time is the synchronous
 * call, what the event loop waits for. Each child is awaited before the next call.
 */
import { spawn } from 'node:child_process';
import { ffmpegArgs } from '../src/ingest/ffmpeg-args.ts';
import { resolveFfmpeg } from '../src/ingest/ffmpeg-path.ts';
import { probeParentDeathGuard, wrapForParentDeath } from '../src/coordinator/child-guard.ts';
import { spawnChild } from '../src/coordinator/child-process.ts';
import { alignColumns, machineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { runTrials, type Impl, type Summary, type TrialOptions } from './lib/trials.ts';

export interface SpawnRow {
  rssMb: number;
  impl: string;
  msPerSpawn: { median: number; min: number; max: number };
  /** This row's median / panoptes-posix-spawn's at the same RSS. */
  ratio: number;
}

export interface SpawnReport {
  scenario: 'spawn';
  date: string;
  quick: boolean;
  machine: ReturnType<typeof machineFacts>;
  trial: TrialOptions;
  rows: SpawnRow[];
}

const OURS = 'panoptes-posix-spawn';
const NODE = 'node-child-process-spawn';

/** Grows this process's resident memory to about `mb` with touched buffers (kept in `into`). */
function growRss(mb: number, into: Buffer[]): number {
  while (process.memoryUsage().rss < mb * 1e6) into.push(Buffer.alloc(16 << 20, 1));
  return Math.round(process.memoryUsage().rss / 1e6);
}

export async function run(options: BenchOptions): Promise<SpawnReport> {
  const trial: TrialOptions = options.quick
    ? { trials: 3, targetMs: 5, warmupMs: 5, maxIterations: 3 }
    : { trials: 7, targetMs: 200, warmupMs: 100, maxIterations: 20 };
  await probeParentDeathGuard();
  const ffmpeg = resolveFfmpeg();
  const camera = ffmpegArgs(
    {
      url: 'lavfi:testsrc2=size=640x360:rate=5',
      transport: 'tcp',
      loop: false,
      width: 640,
      height: 360,
      fps: 5,
      format: 'gray',
      sampling: 'fixed_fps',
      minFps: 1,
      ioTimeoutMs: 5000,
      ffmpegMajor: ffmpeg.major,
      decodeThreads: 1,
    },
    'pipe:1',
  );
  // The camera's command line, made to exit at once (-version first): the spawn is timed, not the decode.
  const [command, args] = wrapForParentDeath(ffmpeg.path, ['-version', ...camera]);
  /** ns a call of `start`, each child awaited before the next. */
  const timed = (name: string, start: () => { once(event: 'exit', listener: () => void): unknown }): Impl => ({
    name,
    measure: async (n) => {
      let ns = 0;
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        const child = start();
        ns += Number(process.hrtime.bigint() - t0);
        await new Promise<void>((resolve) => child.once('exit', resolve));
      }
      return ns / n;
    },
  });
  const impls = [
    timed(OURS, () => spawnChild(command, args, ['ignore', 'ignore', 'ignore'])),
    timed(NODE, () => spawn(command, args, { stdio: 'ignore' })),
  ];
  const held: Buffer[] = [];
  const rows: SpawnRow[] = [];
  for (const target of options.quick ? [0] : [0, 200, 400, 800]) {
    const rssMb = growRss(target, held);
    const results = await runTrials(impls, trial);
    const ours = (results.get(OURS) as Summary).median;
    for (const impl of impls) {
      const s = results.get(impl.name) as Summary;
      rows.push({
        rssMb,
        impl: impl.name,
        msPerSpawn: { median: s.median / 1e6, min: s.min / 1e6, max: s.max / 1e6 },
        ratio: s.median / ours,
      });
    }
  }
  held.length = 0;
  const machine = machineFacts();
  console.log(`spawn bench${options.quick ? ' (--quick: numbers mean nothing)' : ''}: ${command} ${args.slice(0, 4).join(' ')} ...`);
  console.log(`${trial.trials} trials a contender and size, the synchronous spawn call in ms (median (min-max)), ratio to ${OURS}\n`);
  const lines = rows.map((r) => {
    const m = r.msPerSpawn;
    return [String(r.rssMb), r.impl, `${m.median.toFixed(3)} (${m.min.toFixed(3)}-${m.max.toFixed(3)})`, `${r.ratio.toFixed(1)}x`];
  });
  console.log(alignColumns(['RSS MB', 'contender', 'ms a spawn', 'ratio'], lines).join('\n'));
  return { scenario: 'spawn', date: new Date().toISOString(), quick: options.quick, machine, trial, rows };
}
