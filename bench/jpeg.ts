/**
 * JPEG bench: encoding best-shot crops. panoptes-sharp is src/analytics/jpeg.ts as the gateway runs it
 * (sharp over mozjpeg's library, trellis off, quality 80, one crop at a time, awaited). Peers in the same
 * run, alternating: sharp with mozjpeg's trellis quantisation and progressive scans (the size-optimising
 * setting) and OpenCV's cv2.imencode (Debian's libjpeg-turbo, quality 80, single-threaded, timed inside
 * its own Python loop). Crops come from a real decoded frame (testsrc2, cropResize), at the sizes a best
 * shot has: a 120x100 box padded at 320x180 analysis size, a detector-sized square, the whole frame.
 */
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { encodeJpeg, type RawImage } from '../src/analytics/jpeg.ts';
import { cropResize } from '../src/native/index.ts';
import { PythonPeer } from '../test/support/opencv.ts';
import { lavfiFrames } from '../test/support/video.ts';
import { alignColumns, machineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { runTrials, type Impl, type Summary, type TrialOptions } from './lib/trials.ts';

const QUALITY = 80;
const supportDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'support');

/** The OpenCV peer: one Python process, framing from test/support/opencv_oracle.py. */
const PEER_SOURCE = `
import re, sys, time
sys.path.insert(0, ${JSON.stringify(supportDir)})
import cv2
import numpy as np
from opencv_oracle import serve
cv2.setNumThreads(1)
crops = {}

def hello(h, b):
    m = re.search(r"JPEG:\\s*(.*)", cv2.getBuildInformation())
    return {"opencv": cv2.__version__, "jpeg": m.group(1).strip() if m else "unknown"}, []

def load(h, b):
    shape = (h["height"], h["width"]) if h["channels"] == 1 else (h["height"], h["width"], 3)
    crops[h["name"]] = np.frombuffer(b[0], np.uint8).reshape(shape).copy()
    return {}, []

def run(h, b):
    img, n, params = crops[h["name"]], h["iterations"], [cv2.IMWRITE_JPEG_QUALITY, h["quality"]]
    size = 0
    start = time.perf_counter_ns()
    for _ in range(n):
        ok, buf = cv2.imencode(".jpg", img, params)
        size = len(buf)
    return {"nsPerIteration": (time.perf_counter_ns() - start) / n, "bytes": size}, []

serve({"hello": hello, "load": load, "run": run})
`;

interface CropCase {
  name: string;
  image: RawImage;
}

interface JpegRow {
  case: string;
  impl: string;
  usPerCrop: { median: number; min: number; max: number };
  cropsPerSecond: number;
  bytes: number;
  /** Our median time / this row's median: above 1 this contender is slower than panoptes-sharp. */
  timeRatioToOurs: number;
}

function crops(quick: boolean): CropCase[] {
  const [w, h] = quick ? [160, 90] : [640, 360];
  const yuv = lavfiFrames(w, h, 'yuv420p', 1).frames[0] as Uint8Array;
  const rgb = (rw: number, rh: number, roi = { x: 0, y: 0, width: rw, height: rh }): RawImage => ({
    data: cropResize(yuv, 'yuv420p', w, h, { roi, width: rw, height: rh, layout: 'nhwc-u8' }).tensor as Uint8Array,
    width: rw,
    height: rh,
    channels: 3,
  });
  const gray = (rw: number, rh: number): RawImage => {
    const data = new Uint8Array(rw * rh);
    for (let y = 0; y < rh; y++) data.set(yuv.subarray(y * w, y * w + rw), y * rw);
    return { data, width: rw, height: rh, channels: 1 };
  };
  if (quick)
    return [
      { name: 'gray 48x40', image: gray(48, 40) },
      { name: 'rgb 48x40', image: rgb(48, 40) },
    ];
  return [
    { name: 'gray 144x120 (padded box)', image: gray(144, 120) },
    { name: 'rgb 144x120 (padded box)', image: rgb(144, 120) },
    { name: 'rgb 320x320 (detector square)', image: rgb(320, 320, { x: 160, y: 20, width: 320, height: 320 }) },
    { name: 'rgb 640x360 (whole analysis frame)', image: rgb(640, 360) },
  ];
}

function sharpImpl(name: string, image: RawImage, mozjpeg: boolean, bytes: Map<string, number>): Impl {
  return {
    name,
    measure: async (n) => {
      const start = process.hrtime.bigint();
      let out: Buffer | null = null;
      for (let i = 0; i < n; i++) out = await encodeJpeg(image, { quality: QUALITY, mozjpeg });
      const ns = Number(process.hrtime.bigint() - start) / n;
      bytes.set(name, out?.length ?? 0);
      return ns;
    },
  };
}

function sig(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3);
}

function table(rows: readonly JpegRow[]): string {
  const header = ['case / impl', 'us/crop median (min-max)', 'crops/s', 'bytes', 'vs panoptes-sharp'];
  const lines: string[] = [];
  let last = '';
  const body = rows.map((r) => [
    `  ${r.impl}`,
    `${sig(r.usPerCrop.median)} (${sig(r.usPerCrop.min)}-${sig(r.usPerCrop.max)})`,
    sig(r.cropsPerSecond),
    String(r.bytes),
    r.impl === 'panoptes-sharp'
      ? 'baseline'
      : r.timeRatioToOurs >= 1
        ? `${sig(r.timeRatioToOurs)}x slower`
        : `${sig(1 / r.timeRatioToOurs)}x FASTER`,
  ]);
  const aligned = alignColumns(header, body);
  lines.push(aligned[0] as string);
  rows.forEach((r, i) => {
    if (r.case !== last) lines.push('', r.case);
    last = r.case;
    lines.push(aligned[i + 1] as string);
  });
  return lines.join('\n');
}

const NOTES = [
  'panoptes-sharp: encodeJpeg (sharp 0.35 / libvips, mozjpeg library with trellis off), awaited one at a time: the',
  '  latency of one best shot, libuv thread-pool hop included. sharp-mozjpeg: the same with { mozjpeg: true }.',
  'opencv-imencode: cv2.imencode(".jpg", quality 80) in its own Python loop, setNumThreads(1); RGB bytes passed as',
  '  they are (OpenCV reads them as BGR; the cost is the same). bytes: the encoded size of the last call.',
  "sharp's operation cache is off for the run (sharp.cache(false)), so no call is served from an earlier one.",
];

export async function run(options: BenchOptions): Promise<unknown> {
  const trial: TrialOptions = options.quick
    ? { trials: 3, targetMs: 2, warmupMs: 5, maxIterations: 20 }
    : { trials: 9, targetMs: 150, warmupMs: 300, maxIterations: 100_000 };
  sharp.cache(false);
  const script = path.join(os.tmpdir(), `panoptes-jpeg-peer-${process.pid}.py`);
  writeFileSync(script, PEER_SOURCE);
  const peer = new PythonPeer(script);
  try {
    const { header: facts } = await peer.call('hello');
    const rows: JpegRow[] = [];
    for (const c of crops(options.quick)) {
      const { data, width, height, channels } = c.image;
      await peer.call('load', { name: c.name, width, height, channels }, [data]);
      const bytes = new Map<string, number>();
      const opencv: Impl = {
        name: 'opencv-imencode',
        measure: async (n) => {
          const { header } = await peer.call('run', { name: c.name, iterations: n, quality: QUALITY });
          bytes.set('opencv-imencode', header['bytes'] as number);
          return header['nsPerIteration'] as number;
        },
      };
      const impls = [sharpImpl('panoptes-sharp', c.image, false, bytes), sharpImpl('sharp-mozjpeg', c.image, true, bytes), opencv];
      const results = await runTrials(impls, trial);
      const ours = (results.get('panoptes-sharp') as Summary).median;
      for (const impl of impls) {
        const s = results.get(impl.name) as Summary;
        rows.push({
          case: `${c.name}, quality ${QUALITY}`,
          impl: impl.name,
          usPerCrop: { median: s.median / 1e3, min: s.min / 1e3, max: s.max / 1e3 },
          cropsPerSecond: 1e9 / s.median,
          bytes: bytes.get(impl.name) ?? 0,
          timeRatioToOurs: s.median / ours,
        });
      }
    }
    const machine = machineFacts({ sharp: sharp.versions, opencv: facts['opencv'], opencvJpeg: facts['jpeg'] });
    console.log(`jpeg bench${options.quick ? ' (--quick: tiny sizes, numbers mean nothing)' : ''}`);
    console.log(
      `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, sharp ${sharp.versions.sharp} (vips ${sharp.versions.vips}, ` +
        `mozjpeg ${sharp.versions.mozjpeg ?? '?'}), OpenCV ${String(facts['opencv'])} (JPEG: ${String(facts['jpeg'])}), commit ${machine.gitCommit ?? 'none'}`,
    );
    console.log(`${trial.trials} trials, ~${trial.targetMs} ms per contender per trial, after ${trial.warmupMs} ms warm-up each\n`);
    console.log(table(rows));
    console.log(`\n${NOTES.join('\n')}`);
    return { scenario: 'jpeg', date: new Date().toISOString(), quick: options.quick, machine, trial, notes: NOTES, rows };
  } finally {
    await peer.close();
    rmSync(script, { force: true });
  }
}
