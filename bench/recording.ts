/**
 * Recording bench: what recording costs a camera, at N cameras (default 50, `--levels N`; --quick 2)
 * of the GStreamer RTSP server streaming an H.264 clip as it is (no encoder in the server). Five
 * contenders, alternating in rounds after a warm-up round, each a window of the same length with all
 * N running:
 *
 * - panoptes-recording: the product's ingest ffmpeg (ffmpegArgs, the frames discarded) with the
 *   recorder's output (recordingOutput: fifo + segment, -c copy), and the product's Recorder filing
 *   every segment into a SegmentStore (and its index in an events database) in this process;
 * - panoptes-analysis-only: the same ingest without the recorder; the difference to the above is what
 *   recording adds to a camera that is analysed anyway;
 * - ffmpeg-segment (baseline): plain `ffmpeg -i rtsp -c copy -f segment` alone, one process a camera,
 *   the cost of recording the same streams with nothing else.
 *
 * A camera analysed from its sub-stream and recorded from its main stream (a second server, 1280x720),
 * the two layouts:
 * - panoptes-dual-own-process (shipped): the analysis ffmpeg on the sub-stream plus the recorder's own
 *   ffmpeg on the main stream (recordArgs: copy only), two processes a camera;
 * - panoptes-dual-one-ffmpeg (the earlier layout): one ffmpeg opening both, the main stream as its
 *   second input mapped to the recorder's output.
 *
 * Per camera: CPU (% of a core: ffmpeg processes plus this process's own CPU) and disk MB a minute.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pino } from 'pino';
import { cameraRecordingSchema } from '../src/config/recording-schema.ts';
import { killTree } from '../src/coordinator/child-guard.ts';
import { ffmpegArgs, inputArgs, recordArgs, type IngestSpec } from '../src/ingest/ffmpeg-args.ts';
import { Recorder } from '../src/storage/recording/recorder.ts';
import { openDatabase } from '../src/storage/database.ts';
import { SegmentIndex } from '../src/storage/recording/segment-index.ts';
import { SegmentStore } from '../src/storage/recording/segment-store.ts';
import { startRtspServer, type RtspServer } from '../test/support/rtsp-server.ts';
import { ffmpegPath } from '../test/support/video.ts';
import { procCpuMs } from './lib/proc.ts';
import { alignColumns, machineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { alternateBatches, median } from './lib/trials.ts';

interface Range {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

interface Sample {
  /** % of one core a camera. */
  cpuPercent: number;
  /** MB written a minute a camera. */
  diskMbPerMin: number;
}

export interface RecordingReport {
  date: string;
  quick: boolean;
  machine: ReturnType<typeof machineFacts>;
  cameras: number;
  windowS: number;
  stream: string;
  rows: Array<{ impl: string; cpuPercent: Range; diskMbPerMin: Range }>;
  /** panoptes-recording minus panoptes-analysis-only, a camera (median of the per-round differences). */
  addedCpuPercent: Range;
  /** panoptes-dual-own-process minus panoptes-dual-one-ffmpeg, a camera (per-round differences). */
  ownProcessCpuPercent: Range;
  notes: string[];
}

const SEGMENT_S = 10;
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 10;

const range = (values: number[]): Range => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
  samples: values,
});

/** Bytes of every file below `dir`. */
function bytesBelow(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += bytesBelow(file);
    else total += statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}

const FIRST_BYTES_TIMEOUT_MS = 30_000;

/** Waits until something is written below dir, or the timeout (the window then shows what was written). */
async function firstBytes(dir: string, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (bytesBelow(dir) === 0 && performance.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
}

function exec(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}

/** An H.264 clip like a camera's sub-stream (640x360) or main stream: 10 fps, a key frame every 2 s, long enough for a window. */
async function makeClip(dir: string, seconds: number, width = WIDTH, height = HEIGHT, bitrate = '800k'): Promise<string> {
  const file = path.join(dir, `camera-${width}.mp4`);
  await exec(ffmpegPath(), [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi'],
    ...['-i', `testsrc2=size=${width}x${height}:rate=${FPS}`, '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', bitrate, '-g', String(FPS * 2), '-bf', '0', '-pix_fmt', 'yuv420p', file],
  ]);
  return file;
}

interface Running {
  children: ChildProcess[];
  dir: string;
  settle?: () => Promise<void>;
}

type Contender =
  | 'panoptes-recording'
  | 'panoptes-analysis-only'
  | 'ffmpeg-segment'
  | 'panoptes-dual-own-process'
  | 'panoptes-dual-one-ffmpeg';

const DUAL: readonly Contender[] = ['panoptes-dual-own-process', 'panoptes-dual-one-ffmpeg'];
const MAIN_WIDTH = 1280;
const MAIN_HEIGHT = 720;

/** Each camera's sub-stream (analysed) and main stream (recorded by the dual contenders). */
interface CameraUrls {
  sub: string;
  main: string;
}

function ingestSpec(url: string): IngestSpec {
  return {
    url,
    transport: 'tcp',
    loop: false,
    width: WIDTH,
    height: HEIGHT,
    fps: 5,
    format: 'yuv420p',
    sampling: 'fixed_fps',
    minFps: 1,
    ioTimeoutMs: 5000,
    ffmpegMajor: 5,
  };
}

/** The recorder's ffmpeg arguments: its own process, or a second input of the analysis ffmpeg. */
function dualArgs(contender: Contender, spec: IngestSpec, main: string, recorder: Recorder): string[][] {
  const tap = recorder.begin();
  if (tap === null) throw new Error('the recorder made no output');
  if (contender === 'panoptes-dual-own-process') return [ffmpegArgs(spec, '/dev/null'), recordArgs({ ...spec, url: main }, tap)];
  const analysis = ffmpegArgs(spec, '/dev/null');
  const outputAt = analysis.indexOf('-an');
  // With two inputs ffmpeg would pick the larger video (the main stream) for the frames: map it.
  return [
    [
      ...analysis.slice(0, outputAt),
      ...inputArgs({ ...spec, url: main }),
      ...['-map', '0:v:0'],
      ...analysis.slice(outputAt),
      ...['-map', '1:v:0', ...tap.output],
    ],
  ];
}

function start(contender: Contender, cameraUrls: readonly CameraUrls[], root: string): Running {
  const dir = mkdtempSync(path.join(root, `${contender}-`));
  const settings = cameraRecordingSchema.parse({ mode: 'continuous', segmentSeconds: SEGMENT_S });
  const { db } = openDatabase(`${dir}.db`);
  const index = new SegmentIndex(db);
  const store = new SegmentStore(dir, index);
  const log = pino({ level: 'silent' });
  const children = cameraUrls.flatMap(({ sub: url, main }, i) => {
    const camera = `cam${i}`;
    if (contender === 'ffmpeg-segment') {
      mkdirSync(path.join(dir, camera));
      const args = [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url, '-map', '0:v', '-c', 'copy'],
        ...['-f', 'segment', '-segment_time', String(SEGMENT_S), '-reset_timestamps', '1', '-segment_format', 'mp4'],
        path.join(dir, camera, '%06d.mp4'),
      ];
      return spawn(ffmpegPath(), args, { stdio: 'ignore' });
    }
    const spec = ingestSpec(url);
    if (contender === 'panoptes-analysis-only')
      return spawn(ffmpegPath(), ffmpegArgs(spec, '/dev/null'), { stdio: ['ignore', 'ignore', 'ignore'] });
    const dual = DUAL.includes(contender);
    const recorder = new Recorder({ camera, settings, url: dual ? main : null, store, log, onSegment: () => {} });
    const commands = dual ? dualArgs(contender, spec, main, recorder) : [ffmpegArgs(spec, '/dev/null', recorder.begin())];
    // The recorder's output is in the last command (its own process, or the one ffmpeg).
    return commands.map((args, n) => {
      const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
      if (n === commands.length - 1) recorder.attach(child.stdio[3] as Readable);
      child.stderr?.resume();
      return child;
    });
  });
  return {
    children,
    dir,
    settle: async () => {
      await store.idle();
      index.close();
      db.close();
    },
  };
}

async function window(contender: Contender, urls: readonly CameraUrls[], root: string, windowS: number, settleS: number): Promise<Sample> {
  const running = start(contender, urls, root);
  try {
    // Connected and past the first key frame before the window opens: a recorder has written its first
    // bytes (one ffmpeg opening two RTSP inputs takes longer to start than the settle alone).
    await new Promise((resolve) => setTimeout(resolve, settleS * 1000));
    if (contender !== 'panoptes-analysis-only') await firstBytes(running.dir, FIRST_BYTES_TIMEOUT_MS);
    const pids = running.children.map((c) => c.pid as number);
    const cpu0 = pids.reduce((n, pid) => n + (procCpuMs(pid) ?? 0), 0);
    const self0 = process.cpuUsage();
    const bytes0 = bytesBelow(running.dir);
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowS * 1000));
    const elapsedMs = performance.now() - t0;
    const cpu1 = pids.reduce((n, pid) => n + (procCpuMs(pid) ?? 0), 0);
    const self = process.cpuUsage(self0);
    const bytes1 = bytesBelow(running.dir);
    const ownMs = contender === 'ffmpeg-segment' ? 0 : (self.user + self.system) / 1000;
    return {
      cpuPercent: ((cpu1 - cpu0 + ownMs) / elapsedMs / urls.length) * 100,
      diskMbPerMin: (bytes1 - bytes0) / 1e6 / (elapsedMs / 60_000) / urls.length,
    };
  } finally {
    await Promise.all(running.children.map((c) => killTree(c)));
    await running.settle?.();
    rmSync(running.dir, { recursive: true, force: true });
  }
}

export async function run(options: BenchOptions): Promise<RecordingReport> {
  const cameras = options.levels?.[0] ?? (options.quick ? 2 : 50);
  const windowS = options.quick ? 3 : 30;
  const settleS = options.quick ? 2 : 4;
  const trials = options.quick ? 1 : 3;
  const warmup = options.quick ? 0 : 1;
  const root = mkdtempSync(path.join(os.tmpdir(), 'panoptes-bench-recording-'));
  let rtsp: RtspServer | undefined;
  let rtspMain: RtspServer | undefined;
  try {
    // Each client gets the clip from its start; it must outlast connecting plus the window.
    const clip = await makeClip(root, windowS + 30);
    const mainClip = await makeClip(root, windowS + 30, MAIN_WIDTH, MAIN_HEIGHT, '2500k');
    rtsp = await startRtspServer({ mounts: cameras, clips: [clip], startTimeoutMs: 60_000 });
    rtspMain = await startRtspServer({ mounts: cameras, clips: [mainClip], startTimeoutMs: 60_000 });
    const [server, mainServer] = [rtsp, rtspMain];
    const urls = Array.from({ length: cameras }, (_, i) => ({ sub: server.url(i), main: mainServer.url(i) }));
    const contenders: Contender[] = [
      'panoptes-recording',
      'panoptes-analysis-only',
      'ffmpeg-segment',
      'panoptes-dual-own-process',
      'panoptes-dual-one-ffmpeg',
    ];
    let step = 0;
    const steps = (trials + warmup) * contenders.length;
    const samples = await alternateBatches(
      contenders.map((name) => ({
        name,
        trial: async () => {
          options.progress?.step(++step, steps, name);
          return window(name, urls, root, windowS, settleS);
        },
      })),
      trials,
      warmup,
    );
    const of = (name: Contender) => samples.get(name) ?? [];
    const rows = contenders.map((impl) => ({
      impl,
      cpuPercent: range(of(impl).map((s) => s.cpuPercent)),
      diskMbPerMin: range(of(impl).map((s) => s.diskMbPerMin)),
    }));
    const added = of('panoptes-recording').map((s, i) => s.cpuPercent - (of('panoptes-analysis-only')[i]?.cpuPercent ?? 0));
    const ownProcess = of('panoptes-dual-own-process').map((s, i) => s.cpuPercent - (of('panoptes-dual-one-ffmpeg')[i]?.cpuPercent ?? 0));
    const report: RecordingReport = {
      date: new Date().toISOString(),
      quick: options.quick,
      machine: machineFacts(),
      cameras,
      windowS,
      stream: `H.264 ${WIDTH}x${HEIGHT} ${FPS} fps ~800 kb/s over RTSP (GStreamer, clip sent as it is), main stream ${MAIN_WIDTH}x${MAIN_HEIGHT} ~2.5 Mb/s for the dual contenders; ${SEGMENT_S} s MP4 segments`,
      rows,
      addedCpuPercent: range(added),
      ownProcessCpuPercent: range(ownProcess),
      notes: [
        'cpu: % of one core a camera (ffmpeg user+system, plus this process for the two panoptes contenders)',
        'panoptes-recording - panoptes-analysis-only = what recording adds to an analysed camera; ffmpeg-segment = recording alone with plain ffmpeg',
        'panoptes-dual-own-process - panoptes-dual-one-ffmpeg = what the recorder of the main stream costs in a process of its own',
      ],
    };
    print(report);
    return report;
  } finally {
    await rtsp?.stop();
    await rtspMain?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function print(r: RecordingReport): void {
  const fmt = (x: Range) => `${x.median.toFixed(2)} (${x.min.toFixed(2)}-${x.max.toFixed(2)})`;
  const base = r.rows.find((row) => row.impl === 'ffmpeg-segment');
  console.log(`\nrecording: ${r.cameras} cameras, ${r.windowS} s windows; ${r.stream}\n`);
  const rows = r.rows.map((row) => [row.impl, fmt(row.cpuPercent), fmt(row.diskMbPerMin)]);
  rows.push(['added by recording', fmt(r.addedCpuPercent), '']);
  rows.push(['own process - one ffmpeg (dual)', fmt(r.ownProcessCpuPercent), '']);
  console.log(alignColumns(['impl', 'cpu % a camera', 'disk MB/min a camera'], rows).join('\n'));
  if (base) {
    const ratio = r.addedCpuPercent.median / base.cpuPercent.median;
    console.log(
      `\nrecording added to an analysed camera costs ${ratio.toFixed(2)}x the CPU of plain ffmpeg recording the stream alone (${ratio < 1 ? 'cheaper' : 'MORE EXPENSIVE'})`,
    );
  }
  for (const note of r.notes) console.log(`  ${note}`);
}
