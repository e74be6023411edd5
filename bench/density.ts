/**
 * Density bench: the capacity answer an operator asks for. Ramps the number of cameras (synthetic:
 * pre-decoded frames written by a feeder process into a frame pipe a camera, which the camera's channel
 * worker reads as it reads ffmpeg's; or H.264 from a local GStreamer RTSP server decoded by ffmpeg) at a
 * given size and analysis rate, and reports the largest count sustained for the hold with under 1% of
 * frames dropped and p99 capture-to-result under the budget, with CPU and RSS a camera. The levels are
 * the pipeline bench's (bench/fixtures/pipeline-level.ts: every level in a fresh process, settle, warm-
 * up, then windows); several worker counts alternate within each level. Writes an SVG of drops and p99
 * against camera count next to the run's JSON (bench/results/density-<date>.svg).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runRtspLevel, runSyntheticLevel, type LevelSummary } from './fixtures/pipeline-level.ts';
import { MAX_DROP_SHARE } from './fixtures/pipeline-protocol.ts';
import { DETECTOR_TENSOR } from './fixtures/pipeline-settings.ts';
import { fixed, spreadText } from './fixtures/pipeline-tables.ts';
import { RTSP_FRAME, type DensityArgs, type DensitySource } from './lib/cli.ts';
import { describeMachine, machineFacts, type MachineFacts } from './lib/machine.ts';
import { silentProgress, Steps } from './lib/progress.ts';
import { alignColumns, resultPath } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { lineChart } from './lib/svg-chart.ts';

export interface DensityPlan {
  source: DensitySource;
  width: number;
  height: number;
  fps: number;
  holdS: number;
  budgetMs: number;
  levels: number[];
  workers: number[];
  settleTimeoutMs: number;
  warmupMs: number;
  windowMs: number;
  windows: number;
}

/** A level as measured, with density's own verdict (its budget, not the pipeline bench's 50 ms). */
export interface DensityLevel extends LevelSummary {
  /** false: the level's process failed or hung; its numbers are zeros and `failures` says why. */
  completed: boolean;
  windows: number;
  settleS: number | null;
  /** CPU of one camera, % of one core (cpuPercent is of all cores). */
  cpuPercentPerCamera: number;
  /** Synthetic: cameras whose frames came through their frame pipe (null: RTSP, or the level failed). */
  pipedCameras: number | null;
}

export interface Capacity {
  workers: number;
  /** Largest N sustained before the first level that was not (0: none). */
  maxSustained: number;
  firstFailing: number | null;
  at: DensityLevel | null;
}

export interface DensityReport {
  scenario: 'density';
  date: string;
  quick: boolean;
  machine: MachineFacts;
  plan: DensityPlan;
  levels: DensityLevel[];
  capacity: Capacity[];
  answer: string;
  svg: string | null;
  notes: string[];
}

function ramp(from: number, step: number, max: number): number[] {
  const out: number[] = [];
  for (let n = from; n <= max; n += step) out.push(n);
  return out;
}

export function densityPlan(args: DensityArgs, quick: boolean, cores = os.availableParallelism()): DensityPlan {
  const source = args.source ?? 'synthetic';
  const frame = source === 'rtsp' ? RTSP_FRAME : { width: args.width ?? 640, height: args.height ?? 360, fps: args.fps ?? 5 };
  const holdS = args.holdS ?? (quick ? 2 : 10);
  // Windows of about 2 s: enough frames at 5 fps for a per-window p99, several of them for its spread.
  const windows = Math.max(2, Math.round(holdS / 2));
  const defaults = quick
    ? { from: 2, step: 2, max: 4 }
    : source === 'rtsp'
      ? { from: 25, step: 25, max: 300 }
      : { from: 100, step: 100, max: 2000 };
  const from = args.from ?? defaults.from;
  return {
    source,
    ...frame,
    holdS,
    budgetMs: args.budgetMs ?? 50,
    levels: ramp(from, args.step ?? defaults.step, args.max ?? Math.max(from, defaults.max)),
    workers: args.workers ?? [cores],
    settleTimeoutMs: quick ? (source === 'rtsp' ? 20_000 : 5000) : 60_000,
    warmupMs: quick ? 300 : 3000,
    windowMs: Math.round((holdS * 1000) / windows),
    windows,
  };
}

/**
 * Sustained: dropped under 1%, p99 under the budget, and the pipeline bench's other checks (input
 * rate, every camera online, no errors). At 50 ms (a histogram bucket edge) the p99 check is exact;
 * at other budgets it uses the p99 interpolated inside its bucket.
 */
function verdict(l: LevelSummary, budgetMs: number): string[] {
  const others = l.failures.filter((f) => !f.startsWith('p99 '));
  const over = budgetMs === 50 ? l.latency.over50 >= 0.01 : l.latency.p99Ms >= budgetMs;
  return over || l.latency.count === 0 ? [`p99 ${fixed(l.latency.p99Ms)} ms >= ${budgetMs} ms`, ...others] : others;
}

async function measureLevel(p: DensityPlan, workers: number, cameras: number): Promise<DensityLevel> {
  const hold = { workers, cameras, settleTimeoutMs: p.settleTimeoutMs, warmupMs: p.warmupMs, windowMs: p.windowMs, windows: p.windows };
  try {
    const l =
      p.source === 'rtsp'
        ? await runRtspLevel({ ...hold, mounts: Math.min(4, cameras), servedFps: 10, keyInterval: 10 })
        : await runSyntheticLevel({ ...hold, fps: p.fps, width: p.width, height: p.height, sourceFrames: 25 });
    const failures = verdict(l, p.budgetMs);
    const cpuPercentPerCamera = (l.cpuPercent.median * os.availableParallelism()) / cameras;
    return {
      ...l,
      sustained: failures.length === 0,
      failures,
      completed: true,
      windows: p.windows,
      settleS: l.settleS,
      cpuPercentPerCamera,
      pipedCameras: 'pipedCameras' in l ? l.pipedCameras : null,
    };
  } catch (err) {
    // An overloaded level can take its process down (out of memory, a hang): that is a failed level, not a failed run.
    const zero = { median: 0, min: 0, max: 0 };
    return {
      workers,
      cameras,
      holdS: 0,
      offeredFps: 0,
      analysedFps: 0,
      published: 0,
      dropped: 0,
      dropShare: 0,
      cropsPerCameraS: 0,
      latency: { p50Ms: 0, p99Ms: 0, meanMs: 0, count: 0, over50: 0 },
      p99PerWindowMs: zero,
      cpuPercent: zero,
      otherCpuPercent: zero,
      loopLagP99Ms: zero,
      loopLagMaxMs: 0,
      rssPerCameraMB: 0,
      sustained: false,
      failures: [(err as Error).message],
      completed: false,
      windows: 0,
      settleS: null,
      cpuPercentPerCamera: 0,
      pipedCameras: null,
    };
  }
}

/** Each level runs every still-passing worker count, rotated per level; a failure ends that count's ramp. */
async function runRamp(p: DensityPlan, options: BenchOptions): Promise<DensityLevel[]> {
  const steps = new Steps(options.progress ?? silentProgress, p.levels.length * p.workers.length);
  const out: DensityLevel[] = [];
  let active = [...p.workers];
  for (const [i, cameras] of p.levels.entries()) {
    const order = active.map((_, k) => active[(k + i) % active.length] as number);
    for (const workers of order) {
      steps.begin(`W=${workers} N=${cameras}`);
      const level = await measureLevel(p, workers, cameras);
      out.push(level);
      steps.end(
        `density ${p.source} W=${workers} N=${cameras}: ${level.sustained ? 'sustained' : `NOT sustained (${level.failures.join('; ')})`}`,
      );
      if (!level.sustained) {
        active = active.filter((w) => w !== workers);
        steps.drop(p.levels.length - i - 1);
      }
    }
    if (active.length === 0) break;
  }
  return out.sort((a, b) => a.workers - b.workers || a.cameras - b.cameras);
}

export function capacities(levels: readonly DensityLevel[], workers: readonly number[]): Capacity[] {
  return workers.map((w) => {
    let at: DensityLevel | null = null;
    let firstFailing: number | null = null;
    for (const l of levels.filter((x) => x.workers === w)) {
      if (!l.sustained) {
        firstFailing = l.cameras;
        break;
      }
      at = l;
    }
    return { workers: w, maxSustained: at?.cameras ?? 0, firstFailing, at };
  });
}

function answerOf(p: DensityPlan, c: Capacity, cores: number): string {
  const what = `${p.source} ${p.width}x${p.height} @ ${p.fps} fps, W=${c.workers}`;
  const next =
    c.firstFailing === null
      ? `; the ramp ended at ${p.levels.at(-1)} without a failure (capacity is at least this)`
      : `; ${c.firstFailing} failed`;
  if (!c.at) return `Capacity (${what}): none of the levels was sustained${next}.`;
  const l = c.at;
  return (
    `Capacity (${what}): ${c.maxSustained} cameras sustained for ${p.holdS} s with ${fixed(l.dropShare * 100, 2)}% dropped, ` +
    `p99 ${fixed(l.latency.p99Ms)} ms (budget ${p.budgetMs} ms), CPU ${fixed(l.cpuPercent.median)}% of ${cores} cores ` +
    `(${fixed(l.cpuPercentPerCamera, 2)}% of a core a camera), RSS ${fixed(l.rssPerCameraMB, 2)} MB a camera${next}.`
  );
}

export function densityChart(p: DensityPlan, levels: readonly DensityLevel[]): string {
  const counts = [...new Set(levels.map((l) => l.cameras))].sort((a, b) => a - b);
  const colors = [
    ['#c0392b', '#2471a3'],
    ['#e67e22', '#17a589'],
    ['#8e44ad', '#7f8c8d'],
  ];
  const series = p.workers.flatMap((w, i) => {
    const [drop, p99] = colors[i % colors.length] as string[];
    const at = (n: number): DensityLevel | undefined => levels.find((l) => l.workers === w && l.cameras === n && l.completed);
    const suffix = p.workers.length > 1 ? `, W=${w}` : '';
    return [
      {
        name: `p99 capture-to-result ms${suffix}`,
        axis: 'left' as const,
        color: p99 as string,
        values: counts.map((n) => at(n)?.latency.p99Ms ?? null),
      },
      {
        name: `dropped %${suffix}`,
        axis: 'right' as const,
        color: drop as string,
        values: counts.map((n) => {
          const l = at(n);
          return l ? l.dropShare * 100 : null;
        }),
      },
    ];
  });
  return lineChart({
    title: `Density: ${p.source} ${p.width}x${p.height} @ ${p.fps} fps, hold ${p.holdS} s`,
    xLabel: 'cameras',
    leftLabel: 'p99 capture-to-result (ms)',
    rightLabel: 'dropped frames (%)',
    x: counts,
    series,
    lines: [
      { axis: 'left', value: p.budgetMs, label: `budget ${p.budgetMs} ms`, color: '#2471a3' },
      { axis: 'right', value: MAX_DROP_SHARE * 100, label: `${MAX_DROP_SHARE * 100}% dropped`, color: '#c0392b' },
    ],
  });
}

function levelTable(levels: readonly DensityLevel[], cores: number): string[] {
  const header = [
    'W',
    'N',
    'settle s',
    'fps in/out',
    'crops/s/cam',
    'drop %',
    'p50 ms',
    'p99 ms',
    'p99/window ms',
    `CPU % of ${cores}`,
    '%core/cam',
    'other %',
    'MB/cam',
    'sustained',
  ];
  const rows = levels.map((l) =>
    l.completed
      ? [
          String(l.workers),
          String(l.cameras),
          l.settleS === null ? 'never' : fixed(l.settleS),
          `${fixed(l.offeredFps, 2)}/${fixed(l.analysedFps, 2)}`,
          fixed(l.cropsPerCameraS, 2),
          fixed(l.dropShare * 100, 2),
          fixed(l.latency.p50Ms, 2),
          fixed(l.latency.p99Ms),
          spreadText(l.p99PerWindowMs),
          spreadText(l.cpuPercent),
          fixed(l.cpuPercentPerCamera, 2),
          fixed(l.otherCpuPercent.max),
          fixed(l.rssPerCameraMB, 2),
          l.sustained ? 'yes' : 'NO',
        ]
      : [String(l.workers), String(l.cameras), ...Array.from({ length: 11 }, () => '-'), 'NO'],
  );
  const why = levels.filter((l) => !l.sustained).map((l) => `  W=${l.workers} N=${l.cameras} not sustained: ${l.failures.join('; ')}`);
  return [...alignColumns(header, rows, 0), ...why];
}

const NOTES = [
  'Sustained: dropped (ring_full) < 1% AND p99 capture-to-result < budget AND input >= 95% of the rate (RTSP: every camera',
  "  ONLINE, no reconnect), over the whole hold, after settling and warm-up. Result = the channel worker's analysis of the",
  `  frame as the site runs it (motion, candidate regions, and a region a ${DETECTOR_TENSOR.width}x${DETECTOR_TENSOR.height} ${DETECTOR_TENSOR.layout} crop, a snapshot and a notice through`,
  "  the camera's crop slab, freed at once by the coordinator; testsrc2 moves, so every frame has all of it). crops/s/cam:",
  '  crops committed to the slabs, a camera a second.',
  'p99: from the stats histogram (buckets ..20, 50, 100.. ms), exact at a bucket edge such as 50, interpolated otherwise.',
  "Synthetic: the feeder process (pre-decoded frames into each camera's pipe, in place of ffmpeg) is not measured; a level also",
  '  fails when it could not write a frame on time (the workers were behind their pipes) or a camera read nothing from its pipe.',
  'CPU %: the process (coordinator + workers; RTSP: + ffmpeg) over all cores, median (min-max) of the windows; %core/cam:',
  "  one camera's share of one core. MB/cam: RSS over the same process with idle workers and no camera, / N (RTSP: + ffmpeg PSS).",
  'other %: the rest of the machine during the level (highest window); a high value means a disturbed level.',
  'The peer of a capacity is the budget and the previous run: compare runs with --compare OLD.json (bench/README.md).',
];

export async function run(options: BenchOptions): Promise<DensityReport> {
  const cores = os.availableParallelism();
  const p = densityPlan(options.density ?? {}, options.quick, cores);
  const levels = await runRamp(p, options);
  const capacity = capacities(levels, p.workers);
  const machine = machineFacts({ loadAverageAfter: os.loadavg() });
  let svg: string | null = null;
  if (options.resultsDir !== undefined) {
    svg = resultPath('density', 'svg', options.resultsDir);
    mkdirSync(path.dirname(svg), { recursive: true });
    writeFileSync(svg, densityChart(p, levels));
  }
  const answer = capacity.map((c) => answerOf(p, c, cores)).join('\n');
  console.log(`density bench${options.quick ? ' (--quick: tiny N and seconds, numbers mean nothing)' : ''}`);
  console.log(describeMachine(machine));
  console.log(
    `${p.source} ${p.width}x${p.height} gray @ ${p.fps} fps a camera; levels ${p.levels.join(', ')}; W ${p.workers.join(', ')}; ` +
      `each level: settle, ${p.warmupMs / 1000} s warm-up, hold ${p.holdS} s (${p.windows} windows); budget p99 < ${p.budgetMs} ms\n`,
  );
  console.log(levelTable(levels, cores).join('\n'));
  console.log(`\n${answer}`);
  if (svg !== null) console.log(`chart: ${svg}`);
  console.log(`\n${NOTES.join('\n')}`);
  return {
    scenario: 'density',
    date: new Date().toISOString(),
    quick: options.quick,
    machine,
    plan: p,
    levels,
    capacity,
    answer,
    svg,
    notes: NOTES,
  };
}
