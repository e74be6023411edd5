/**
 * Site bench (issue 14): what a whole running site costs a camera. The real gateway started as the CLI
 * starts it (`panoptes start --config FILE`: motion backend, events, MQTT, API) with N synthetic
 * cameras of a scene (bench/fixtures/site-scenes.ts: typical, busy), against the peer, a Python/OpenCV
 * process a camera doing the same per-frame work (bench/lib/site_peer.py), on the same sources in the
 * same run, one after the other (never at once: the machine has few cores). Per contender: CPU of its
 * own processes a camera (ffmpeg excluded on both sides), frames handled; for Panoptes also CPU a frame,
 * drops, the p99 latencies it exports, RSS. `--profile` runs the gateway under `node --cpu-prof` and
 * prints the top self-time functions over the hold, summed over every thread.
 */
import os from 'node:os';
import path from 'node:path';
import { runPanoptes } from './fixtures/site-panoptes.ts';
import { runPeer } from './fixtures/site-peer.ts';
import { summariseProfiles } from './fixtures/site-profile.ts';
import { levelOf, siteLines, type SiteLevel } from './fixtures/site-report.ts';
import { BUSY_SHARE, FRAME, SCENES, type Scene } from './fixtures/site-scenes.ts';
import type { HoldPlan } from './fixtures/site-window.ts';
import { describeMachine, machineFacts, type MachineFacts } from './lib/machine.ts';
import { silentProgress, Steps } from './lib/progress.ts';
import { RESULTS_DIR } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';

export interface SitePlan {
  scenes: Scene[];
  levels: number[];
  warmupS: number;
  holdS: number;
  settleTimeoutMs: number;
  frame: typeof FRAME;
  /** Share of typical cameras with an object in view at a time. */
  busyShare: number;
}

export interface SiteReport {
  scenario: 'site';
  date: string;
  quick: boolean;
  machine: MachineFacts;
  plan: SitePlan;
  levels: SiteLevel[];
  /** Where `--profile` wrote the gateway's CPU profiles (a folder a scene and level), else null. */
  profileDir: string | null;
}

export function sitePlan(quick: boolean, levels?: number[], holdS?: number): SitePlan {
  return {
    scenes: [...SCENES],
    levels: levels ?? (quick ? [2] : [50]),
    // A minute: V8 still compiles (TurboFan, on its platform threads) for the first minute or two of a
    // site, 2.5% of a core at 50 cameras 10-40 s after start, which a site that runs for months never pays.
    warmupS: quick ? 1 : 60,
    holdS: holdS ?? (quick ? 3 : 30),
    settleTimeoutMs: quick ? 60_000 : 180_000,
    frame: FRAME,
    busyShare: BUSY_SHARE,
  };
}

/** bench/results/site-profile-<date>T<time>/ (or under --results-dir). */
function profileRoot(options: BenchOptions): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  return path.join(options.resultsDir ?? RESULTS_DIR, `site-profile-${stamp}`);
}

export async function run(options: BenchOptions): Promise<SiteReport> {
  const plan = sitePlan(options.quick, options.levels, options.holdS);
  const profileDir = options.profile ? profileRoot(options) : null;
  const steps = new Steps(options.progress ?? silentProgress, plan.scenes.length * plan.levels.length * 2);
  const loadBefore = os.loadavg();
  const levels: SiteLevel[] = [];
  for (const scene of plan.scenes) {
    for (const cameras of plan.levels) {
      const hold: HoldPlan = { cameras, warmupS: plan.warmupS, holdS: plan.holdS, settleTimeoutMs: plan.settleTimeoutMs };
      const dir = profileDir === null ? undefined : path.join(profileDir, `${scene}-${cameras}`);
      steps.begin(`panoptes ${scene} N=${cameras}`);
      const ours = await runPanoptes(scene, hold, dir);
      steps.end();
      steps.begin(`peer ${scene} N=${cameras}`);
      const peer = await runPeer(scene, hold);
      const profile = dir === undefined ? null : summariseProfiles(dir, ours.window);
      const level = levelOf(scene, cameras, ours, peer, profile);
      levels.push(level);
      steps.end(`site ${scene} N=${cameras}: peer / panoptes CPU a camera ${level.ratio.toFixed(2)}x`);
    }
  }
  const report: SiteReport = {
    scenario: 'site',
    date: new Date().toISOString(),
    quick: options.quick,
    machine: machineFacts({ loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() }),
    plan,
    levels,
    profileDir,
  };
  console.log(`\nsite bench${options.quick ? ' (--quick: two cameras, a 3 s hold, numbers mean nothing)' : ''}`);
  console.log(describeMachine(report.machine));
  console.log(siteLines(report).join('\n'));
  return report;
}
