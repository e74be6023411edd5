/**
 * Detect bench: detection capacity. The real site with N RTSP cameras (a local GStreamer RTSP server
 * serving clips of typical scenes, bench/fixtures/detect-clips.ts: most cameras still most of the
 * time, a person from the demo's photos walking through now and then), 5 fps analysis and the shipped
 * detector (nanodet), ramped until a level fails; against the same scenes through a naive pipeline, the
 * same site with motion gating off (the detector on every full frame at the analysis rate; see
 * fixtures/detect-protocol.ts). Both ramps run in the same run, alternating level by level, each level
 * in a fresh process. The ratio of their capacities is what motion gating buys.
 */
import os from 'node:os';
import { busyShare, prepareClips, type ClipPlan } from './fixtures/detect-clips.ts';
import { PIPELINES, runDetectLevel, type DetectLevelResult, type Pipeline } from './fixtures/detect-protocol.ts';
import { detectLines, levelOf, type DetectLevel } from './fixtures/detect-report.ts';
import { describeMachine, machineFacts, type MachineFacts } from './lib/machine.ts';
import { silentProgress, Steps } from './lib/progress.ts';
import type { BenchOptions } from './lib/scenario.ts';

export interface DetectPlan {
  clips: ClipPlan;
  /** Share of the cameras with a person in view at a time (from the clips). */
  busyShare: number;
  levels: number[];
  settleTimeoutMs: number;
  warmupMs: number;
  catchUpTimeoutMs: number;
  holdMs: number;
  /** A level fails above these. */
  budget: { p99Ms: number; lostShare: number };
}

export interface DetectCapacity {
  pipeline: Pipeline;
  /** Largest N sustained before the first level that was not (0: none). */
  maxSustained: number;
  firstFailing: number | null;
  at: DetectLevel | null;
}

export interface DetectReport {
  scenario: 'detect';
  date: string;
  quick: boolean;
  machine: MachineFacts;
  plan: DetectPlan;
  levels: DetectLevel[];
  capacity: DetectCapacity[];
  /** Gated capacity / naive capacity (null when the naive pipeline sustained no level). */
  capacityRatio: number | null;
  answer: string;
}

export function detectPlan(quick: boolean, levels?: number[]): DetectPlan {
  const frame = { width: 640, height: 360, fps: 5 };
  const timing = quick
    ? { settleTimeoutMs: 40_000, warmupMs: 1000, catchUpTimeoutMs: 5000, holdMs: 3000 }
    : { settleTimeoutMs: 90_000, warmupMs: 10_000, catchUpTimeoutMs: 30_000, holdMs: 30_000 };
  const lengthS = Math.ceil((timing.settleTimeoutMs + timing.warmupMs + timing.catchUpTimeoutMs + timing.holdMs) / 1000) + 30;
  // Quick: two clips and a short cycle, so the few seconds held see a person.
  const clips: ClipPlan = quick ? { count: 2, cycleS: 8, lengthS, ...frame } : { count: 50, cycleS: 40, lengthS, ...frame };
  return {
    clips,
    busyShare: busyShare(clips),
    levels: levels ?? (quick ? [2] : [1, 2, 5, 10, 15, 20, 30, 40, 50, 60, 80, 100, 120, 150]),
    ...timing,
    budget: { p99Ms: 500, lostShare: 0.01 },
  };
}

async function measure(plan: DetectPlan, clips: string[], pipeline: Pipeline, cameras: number): Promise<DetectLevel> {
  const { width, height, fps } = plan.clips;
  try {
    const r: DetectLevelResult = await runDetectLevel({
      pipeline,
      cameras,
      clips,
      width,
      height,
      fps,
      settleTimeoutMs: plan.settleTimeoutMs,
      warmupMs: plan.warmupMs,
      catchUpTimeoutMs: plan.catchUpTimeoutMs,
      holdMs: plan.holdMs,
    });
    return levelOf(r, plan.budget);
  } catch (err) {
    // An overloaded level can take its process down or never settle: a failed level, not a failed run.
    return levelOf(null, plan.budget, { pipeline, cameras, error: (err as Error).message });
  }
}

/** Each level runs every pipeline still passing, in an order rotated per level; a failure ends that pipeline's ramp. */
async function runRamps(plan: DetectPlan, clips: string[], options: BenchOptions): Promise<DetectLevel[]> {
  const steps = new Steps(options.progress ?? silentProgress, plan.levels.length * PIPELINES.length);
  const out: DetectLevel[] = [];
  let active = [...PIPELINES];
  for (const [i, cameras] of plan.levels.entries()) {
    const order = active.map((_, k) => active[(k + i) % active.length] as Pipeline);
    for (const pipeline of order) {
      steps.begin(`${pipeline} N=${cameras}`);
      const level = await measure(plan, clips, pipeline, cameras);
      out.push(level);
      steps.end(`detect ${pipeline} N=${cameras}: ${level.sustained ? 'sustained' : `NOT sustained (${level.failures.join('; ')})`}`);
      if (!level.sustained) {
        active = active.filter((p) => p !== pipeline);
        steps.drop(plan.levels.length - i - 1);
      }
    }
    if (active.length === 0) break;
  }
  return out.sort((a, b) => a.pipeline.localeCompare(b.pipeline) || a.cameras - b.cameras);
}

export function capacities(levels: readonly DetectLevel[]): DetectCapacity[] {
  return PIPELINES.map((pipeline) => {
    let at: DetectLevel | null = null;
    let firstFailing: number | null = null;
    for (const l of levels.filter((x) => x.pipeline === pipeline)) {
      if (!l.sustained) {
        firstFailing = l.cameras;
        break;
      }
      at = l;
    }
    return { pipeline, maxSustained: at?.cameras ?? 0, firstFailing, at };
  });
}

function answerOf(plan: DetectPlan, capacity: DetectCapacity[], ratio: number | null): string {
  const [gated, naive] = capacity as [DetectCapacity, DetectCapacity];
  const what = (c: DetectCapacity): string => {
    const next = c.firstFailing === null ? ', the ramp ended without a failure' : `, ${c.firstFailing} failed`;
    if (!c.at) return `${c.pipeline}: no level sustained${next}`;
    const l = c.at;
    return (
      `${c.pipeline}: ${c.maxSustained} cameras (${l.inferencesPerSecond.toFixed(1)} inferences/s, ` +
      `${l.cpuPercentPerCamera.toFixed(2)}% of a core a camera with its ffmpeg${next})`
    );
  };
  const times = ratio === null ? 'the naive pipeline sustained no level' : `motion gating sustains ${ratio.toFixed(2)}x the cameras`;
  return (
    `Capacity (${plan.clips.width}x${plan.clips.height} H.264 @ ${plan.clips.fps} fps, ${(plan.busyShare * 100).toFixed(0)}% of cameras busy): ` +
    `${what(gated)}; ${what(naive)}; ${times}.`
  );
}

export async function run(options: BenchOptions): Promise<DetectReport> {
  process.env['PANOPTES_LOG_LEVEL'] ??= 'warn';
  const plan = detectPlan(options.quick, options.levels);
  const clips = await prepareClips(plan.clips);
  const loadBefore = os.loadavg();
  const levels = await runRamps(plan, clips, options);
  const capacity = capacities(levels);
  const [gated, naive] = capacity as [DetectCapacity, DetectCapacity];
  const ratio = naive.maxSustained > 0 ? gated.maxSustained / naive.maxSustained : null;
  const machine = machineFacts({ loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() });
  const answer = answerOf(plan, capacity, ratio);
  const report: DetectReport = {
    scenario: 'detect',
    date: new Date().toISOString(),
    quick: options.quick,
    machine,
    plan,
    levels,
    capacity,
    capacityRatio: ratio,
    answer,
  };
  console.log(`detect bench${options.quick ? ' (--quick: one tiny level, numbers mean nothing)' : ''}`);
  console.log(describeMachine(machine));
  console.log(detectLines(report).join('\n'));
  return report;
}
