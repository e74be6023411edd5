/**
 * Live bench (issue 13): N viewers of M cameras' live video (default 50 viewers of 10 cameras; --quick
 * 4 of 2), the gateway's restream (one `-c:v copy` ffmpeg a watched camera into fragmented MP4, one
 * fragment a frame, over the WebSocket route) against HLS served the plain way (one ffmpeg a camera
 * writing 1 s fMP4 segments, nginx serving the files, players polling like hls.js), alternating rounds
 * in one run. The cameras are a GStreamer RTSP server sending an H.264 clip as it is; the viewers run
 * in a process of their own. Per side: CPU of serving (% of a core, total and a viewer) and delivery
 * lag (bench/fixtures/live-viewers.ts says what it is measured from).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRtspServer, type RtspServer } from '../test/support/rtsp-server.ts';
import { ffmpegPath } from '../test/support/video.ts';
import { HLS_ARGS } from './fixtures/live-hls.ts';
import { hlsRound, panoptesRound, startViewers, type LivePlan, type Sample, type Side } from './fixtures/live-round.ts';
import { alignColumns, machineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { alternateBatches, median } from './lib/trials.ts';

export interface Range {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export interface LiveRow {
  side: Side;
  viewers: number;
  cpuPercent: Range;
  perViewerPercent: Range;
  idlePercent: Range;
  ffmpegPercent: Range;
  serverPercent: Range;
  p50Ms: Range;
  p99Ms: Range;
  unitsPerSecond: Range;
  mbitPerSecond: Range;
  lost: number;
  silent: number;
  skips: number;
  dropped: number;
  clientPercent: Range;
  otherPercent: Range;
}

export interface LiveReport {
  scenario: 'live';
  date: string;
  quick: boolean;
  machine: ReturnType<typeof machineFacts>;
  plan: LivePlan & { trials: number; stream: string; hls: string };
  rows: LiveRow[];
  /** Panoptes / ffmpeg-hls, medians. */
  /** Panoptes over the peer; null when the peer's figure is not above 0 (a short hold can see no clock tick of its CPU). */
  ratios: { perViewerCpu: number | null; p50Lag: number | null; p99Lag: number | null };
  samples: Record<Side, Sample[]>;
  notes: string[];
}

interface Clip {
  width: number;
  height: number;
  fps: number;
  bitrate: string;
  seconds: number;
}

/** ours / theirs, or null when theirs is not above 0 (no ratio, rather than Infinity or NaN). */
function over(ours: number, theirs: number): number | null {
  return theirs > 0 && Number.isFinite(ours) ? ours / theirs : null;
}

function makeClip(dir: string, c: Clip): Promise<string> {
  const file = path.join(dir, `camera-${c.width}.mp4`);
  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${c.width}x${c.height}:rate=${c.fps}`],
    ...['-t', String(c.seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', c.bitrate, '-g', String(c.fps), '-bf', '0'],
    ...['-pix_fmt', 'yuv420p', file],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? resolve(file) : reject(new Error(`ffmpeg (clip) exited with ${code}`))));
  });
}

const range = (values: number[]): Range => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
  samples: values,
});

function row(side: Side, samples: Sample[]): LiveRow {
  const of = (f: (s: Sample) => number): Range => range(samples.map(f));
  const total = (f: (s: Sample) => number): number => samples.reduce((n, s) => n + f(s), 0);
  return {
    side,
    viewers: samples[0]?.viewers ?? 0,
    cpuPercent: of((s) => s.cpuPercent),
    perViewerPercent: of((s) => s.perViewerPercent),
    idlePercent: of((s) => s.idlePercent),
    ffmpegPercent: of((s) => s.ffmpegPercent),
    serverPercent: of((s) => s.serverPercent),
    p50Ms: of((s) => s.p50Ms),
    p99Ms: of((s) => s.p99Ms),
    unitsPerSecond: of((s) => s.unitsPerSecond),
    mbitPerSecond: of((s) => s.mbitPerSecond),
    lost: total((s) => s.lost),
    silent: total((s) => s.silent),
    skips: total((s) => s.skips),
    dropped: total((s) => s.dropped),
    clientPercent: of((s) => s.clientPercent),
    otherPercent: of((s) => s.otherPercent),
  };
}

export async function run(options: BenchOptions): Promise<LiveReport> {
  const quick = options.quick;
  const plan: LivePlan = quick
    ? { cameras: 2, viewersPerCamera: 2, idleS: 2, warmupS: 1, holdS: 3 }
    : { cameras: 10, viewersPerCamera: 5, idleS: 15, warmupS: 5, holdS: 20 };
  const trials = quick ? 1 : 2;
  // Each RTSP client gets the clip from its start: it must outlast a Panoptes round (start, idle, hold).
  const clip: Clip = quick
    ? { width: 640, height: 360, fps: 10, bitrate: '600k', seconds: 40 }
    : { width: 1280, height: 720, fps: 10, bitrate: '2M', seconds: 100 };
  const root = mkdtempSync(path.join(os.tmpdir(), 'panoptes-bench-live-'));
  const viewers = startViewers();
  let rtsp: RtspServer | undefined;
  try {
    const file = await makeClip(root, clip);
    rtsp = await startRtspServer({ mounts: plan.cameras, clips: [file], startTimeoutMs: 60_000 });
    const server = rtsp;
    const urls = Array.from({ length: plan.cameras }, (_, i) => server.url(i));
    let step = 0;
    const steps = trials * 2;
    const trial = (side: Side, round: () => Promise<Sample>) => ({
      name: side,
      trial: async (): Promise<Sample> => {
        options.progress?.step(step++, steps, side);
        const s = await round();
        options.progress?.note(
          `${side}: ${s.perViewerPercent.toFixed(2)} % a viewer, p50 ${s.p50Ms.toFixed(0)} ms, p99 ${s.p99Ms.toFixed(0)} ms`,
        );
        return s;
      },
    });
    let hlsRun = 0;
    const samples = await alternateBatches(
      [
        trial('panoptes', () => panoptesRound(urls, viewers, plan)),
        trial('ffmpeg-hls', () => hlsRound(urls, viewers, plan, mkdtempSync(path.join(root, `hls-${hlsRun++}-`)))),
      ],
      trials,
      0,
    );
    const ours = row('panoptes', samples.get('panoptes') ?? []);
    const theirs = row('ffmpeg-hls', samples.get('ffmpeg-hls') ?? []);
    const report: LiveReport = {
      scenario: 'live',
      date: new Date().toISOString(),
      quick,
      machine: machineFacts(),
      plan: {
        ...plan,
        trials,
        stream: `H.264 ${clip.width}x${clip.height} ${clip.fps} fps ~${clip.bitrate}b/s, a key frame a second, over RTSP (GStreamer, clip sent as it is)`,
        hls: `ffmpeg -rtsp_transport tcp -i URL -map 0:v ${HLS_ARGS.join(' ')}; nginx (1 process, sendfile)`,
      },
      rows: [ours, theirs],
      ratios: {
        perViewerCpu: over(ours.perViewerPercent.median, theirs.perViewerPercent.median),
        p50Lag: over(ours.p50Ms.median, theirs.p50Ms.median),
        p99Lag: over(ours.p99Ms.median, theirs.p99Ms.median),
      },
      samples: { panoptes: samples.get('panoptes') ?? [], 'ffmpeg-hls': samples.get('ffmpeg-hls') ?? [] },
      notes: [
        'cpu: % of one core over the hold; panoptes = gateway process + its ffmpeg children with viewers, minus the same with none (idle); ffmpeg-hls = the segmenters + nginx',
        'ffmpeg: the restream ffmpegs (panoptes) or the HLS segmenters, within cpu; server: the gateway process increase or nginx, within cpu',
        'lag: from the oldest frame of a delivered unit reaching the restreamer (panoptes: read from its ffmpeg; hls: segment mtime - EXTINF) to the viewer holding the unit (a fragment = one frame; a 1 s segment)',
        'other: the rest of the machine over the hold (GStreamer camera server, other jobs), % of one core',
      ],
    };
    print(report);
    return report;
  } finally {
    await viewers.kill();
    await rtsp?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function print(r: LiveReport): void {
  const fmt = (x: Range, digits = 1) => `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}-${x.max.toFixed(digits)})`;
  console.log(
    `\nlive: ${r.plan.cameras} cameras x ${r.plan.viewersPerCamera} viewers, ${r.plan.holdS} s holds, ${r.plan.trials} rounds a side; ${r.plan.stream}\n`,
  );
  const header = [
    'side',
    'viewers',
    'cpu %',
    'cpu % a viewer',
    'ffmpeg %',
    'server %',
    'idle %',
    'p50 lag ms',
    'p99 lag ms',
    'units/s',
    'Mb/s',
    'lost/skips/dropped',
    'client %',
    'other %',
  ];
  const rows = r.rows.map((x) => [
    x.side,
    String(x.viewers),
    fmt(x.cpuPercent),
    fmt(x.perViewerPercent, 3),
    fmt(x.ffmpegPercent),
    fmt(x.serverPercent),
    fmt(x.idlePercent),
    fmt(x.p50Ms, 0),
    fmt(x.p99Ms, 0),
    fmt(x.unitsPerSecond, 0),
    fmt(x.mbitPerSecond, 1),
    `${x.lost}/${x.skips}/${x.dropped}`,
    fmt(x.clientPercent),
    fmt(x.otherPercent),
  ]);
  console.log(alignColumns(header, rows).join('\n'));
  const say = (what: string, ratio: number | null, lowerIs: string) =>
    // Two significant digits: a lag ratio of 1 ms to 1.5 s would print as 0.00x.
    console.log(
      ratio === null
        ? `${what}: panoptes / ffmpeg-hls = n/a (ffmpeg-hls measured 0 in the hold)`
        : `${what}: panoptes / ffmpeg-hls = ${ratio.toPrecision(2)}x (${ratio <= 1 ? lowerIs : 'PANOPTES IS WORSE'})`,
    );
  console.log('');
  say('CPU a viewer', r.ratios.perViewerCpu, 'cheaper');
  say('p50 lag', r.ratios.p50Lag, 'sooner');
  say('p99 lag', r.ratios.p99Lag, 'sooner');
  for (const note of r.notes) console.log(`  ${note}`);
}
