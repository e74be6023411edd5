/**
 * Detect-size bench: what a camera costs at each detect resolution (the colour frame in the ring, which
 * crops and best shots are cut from) with motion on a 320x180 area downscale of it. Per size, in one
 * run, alternating: ring bytes (4 slots) and the crop slab's snapshot bytes; the channel worker's work
 * a frame (toLuma's area downscale + motion), against motion on the whole detect frame (the design
 * before the motion plane: panoptes-full-plane); one candidate (a 320 crop to NCHW float + its colour
 * snapshot); and ffmpeg decoding a 1280x720 H.264 sub-stream and scaling it to the size (CPU a frame,
 * from ffmpeg's own -benchmark), against the former default, 640x360 gray.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CropSlab } from '../src/inference/crop-slab.ts';
import { copyRegion, snapshotRect } from '../src/inference/region-copy.ts';
import { MotionDetector, cropResize, frameBytes, toLuma } from '../src/native/index.ts';
import { FrameRing } from '../src/ring/layout.ts';
import { ffmpegPath, lavfiFrames } from '../test/support/video.ts';
import { alignColumns, machineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { median, runTrials, type Impl, type TrialOptions } from './lib/trials.ts';

const MOTION = { width: 320, height: 180 };
const MODEL = 320;
const SLOTS = 4;
const SIZES: ReadonlyArray<readonly [number, number]> = [
  [640, 360],
  [960, 540],
  [1280, 720],
];

interface Range {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export interface DetectSizeRow {
  size: string;
  ringBytes: number;
  snapshotBytes: number;
  /** toLuma to 320x180 + motion, a frame. */
  motionPlaneUs: Range;
  /** toLuma + motion on the whole detect frame. */
  fullPlaneUs: Range;
  /** cropResize of a 320 region to 320x320 NCHW float + copyRegion into the snapshot. */
  candidateUs: Range;
  /** ffmpeg user+system CPU a frame, decoding 1280x720 H.264 and scaling to this size (yuv420p). */
  ffmpegMsPerFrame: Range;
}

export interface DetectSizeReport {
  date: string;
  quick: boolean;
  machine: ReturnType<typeof machineFacts>;
  rows: DetectSizeRow[];
  /** ffmpeg CPU a frame for the former default, 640x360 gray. */
  ffmpegGray640MsPerFrame: Range;
  notes: string[];
}

const range = (r: { median: number; min: number; max: number; samples: number[] }, scale = 1): Range => ({
  median: r.median * scale,
  min: r.min * scale,
  max: r.max * scale,
  samples: r.samples.map((v) => v * scale),
});

function motionImpl(name: string, frames: Uint8Array[], w: number, h: number, mw: number, mh: number): Impl {
  const luma = new Uint8Array(mw * mh);
  const detector = new MotionDetector({ width: mw, height: mh, threshold: 25, minArea: 16, alpha: 0.2, foregroundAlpha: 0.02 });
  let i = 0;
  return {
    name,
    measure: (n) => {
      const start = process.hrtime.bigint();
      for (let k = 0; k < n; k++) detector.detect(toLuma(frames[i++ % frames.length] as Uint8Array, 'yuv420p', w, h, luma, mw, mh));
      return Number(process.hrtime.bigint() - start) / n;
    },
  };
}

function candidateImpl(name: string, frame: Uint8Array, w: number, h: number): Impl {
  const side = Math.min(MODEL, w, h);
  const roi = { x: (w - side) >> 1, y: (h - side) >> 1, width: side, height: side };
  const tensor = new Float32Array(MODEL * MODEL * 3);
  const snapshot = new Uint8Array(frameBytes('yuv420p', w, h));
  const rect = snapshotRect(roi, 0.15, w, h);
  return {
    name,
    measure: (n) => {
      const start = process.hrtime.bigint();
      for (let k = 0; k < n; k++) {
        cropResize(frame, 'yuv420p', w, h, { roi, width: MODEL, height: MODEL, layout: 'nchw-f32', letterbox: true }, tensor);
        copyRegion(frame, snapshot, 'yuv420p', w, h, rect);
      }
      return Number(process.hrtime.bigint() - start) / n;
    },
  };
}

/** ffmpeg's own CPU time (utime + stime from -benchmark) a frame for one decode-and-scale run. */
function ffmpegCpu(clip: string, frames: number, filter: string, pixFmt: string): number {
  const run = spawnSync(
    ffmpegPath(),
    [
      '-hide_banner',
      '-nostdin',
      '-benchmark',
      '-threads',
      '1',
      '-i',
      clip,
      '-vf',
      filter,
      '-f',
      'rawvideo',
      '-pix_fmt',
      pixFmt,
      '-y',
      '/dev/null',
    ],
    { encoding: 'utf8' },
  );
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(run.stderr);
  if (run.status !== 0 || !m) throw new Error(`ffmpeg -benchmark failed (${String(run.status)}): ${run.stderr.slice(-300)}`);
  return ((Number(m[1]) + Number(m[2])) * 1000) / frames;
}

function table(rows: readonly DetectSizeRow[], gray: Range): string {
  const header = ['detect size', 'ring MB', 'snapshots MB', 'motion us/frame', 'full-plane us/frame', 'candidate us', 'ffmpeg ms/frame'];
  const f = (r: Range, d = 0): string => `${r.median.toFixed(d)} (${r.min.toFixed(d)}-${r.max.toFixed(d)})`;
  const body = rows.map((r) => [
    r.size,
    (r.ringBytes / 1e6).toFixed(2),
    (r.snapshotBytes / 1e6).toFixed(2),
    f(r.motionPlaneUs),
    f(r.fullPlaneUs),
    f(r.candidateUs),
    f(r.ffmpegMsPerFrame, 2),
  ]);
  body.push(['640x360 gray (before)', ((SLOTS * 640 * 360) / 1e6).toFixed(2), '-', '-', '-', '-', f(gray, 2)]);
  return alignColumns(header, body).join('\n');
}

const NOTES = [
  `Per camera: ring = ${SLOTS} slots of yuv420p at the detect size (FrameRing); snapshots = ${SLOTS} crop-slab slots of the same frame size`,
  '  (only the copied regions are ever touched, so resident memory is a fraction of it).',
  `motion: toLuma area downscale to ${MOTION.width}x${MOTION.height} + motion (alpha 0.2, foregroundAlpha 0.02) on testsrc2 (moving).`,
  '  full-plane: toLuma at the detect size + motion on it, the design before the motion plane (panoptes-full-plane).',
  `candidate: one ${MODEL} region letterboxed to ${MODEL}x${MODEL} NCHW float (cropResize) + its snapshot copy (copyRegion), a candidate.`,
  'ffmpeg: one thread decoding a 1280x720 H.264 clip (libx264, testsrc2, 5 fps) and scaling with flags=area to the size, rawvideo',
  '  to /dev/null; user+system CPU from -benchmark / frames, median (min-max) over the trials; 1280x720 needs no scaling.',
];

export async function run(options: BenchOptions): Promise<DetectSizeReport> {
  const quick = options.quick;
  const trial: TrialOptions = quick
    ? { trials: 3, targetMs: 2, warmupMs: 5, maxIterations: 20 }
    : { trials: 7, targetMs: 150, warmupMs: 300, maxIterations: 100_000 };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'panoptes-detect-size-'));
  const clipFrames = quick ? 10 : 100;
  const clip = path.join(dir, 'sub.mp4');
  execFileSync(ffmpegPath(), [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=5',
    '-frames:v',
    String(clipFrames),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '10',
    '-pix_fmt',
    'yuv420p',
    '-y',
    clip,
  ]);
  try {
    const rows: DetectSizeRow[] = [];
    const ffmpegTrials = quick ? 3 : 5;
    const ffmpegSamples = new Map<string, number[]>();
    const cases = [
      ...SIZES.map(([w, h]) => ({ key: `${w}x${h}`, filter: `scale=${w}:${h}:flags=area,format=yuv420p`, fmt: 'yuv420p' })),
      { key: 'gray', filter: 'scale=640:360:flags=area,format=gray', fmt: 'gray' },
    ];
    for (let t = 0; t < ffmpegTrials; t++) {
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(t + k) % cases.length] as (typeof cases)[number];
        const list = ffmpegSamples.get(c.key) ?? [];
        list.push(ffmpegCpu(clip, clipFrames, c.filter, c.fmt));
        ffmpegSamples.set(c.key, list);
      }
    }
    const ffRange = (key: string): Range => {
      const s = ffmpegSamples.get(key) ?? [0];
      return { median: median(s), min: Math.min(...s), max: Math.max(...s), samples: s };
    };
    for (const [w, h] of SIZES) {
      const frames = lavfiFrames(w, h, 'yuv420p', quick ? 2 : 8).frames;
      const results = await runTrials(
        [
          motionImpl('motion-plane', frames, w, h, MOTION.width, MOTION.height),
          motionImpl('full-plane', frames, w, h, w, h),
          candidateImpl('candidate', frames[0] as Uint8Array, w, h),
        ],
        trial,
      );
      const us = (name: string): Range => range(results.get(name) as Range, 1e-3);
      const ring = FrameRing.create({ width: w, height: h, format: 'yuv420p', slots: SLOTS });
      const slab = CropSlab.create(null, SLOTS, { format: 'yuv420p', width: w, height: h });
      rows.push({
        size: `${w}x${h}`,
        ringBytes: ring.buffer.byteLength,
        snapshotBytes: slab.buffer.byteLength,
        motionPlaneUs: us('motion-plane'),
        fullPlaneUs: us('full-plane'),
        candidateUs: us('candidate'),
        ffmpegMsPerFrame: ffRange(`${w}x${h}`),
      });
    }
    const gray = ffRange('gray');
    console.log(
      `\ndetect size (motion on ${MOTION.width}x${MOTION.height}; ${quick ? 'quick: numbers mean nothing' : 'median (min-max)'})\n`,
    );
    console.log(table(rows, gray));
    console.log(`\n${NOTES.join('\n')}`);
    return { date: new Date().toISOString(), quick, machine: machineFacts(), rows, ffmpegGray640MsPerFrame: gray, notes: NOTES };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
