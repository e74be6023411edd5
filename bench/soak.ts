/**
 * Soak bench (issue 14, "memory stays flat"): the gateway started as the CLI starts it with 100 lavfi
 * cameras of the site bench's typical scene (bench/fixtures/site-panoptes.ts, site-scenes.ts), held for
 * an hour (`--hold`), its process sampled every 10 s: RSS, V8 heap and external memory, open fds,
 * threads. After the warm-up (the first 5 min or 20% of the hold, whichever is shorter) each series'
 * least-squares trend per hour, and a verdict against its "flat" threshold (fixtures/soak-report.ts).
 */
import os from 'node:os';
import { startSite, stopSite, type RunningSite } from './fixtures/site-panoptes.ts';
import { FRAME, type Scene } from './fixtures/site-scenes.ts';
import { scrape } from './fixtures/site-metrics.ts';
import { cpuWindow, readCpu, sleep } from './fixtures/site-window.ts';
import { soakLines, toMb, trendsOf, type SeriesTrend, type SoakSample } from './fixtures/soak-report.ts';
import { describeMachine, machineFacts, type MachineFacts } from './lib/machine.ts';
import { childPids, openFds, procStatus } from './lib/proc.ts';
import { silentProgress, Steps } from './lib/progress.ts';
import type { BenchOptions } from './lib/scenario.ts';

export interface SoakPlan {
  scene: Scene;
  cameras: number;
  holdS: number;
  warmupS: number;
  sampleEveryS: number;
  settleTimeoutMs: number;
  frame: typeof FRAME;
}

/** What the hold as a whole did: the site kept analysing, and how loaded the machine was. */
export interface SoakWindow {
  analysing: number;
  analysedFps: number;
  dropped: number;
  /** The rest of the machine (not the gateway nor its ffmpegs), % of one core. */
  otherPercent: number;
  /** The gateway's heap trims over the hold and the main-thread ms each took on average. */
  heapTrims: number;
  msPerHeapTrim: number;
}

export interface SoakReport {
  scenario: 'soak';
  date: string;
  quick: boolean;
  machine: MachineFacts;
  plan: SoakPlan;
  settleS: number;
  samples: SoakSample[];
  trends: SeriesTrend[];
  window: SoakWindow;
}

export function soakPlan(quick: boolean, cameras?: number, holdS?: number): SoakPlan {
  const hold = holdS ?? (quick ? 20 : 3600);
  return {
    scene: 'typical',
    cameras: cameras ?? (quick ? 2 : 100),
    holdS: hold,
    warmupS: Math.min(300, hold * 0.2),
    sampleEveryS: quick ? 1 : 10,
    settleTimeoutMs: quick ? 60_000 : 300_000,
    frame: FRAME,
  };
}

async function sample(site: RunningSite, atS: number): Promise<SoakSample> {
  const status = procStatus(site.pid);
  const fds = openFds(site.pid);
  if (status === null || fds === null) {
    throw new Error(`the gateway (pid ${site.pid}) exited during the soak:\n${site.gateway.log.slice(-20).join('\n')}`);
  }
  const m = await scrape(site.api);
  return {
    atS,
    rssMb: toMb(status.rssBytes),
    rssAnonMb: toMb(status.rssAnonBytes),
    rssFileMb: toMb(status.rssFileBytes),
    rssShmemMb: toMb(status.rssShmemBytes),
    heapUsedMb: toMb(m.heapUsedBytes),
    externalMb: toMb(m.externalBytes),
    fds,
    threads: status.threads,
    analysed: m.analysed,
    dropped: m.dropped,
    analysing: m.analysing,
  };
}

/** Samples on a fixed clock (a slow scrape does not shift the later ones); a note each minute. */
async function hold(site: RunningSite, plan: SoakPlan, steps: Steps): Promise<SoakSample[]> {
  const samples: SoakSample[] = [];
  const t0 = performance.now();
  const minutes = Math.ceil(plan.holdS / 60);
  let minute = 0;
  steps.begin(`hold 0/${minutes} min`);
  for (let k = 0; k * plan.sampleEveryS <= plan.holdS; k++) {
    await sleep(Math.max(0, t0 + k * plan.sampleEveryS * 1000 - performance.now()));
    const s = await sample(site, (performance.now() - t0) / 1000);
    samples.push(s);
    while (s.atS >= (minute + 1) * 60 && minute < minutes) {
      minute++;
      steps.end(
        `soak ${minute} min: RSS ${s.rssMb.toFixed(0)} MB (anon ${s.rssAnonMb.toFixed(0)}), heap ${s.heapUsedMb.toFixed(0)} MB, external ${s.externalMb.toFixed(0)} MB, ${s.fds} fds, ${s.threads} threads`,
      );
      steps.begin(`hold ${minute}/${minutes} min`);
    }
  }
  return samples;
}

export async function run(options: BenchOptions): Promise<SoakReport> {
  const plan = soakPlan(options.quick, options.levels?.[0], options.holdS);
  const steps = new Steps(options.progress ?? silentProgress, 1 + Math.ceil(plan.holdS / 60));
  const loadBefore = os.loadavg();
  steps.begin(`start ${plan.cameras} cameras`);
  const site = await startSite(plan.scene, plan.cameras, plan.settleTimeoutMs);
  steps.end(`soak: ${plan.cameras} cameras analysing after ${site.settleS.toFixed(1)} s`);
  let samples: SoakSample[];
  let window: SoakWindow;
  try {
    const ffmpegs = childPids(site.pid, 'ffmpeg');
    const c0 = readCpu([site.pid], ffmpegs);
    const m0 = await scrape(site.api);
    samples = await hold(site, plan, steps);
    const cpu = cpuWindow(c0, readCpu([site.pid], ffmpegs));
    const m1 = await scrape(site.api);
    const heapTrims = m1.heapTrims - m0.heapTrims;
    const first = samples.find((s) => s.atS >= plan.warmupS) ?? (samples[0] as SoakSample);
    const last = samples.at(-1) as SoakSample;
    const spanS = last.atS - first.atS;
    window = {
      analysing: last.analysing,
      analysedFps: spanS > 0 ? (last.analysed - first.analysed) / plan.cameras / spanS : Number.NaN,
      dropped: last.dropped - first.dropped,
      otherPercent: cpu.otherPercent,
      heapTrims,
      msPerHeapTrim: heapTrims > 0 ? ((m1.heapTrimSeconds - m0.heapTrimSeconds) * 1000) / heapTrims : Number.NaN,
    };
  } finally {
    await stopSite(site);
  }
  const report: SoakReport = {
    scenario: 'soak',
    date: new Date().toISOString(),
    quick: options.quick,
    machine: machineFacts({ loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() }),
    plan,
    settleS: site.settleS,
    samples,
    trends: trendsOf(samples, plan.warmupS),
    window,
  };
  console.log(`\nsoak bench${options.quick ? ' (--quick: two cameras, 20 s, the trends mean nothing)' : ''}`);
  console.log(describeMachine(report.machine));
  console.log(soakLines(report).join('\n'));
  return report;
}
