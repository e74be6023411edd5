/**
 * Each scenario's own report turned into ResultCases (bench/lib/cases.ts), so the end-of-run table,
 * --markdown and --compare treat every scenario alike. Also reads reports written before the uniform
 * cases existed (bench/results/*.json), so a new run compares against an old file. An unknown or
 * malformed report yields no cases rather than failing the run that has just measured something.
 */
import type { InferenceReport } from '../inference.ts';
import type { DensityReport } from '../density.ts';
import type { DetectReport } from '../detect.ts';
import type { DetectSizeReport } from '../detect-size.ts';
import type { EventsDbReport } from '../events-db.ts';
import type { LiveReport } from '../live.ts';
import type { RecordingReport } from '../recording.ts';
import type { SiteReport } from '../site.ts';
import type { SoakReport } from '../soak.ts';
import type { SpawnReport } from '../spawn.ts';
import type { FanoutReport } from '../fixtures/fanout-report.ts';
import type { FullFrameReport } from '../full-frame.ts';
import type { PipelineReport } from '../pipeline.ts';
import type { TransportReport } from '../transport.ts';
import type { ResultCase } from './cases.ts';
import type { Row } from './report.ts';

interface Range {
  median: number;
  min: number;
  max: number;
  samples?: readonly number[];
}
type Base = Omit<ResultCase, 'median' | 'min' | 'max' | 'samples'>;

function fromRange(base: Base, r: Range, samples = r.samples?.length ?? 0): ResultCase {
  return { ...base, median: r.median, min: r.min, max: r.max, samples };
}

/**
 * A ramp's capacity as an interval: at least the last sustained level, below the first failing one
 * (the true value lies in between; a ramp that never failed gives only its lower bound).
 */
export function capacityCase(base: Base, sustained: number, firstFailing: number | null): ResultCase {
  const upper = firstFailing === null ? sustained : Math.max(sustained, firstFailing - 1);
  return { ...base, median: sustained, min: sustained, max: upper, samples: 0 };
}

function kernels(r: { rows: Row[]; machine?: { simd?: { active?: string } | null } }): ResultCase[] {
  const active = `panoptes-${r.machine?.simd?.active ?? ''}`;
  return r.rows.map((row) => {
    const peer = r.rows.find((o) => o.case === row.case && o.impl.startsWith('opencv'))?.impl ?? null;
    return fromRange(
      {
        scenario: 'kernels',
        case: row.case,
        impl: row.impl,
        metric: 'ns/px',
        better: 'lower',
        baseline: peer,
        ratio: row.timeRatioToOpenCv,
        headline: row.impl === active || row.impl === peer,
      },
      row.nsPerPixel,
      row.nsPerCall.samples.length,
    );
  });
}

function transport(r: TransportReport): ResultCase[] {
  return r.rows.flatMap((row) => {
    const isTransport = row.allocation !== null;
    const out = [
      fromRange(
        {
          scenario: 'transport',
          case: `${row.size} one-way handoff`,
          impl: row.transport,
          metric: 'us/frame',
          better: 'lower',
          baseline: 'ring',
          ratio: row.latencyRatioToRing,
          headline: isTransport,
        },
        row.latencyUs,
      ),
    ];
    if (row.framesPerSecond) {
      out.push(
        fromRange(
          {
            scenario: 'transport',
            case: `${row.size} sustained`,
            impl: row.transport,
            metric: 'frames/s',
            better: 'higher',
            baseline: 'ring',
            ratio: row.framesPerSecondRatioToRing,
            headline: false,
          },
          row.framesPerSecond,
        ),
      );
    }
    return out;
  });
}

interface JpegReport {
  trial: { trials: number };
  rows: { case: string; impl: string; usPerCrop: Range; timeRatioToOurs: number }[];
}

function jpeg(r: JpegReport): ResultCase[] {
  return r.rows.map((row) =>
    fromRange(
      {
        scenario: 'jpeg',
        case: row.case,
        impl: row.impl,
        metric: 'us/crop',
        better: 'lower',
        baseline: 'panoptes-sharp',
        ratio: row.timeRatioToOurs,
        headline: true,
      },
      row.usPerCrop,
      r.trial.trials,
    ),
  );
}

function spawnCases(r: SpawnReport): ResultCase[] {
  return r.rows.map((row) =>
    fromRange(
      {
        scenario: 'spawn',
        case: `RSS ${row.rssMb} MB`,
        impl: row.impl,
        metric: 'ms/spawn',
        better: 'lower',
        baseline: 'panoptes-posix-spawn',
        ratio: row.ratio,
        headline: true,
      },
      row.msPerSpawn,
      r.trial.trials,
    ),
  );
}

function fullFrame(r: FullFrameReport): ResultCase[] {
  return r.rows.map((row) =>
    fromRange(
      {
        scenario: 'full-frame',
        case: `${row.size} ${row.step}`,
        impl: row.impl,
        metric: 'us/call',
        better: 'lower',
        baseline: row.baseline,
        ratio: row.ratio,
        headline: true,
      },
      row.usPerCall,
      r.trial.trials,
    ),
  );
}

function inference(r: InferenceReport): ResultCase[] {
  const pool = r.rows.flatMap((row) => [
    fromRange(
      {
        scenario: 'inference',
        case: `${row.backend} batch ${row.batch}`,
        impl: row.where,
        metric: 'crops/s',
        better: 'higher',
        baseline: 'main-thread',
        ratio: row.throughputRatio ?? 1,
        headline: true,
      },
      row.cropsPerSecond,
    ),
    fromRange(
      {
        scenario: 'inference',
        case: `${row.backend} batch ${row.batch}`,
        impl: row.where,
        metric: 'p99 ms',
        better: 'lower',
        baseline: null,
        ratio: null,
        headline: false,
      },
      row.p99Ms,
    ),
  ]);
  const levels = r.e2e?.levels ?? [];
  const first = levels[0];
  const e2e = levels.map((l) =>
    fromRange(
      {
        scenario: 'inference',
        case: `end to end, ${l.cameras} cameras`,
        impl: 'site',
        metric: 'p99 capture->event ms',
        better: 'lower',
        baseline: first ? `${first.cameras} cameras` : null,
        ratio: first ? l.eventP99Ms.median / first.eventP99Ms.median : null,
        headline: true,
      },
      l.eventP99Ms,
    ),
  );
  return [...pool, ...e2e];
}

function firstFailing(levels: readonly { cameras: number; sustained: boolean }[]): number | null {
  return [...levels].sort((a, b) => a.cameras - b.cameras).find((l) => !l.sustained)?.cameras ?? null;
}

function pipeline(r: PipelineReport): ResultCase[] {
  const base = { scenario: 'pipeline', impl: 'pipeline', baseline: null, ratio: null } as const;
  const windows = r.plan.synthetic.windows;
  const capacities = r.synthetic.workers.map((v) =>
    capacityCase(
      { ...base, case: `synthetic capacity, W=${v.workers}`, metric: 'cameras', better: 'higher', headline: true },
      v.maxSustained,
      v.firstFailure?.cameras ?? null,
    ),
  );
  const levels = r.synthetic.levels.flatMap((l) => [
    fromRange(
      { ...base, case: `synthetic W=${l.workers} N=${l.cameras}`, metric: 'p99 ms', better: 'lower', headline: false },
      l.p99PerWindowMs,
      windows,
    ),
    fromRange(
      { ...base, case: `synthetic W=${l.workers} N=${l.cameras}`, metric: 'CPU %', better: 'lower', headline: false },
      l.cpuPercent,
      windows,
    ),
  ]);
  const rtsp = capacityCase(
    { ...base, case: `RTSP capacity, W=${r.plan.rtsp.workers}`, metric: 'cameras', better: 'higher', headline: true },
    r.rtsp.maxSustained,
    firstFailing(r.rtsp.levels),
  );
  return [...capacities, rtsp, ...levels];
}

function density(r: DensityReport): ResultCase[] {
  const base = { scenario: 'density', impl: `${r.plan.source} W=${r.plan.workers.join(',')}`, baseline: null, ratio: null } as const;
  const what = `${r.plan.width}x${r.plan.height} @ ${r.plan.fps} fps, p99 < ${r.plan.budgetMs} ms`;
  const capacities = r.capacity.map((c) =>
    capacityCase(
      { ...base, impl: `${r.plan.source} W=${c.workers}`, case: `capacity ${what}`, metric: 'cameras', better: 'higher', headline: true },
      c.maxSustained,
      c.firstFailing,
    ),
  );
  const levels = r.levels.flatMap((l) => {
    const level = { ...base, impl: `${r.plan.source} W=${l.workers}`, case: `${what}, N=${l.cameras}`, headline: false };
    return [
      fromRange(
        { ...level, metric: 'p99 ms', better: 'lower', baseline: 'budget', ratio: l.latency.p99Ms / r.plan.budgetMs },
        l.p99PerWindowMs,
        l.windows,
      ),
      fromRange({ ...level, metric: 'CPU %', better: 'lower' }, l.cpuPercent, l.windows),
    ];
  });
  return [...capacities, ...levels];
}

/** Per server: fixed-rate p99 and server CPU a delivery, memory a client, and the ramp's sustained rate; MQTT rows. */
function fanout(r: FanoutReport): ResultCase[] {
  const peer = 'ws';
  const theirs = r.servers.find((s) => s.server === peer);
  const ratio = (a: number | undefined, b: number | undefined): number | null => (a !== undefined && b ? a / b : null);
  const servers = r.servers.flatMap((s) => {
    const base = { scenario: 'fanout', impl: s.server, baseline: s.server === peer ? null : peer, headline: true };
    return [
      fromRange(
        {
          ...base,
          case: 'fixed rate, 1 message to every client',
          metric: 'p99 ms',
          better: 'lower',
          ratio: ratio(s.fixed.p99Ms.median, theirs?.fixed.p99Ms.median),
        },
        s.fixed.p99Ms,
      ),
      fromRange(
        {
          ...base,
          case: 'fixed rate, server CPU',
          metric: 'us/delivery',
          better: 'lower',
          ratio: ratio(s.fixed.serverCpuUsPerDelivery.median, theirs?.fixed.serverCpuUsPerDelivery.median),
        },
        s.fixed.serverCpuUsPerDelivery,
      ),
      fromRange(
        {
          ...base,
          case: 'memory a subscribed client',
          metric: 'B/client',
          better: 'lower',
          ratio: ratio(s.memory.bytesPerClientConnected.median, theirs?.memory.bytesPerClientConnected.median),
        },
        s.memory.bytesPerClientConnected,
      ),
      fromRange(
        {
          ...base,
          case: 'max sustained rate',
          metric: 'msg/s',
          better: 'higher',
          ratio: ratio(s.ramp.maxSustainedRate.median, theirs?.ramp.maxSustainedRate.median),
        },
        s.ramp.maxSustainedRate,
      ),
    ];
  });
  const qos0 = r.mqtt.rows[0];
  const mqtt = r.mqtt.rows.map((row) =>
    fromRange(
      {
        scenario: 'fanout',
        case: 'MQTT publish to mosquitto',
        impl: row.impl,
        metric: 'msg/s',
        better: 'higher',
        baseline: qos0 && row !== qos0 ? qos0.impl : null,
        ratio: qos0 && row !== qos0 ? row.messagesPerSecond.median / qos0.messagesPerSecond.median : null,
        headline: true,
      },
      row.messagesPerSecond,
    ),
  );
  return [...servers, ...mqtt];
}

function detectSize(r: DetectSizeReport): ResultCase[] {
  return r.rows.flatMap((row) => [
    fromRange(
      {
        scenario: 'detect-size',
        case: `${row.size} motion a frame`,
        impl: 'panoptes-motion-plane',
        metric: 'us/frame',
        better: 'lower',
        baseline: 'panoptes-full-plane',
        ratio: row.motionPlaneUs.median / row.fullPlaneUs.median,
        headline: true,
      },
      row.motionPlaneUs,
    ),
    fromRange(
      {
        scenario: 'detect-size',
        case: `${row.size} motion a frame`,
        impl: 'panoptes-full-plane',
        metric: 'us/frame',
        better: 'lower',
        baseline: null,
        ratio: null,
        headline: false,
      },
      row.fullPlaneUs,
    ),
    fromRange(
      {
        scenario: 'detect-size',
        case: `${row.size} ffmpeg decode+scale`,
        impl: 'ffmpeg',
        metric: 'ms/frame',
        better: 'lower',
        baseline: 'ffmpeg 640x360 gray',
        ratio: row.ffmpegMsPerFrame.median / r.ffmpegGray640MsPerFrame.median,
        headline: true,
      },
      row.ffmpegMsPerFrame,
    ),
  ]);
}

/** Capacity of each pipeline (gated against naive), and each level's inferences a camera and p99. */
function detect(r: DetectReport): ResultCase[] {
  const naive = r.capacity.find((c) => c.pipeline === 'naive');
  const what = `${r.plan.clips.width}x${r.plan.clips.height} RTSP @ ${r.plan.clips.fps} fps, ${Math.round(r.plan.busyShare * 100)}% busy`;
  const capacities = r.capacity.map((c) => {
    const peer = c.pipeline === 'naive' ? null : naive;
    return capacityCase(
      {
        scenario: 'detect',
        case: `capacity ${what}`,
        impl: c.pipeline,
        metric: 'cameras',
        better: 'higher',
        baseline: peer ? 'naive' : null,
        ratio: peer && peer.maxSustained > 0 ? c.maxSustained / peer.maxSustained : null,
        headline: true,
      },
      c.maxSustained,
      c.firstFailing,
    );
  });
  const levels = r.levels
    .filter((l) => l.completed)
    .flatMap((l) => {
      const base = {
        scenario: 'detect',
        case: `${what}, N=${l.cameras}`,
        impl: l.pipeline,
        baseline: null,
        ratio: null,
        headline: false,
        samples: 1,
      } as const;
      return [
        {
          ...base,
          metric: 'inferences/s a camera',
          better: 'lower' as const,
          median: l.inferencesPerCameraSecond,
          min: l.inferencesPerCameraSecond,
          max: l.inferencesPerCameraSecond,
        },
        {
          ...base,
          metric: 'p99 capture->result ms',
          better: 'lower' as const,
          median: l.resultP99Ms,
          min: l.resultP99Ms,
          max: l.resultP99Ms,
        },
      ];
    });
  return [...capacities, ...levels];
}

/** p50 of each page query, each contender against panoptes-sqlite. */
function eventsDb(r: EventsDbReport): ResultCase[] {
  return r.rows.map((row) =>
    fromRange(
      {
        scenario: 'events-db',
        case: row.case,
        impl: row.impl,
        metric: 'p50 ms',
        better: 'lower',
        baseline: row.impl === 'panoptes-sqlite' ? null : 'panoptes-sqlite',
        ratio: row.impl === 'panoptes-sqlite' ? null : row.p50RatioToOurs,
        headline: true,
      },
      row.p50Ms,
      r.plan.trials,
    ),
  );
}

function recording(r: RecordingReport): ResultCase[] {
  const c = `${r.cameras} cameras`;
  const base = { scenario: 'recording', case: `${c} cpu a camera`, metric: '% core', better: 'lower' as const };
  const plain = r.rows.find((row) => row.impl === 'ffmpeg-segment');
  const cases = r.rows.map((row) =>
    fromRange({ ...base, impl: row.impl, baseline: null, ratio: null, headline: row.impl === 'ffmpeg-segment' }, row.cpuPercent),
  );
  cases.push(
    fromRange(
      {
        ...base,
        impl: 'panoptes-recording-added',
        baseline: 'ffmpeg-segment',
        ratio: plain ? r.addedCpuPercent.median / plain.cpuPercent.median : null,
        headline: true,
      },
      r.addedCpuPercent,
    ),
  );
  return cases;
}

/** Per side: CPU a viewer and p50/p99 delivery lag, Panoptes against ffmpeg-hls. */
function live(r: LiveReport): ResultCase[] {
  const peer = r.rows.find((row) => row.side === 'ffmpeg-hls');
  const what = `${r.plan.cameras} cameras x ${r.plan.viewersPerCamera} viewers`;
  return r.rows.flatMap((row) => {
    const ours = row.side !== 'ffmpeg-hls';
    const ratio = (f: (x: LiveReport['rows'][number]) => { median: number }): number | null =>
      ours && peer && f(peer).median > 0 ? f(row).median / f(peer).median : null;
    const base = { scenario: 'live', impl: row.side, baseline: ours && peer ? peer.side : null, headline: true, better: 'lower' as const };
    return [
      fromRange(
        { ...base, case: `${what}, cpu a viewer`, metric: '% core', ratio: ratio((x) => x.perViewerPercent) },
        row.perViewerPercent,
      ),
      fromRange({ ...base, case: `${what}, delivery lag p50`, metric: 'ms', ratio: ratio((x) => x.p50Ms) }, row.p50Ms),
      fromRange({ ...base, case: `${what}, delivery lag p99`, metric: 'ms', ratio: ratio((x) => x.p99Ms) }, row.p99Ms),
    ];
  });
}

export const SITE_PEER = 'opencv-process-per-camera';

/** A single window's value as a case (min = max = median). */
function single(base: Base, value: number): ResultCase {
  return { ...base, median: value, min: value, max: value, samples: 1 };
}

/** Per scene and N: CPU a camera of the gateway against the peer; Panoptes' CPU a frame, p99 and the peer's rate. */
function site(r: SiteReport): ResultCase[] {
  return r.levels.flatMap((l) => {
    const c = `${l.scene}, N=${l.cameras}`;
    const cpu = { scenario: 'site', case: `${c}, cpu a camera`, metric: '% core', better: 'lower' as const, headline: true };
    const ours = { scenario: 'site', impl: 'panoptes-site', baseline: null, ratio: null, headline: false };
    return [
      single({ ...cpu, impl: 'panoptes-site', baseline: SITE_PEER, ratio: 1 / l.ratio }, l.panoptes.cpuPercentPerCamera),
      single({ ...cpu, impl: SITE_PEER, baseline: null, ratio: null }, l.peer.cpuPercentPerCamera),
      single({ ...ours, case: `${c}, cpu a frame`, metric: 'ms/frame', better: 'lower' }, l.panoptes.msPerFrame),
      single({ ...ours, case: `${c}, capture->motion`, metric: 'p99 ms', better: 'lower' }, l.panoptes.p99MotionMs),
      single({ ...ours, case: `${c}, frames analysed`, metric: 'fps a camera', better: 'higher' }, l.panoptes.analysedFps),
      single({ ...ours, impl: SITE_PEER, case: `${c}, frames analysed`, metric: 'fps a camera', better: 'higher' }, l.peer.achievedFps),
    ];
  });
}

/** Each series' trend per hour after the warm-up, min-max its about-95% interval; RSS is the headline. */
function soak(r: SoakReport): ResultCase[] {
  return r.trends.map((t) =>
    fromRange(
      {
        scenario: 'soak',
        case: `${t.label}, N=${r.plan.cameras}, trend`,
        impl: 'panoptes-site',
        metric: `${t.unit}/h`,
        better: 'lower',
        baseline: null,
        ratio: null,
        headline: t.series === 'rssMb',
      },
      { median: t.perHour, min: t.perHour - t.ci95PerHour, max: t.perHour + t.ci95PerHour },
      t.n,
    ),
  );
}

const ADAPTERS: Record<string, (report: never) => ResultCase[]> = {
  site,
  soak,
  spawn: spawnCases,
  recording,
  kernels,
  transport,
  jpeg,
  inference,
  pipeline,
  density,
  fanout,
  'detect-size': detectSize,
  detect,
  'events-db': eventsDb,
  'full-frame': fullFrame,
  live,
};

/** The cases of one scenario's report; [] when the report is not one this harness knows. */
export function casesOf(scenario: string, report: unknown): ResultCase[] {
  const adapter = ADAPTERS[scenario];
  if (!adapter || typeof report !== 'object' || report === null) return [];
  try {
    return (adapter as (r: unknown) => ResultCase[])(report);
  } catch {
    return []; // a report from an older layout of this scenario
  }
}
