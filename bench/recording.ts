/**
 * Recording bench: what recording costs a camera, at N cameras (default 50; --quick 2) of the
 * GStreamer RTSP server streaming an H.264 clip as it is (no encoder in the server). Three contenders,
 * alternating in rounds after a warm-up round, each a window of the same length with all N running:
 *
 * - panoptes-recording: the product's ingest ffmpeg (ffmpegArgs, the frames discarded) with the
 *   recorder's output (recordingOutput: fifo + segment, -c copy), and the product's Recorder filing
 *   every segment into a SegmentStore (and its index in an events database) in this process;
 * - panoptes-analysis-only: the same ingest without the recorder; the difference to the above is what
 *   recording adds to a camera that is analysed anyway;
 * - ffmpeg-segment (baseline): plain `ffmpeg -i rtsp -c copy -f segment` alone, one process a camera,
 *   the cost of recording the same streams with nothing else.
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
import { ffmpegArgs, type IngestSpec } from '../src/ingest/ffmpeg-args.ts';
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

function exec(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}

/** An H.264 clip like a camera's sub-stream: 640x360, 10 fps, a key frame every 2 s, long enough for a window. */
async function makeClip(dir: string, seconds: number): Promise<string> {
  const file = path.join(dir, 'camera.mp4');
  await exec(ffmpegPath(), [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi'],
    ...['-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}`, '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '800k', '-g', String(FPS * 2), '-bf', '0', '-pix_fmt', 'yuv420p', file],
  ]);
  return file;
}

interface Running {
  children: ChildProcess[];
  dir: string;
  settle?: () => Promise<void>;
}

type Contender = 'panoptes-recording' | 'panoptes-analysis-only' | 'ffmpeg-segment';

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

function start(contender: Contender, urls: readonly string[], root: string): Running {
  const dir = mkdtempSync(path.join(root, `${contender}-`));
  const settings = cameraRecordingSchema.parse({ mode: 'continuous', segmentSeconds: SEGMENT_S });
  const { db } = openDatabase(`${dir}.db`);
  const index = new SegmentIndex(db);
  const store = new SegmentStore(dir, index);
  const log = pino({ level: 'silent' });
  const children = urls.map((url, i) => {
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
    const recorder = new Recorder({ camera, settings, url: null, store, log, onSegment: () => {} });
    const tap = recorder.begin((u) => u);
    const child = spawn(ffmpegPath(), ffmpegArgs(spec, '/dev/null', tap), { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    recorder.attach(child.stdio[3] as Readable);
    child.stderr?.resume();
    return child;
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

async function window(contender: Contender, urls: readonly string[], root: string, windowS: number, settleS: number): Promise<Sample> {
  const running = start(contender, urls, root);
  try {
    // Connected and past the first key frame before the window opens.
    await new Promise((resolve) => setTimeout(resolve, settleS * 1000));
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
  const cameras = options.quick ? 2 : 50;
  const windowS = options.quick ? 3 : 30;
  const settleS = options.quick ? 2 : 4;
  const trials = options.quick ? 1 : 3;
  const warmup = options.quick ? 0 : 1;
  const root = mkdtempSync(path.join(os.tmpdir(), 'panoptes-bench-recording-'));
  let rtsp: RtspServer | undefined;
  try {
    // Each client gets the clip from its start; it must outlast connecting plus the window.
    const clip = await makeClip(root, windowS + 30);
    rtsp = await startRtspServer({ mounts: cameras, clips: [clip], startTimeoutMs: 60_000 });
    const server = rtsp;
    const urls = Array.from({ length: cameras }, (_, i) => server.url(i));
    const contenders: Contender[] = ['panoptes-recording', 'panoptes-analysis-only', 'ffmpeg-segment'];
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
    const report: RecordingReport = {
      date: new Date().toISOString(),
      quick: options.quick,
      machine: machineFacts(),
      cameras,
      windowS,
      stream: `H.264 ${WIDTH}x${HEIGHT} ${FPS} fps ~800 kb/s over RTSP (GStreamer, clip sent as it is); ${SEGMENT_S} s MP4 segments`,
      rows,
      addedCpuPercent: range(added),
      notes: [
        'cpu: % of one core a camera (ffmpeg user+system, plus this process for the two panoptes contenders)',
        'panoptes-recording - panoptes-analysis-only = what recording adds to an analysed camera; ffmpeg-segment = recording alone with plain ffmpeg',
      ],
    };
    print(report);
    return report;
  } finally {
    await rtsp?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function print(r: RecordingReport): void {
  const fmt = (x: Range) => `${x.median.toFixed(2)} (${x.min.toFixed(2)}-${x.max.toFixed(2)})`;
  const base = r.rows.find((row) => row.impl === 'ffmpeg-segment');
  console.log(`\nrecording: ${r.cameras} cameras, ${r.windowS} s windows; ${r.stream}\n`);
  const rows = r.rows.map((row) => [row.impl, fmt(row.cpuPercent), fmt(row.diskMbPerMin)]);
  rows.push(['added by recording', fmt(r.addedCpuPercent), '']);
  console.log(alignColumns(['impl', 'cpu % a camera', 'disk MB/min a camera'], rows).join('\n'));
  if (base) {
    const ratio = r.addedCpuPercent.median / base.cpuPercent.median;
    console.log(
      `\nrecording added to an analysed camera costs ${ratio.toFixed(2)}x the CPU of plain ffmpeg recording the stream alone (${ratio < 1 ? 'cheaper' : 'MORE EXPENSIVE'})`,
    );
  }
  for (const note of r.notes) console.log(`  ${note}`);
}
