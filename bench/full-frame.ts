/**
 * Full-frame best shots: what keeping the whole frame at each event's best-shot moment costs, at the
 * detect sizes the gateway runs (yuv420p). Each step is the product's own code, against the path it
 * replaces or adds to, alternating in the same run:
 * - channel worker, per committed candidate crop: the slab snapshot of the whole frame
 *   (`panoptes-whole-snapshot`, bestShot.frameWidth > 0) against the region grown by its margin
 *   (`panoptes-region-snapshot`, frameWidth 0; a detector-sized region in the frame's centre);
 * - coordinator, per crop with detections: FrameHold's copy of the frame out of the slab;
 * - coordinator, per event: the frame converted to RGB, downscaled to frameWidth and encoded
 *   (encodeFrame, awaited), against the best-shot crop's encode (a padded 144x240 box).
 * Shared memory a camera is the slab's size with and without whole snapshots (4 slots, a 320 model).
 * The copies rotate over 64 MB of source frames and as much of destinations, so they are timed from
 * memory, not from a cache that 100 cameras' rings and slabs would never fit in.
 */
import sharp from 'sharp';
import { encodeFrame, FrameHold } from '../src/analytics/full-frame.ts';
import { encodeJpeg } from '../src/analytics/jpeg.ts';
import type { ShotFrame } from '../src/analytics/shot-pixels.ts';
import { CropSlab } from '../src/inference/crop-slab.ts';
import { copyRegion as copyFrameRegion } from '../src/analytics/shot-pixels.ts';
import { copyRegion, SNAPSHOT_MARGIN, snapshotBytes, snapshotRect } from '../src/inference/region-copy.ts';
import { cropResize } from '../src/native/index.ts';
import { lavfiFrames } from '../test/support/video.ts';
import { alignColumns, machineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { runTrials, timeLoop, type Impl, type Summary, type TrialOptions } from './lib/trials.ts';

const QUALITY = 80;
const TENSOR = { width: 320, height: 320, layout: 'nchw-f32' } as const;
/** Bytes of frames (and of snapshots) the copies rotate over: larger than the last-level cache. */
const WORKING_SET = 64 * 1024 * 1024;

export interface FullFrameRow {
  size: string;
  step: string;
  impl: string;
  baseline: string | null;
  usPerCall: { median: number; min: number; max: number };
  /** This row's median / its baseline's median. */
  ratio: number | null;
  bytes: number | null;
}

export interface FullFrameReport {
  scenario: 'full-frame';
  date: string;
  quick: boolean;
  machine: ReturnType<typeof machineFacts>;
  trial: TrialOptions;
  memory: Array<{ size: string; slabBytesRegion: number; slabBytesWhole: number; frameBytes: number }>;
  rows: FullFrameRow[];
}

async function encodeImpl(name: string, encode: () => Promise<Buffer>, bytes: Map<string, number>): Promise<Impl> {
  return {
    name,
    measure: async (n) => {
      const start = process.hrtime.bigint();
      let out: Buffer | null = null;
      for (let i = 0; i < n; i++) out = await encode();
      bytes.set(name, out?.length ?? 0);
      return Number(process.hrtime.bigint() - start) / n;
    },
  };
}

async function sizeRows(width: number, height: number, trial: TrialOptions): Promise<FullFrameRow[]> {
  const data = lavfiFrames(width, height, 'yuv420p', 1).frames[0] as Uint8Array;
  const size = `${width}x${height}`;
  const frameBytes = snapshotBytes('yuv420p', width, height);
  const count = trial.trials <= 3 ? 2 : Math.ceil(WORKING_SET / frameBytes);
  const sources = Array.from({ length: count }, () => data.slice());
  const snapshots = Array.from({ length: count }, () => new Uint8Array(frameBytes).fill(1));
  let k = 0;
  const next = (): number => {
    k = (k + 1) % count;
    return k;
  };
  const side = Math.min(416, height);
  const region = snapshotRect(
    { x: (width - side) >> 1, y: (height - side) >> 1, width: side, height: side },
    SNAPSHOT_MARGIN,
    width,
    height,
  );
  const frame: ShotFrame = { data, format: 'yuv420p', width, height, timeMs: 0 };
  const hold = new FrameHold();
  let t = 0;
  // A standing person's padded box (smaller in --quick's tiny frame).
  const bw = Math.min(144, width >> 1),
    bh = Math.min(240, height >> 1);
  const box = cropResize(data, 'yuv420p', width, height, {
    roi: { x: (width - bw) >> 1, y: (height - bh) >> 1, width: bw, height: bh },
    width: bw,
    height: bh,
    layout: 'nhwc-u8',
  }).tensor as Uint8Array;
  const bytes = new Map<string, number>();
  const groups: Array<{ step: string; baseline: string | null; impls: Impl[] }> = [
    {
      step: 'channel worker: snapshot a crop',
      baseline: 'panoptes-region-snapshot',
      impls: [
        {
          name: 'panoptes-region-snapshot',
          measure: (n) =>
            timeLoop(n, () => {
              const i = next();
              copyRegion(sources[i] as Uint8Array, snapshots[i] as Uint8Array, 'yuv420p', width, height, region);
            }),
        },
        {
          name: 'panoptes-whole-snapshot',
          measure: (n) =>
            timeLoop(n, () => {
              const i = next();
              (snapshots[i] as Uint8Array).set(sources[i] as Uint8Array);
            }),
        },
      ],
    },
    {
      step: 'coordinator: hold the frame of a crop with detections',
      baseline: null,
      impls: [
        {
          name: 'panoptes-frame-hold',
          measure: (n) => timeLoop(n, () => hold.hold({ ...frame, data: snapshots[next()] as Uint8Array, timeMs: t++ })),
        },
      ],
    },
    {
      step: 'coordinator: convert the frame at the event end (sync part of the encode)',
      baseline: null,
      impls: [
        { name: 'panoptes-frame-convert', measure: (n) => timeLoop(n, () => copyFrame(frame, width, width, height)) },
        { name: 'panoptes-frame-convert-640', measure: (n) => timeLoop(n, () => copyFrame(frame, 640, width, height)) },
      ],
    },
    {
      step: 'coordinator: encode at the event end',
      baseline: 'panoptes-crop-encode',
      impls: [
        await encodeImpl(
          'panoptes-crop-encode',
          () => encodeJpeg({ data: box, width: bw, height: bh, channels: 3 }, { quality: QUALITY }),
          bytes,
        ),
        await encodeImpl('panoptes-frame-encode', () => encodeFrame(frame, 1280, QUALITY), bytes),
        await encodeImpl('panoptes-frame-encode-640', () => encodeFrame(frame, 640, QUALITY), bytes),
      ],
    },
  ];
  const rows: FullFrameRow[] = [];
  for (const group of groups) {
    const results = await runTrials(group.impls, trial);
    const base = group.baseline === null ? undefined : results.get(group.baseline)?.median;
    for (const impl of group.impls) {
      const s = results.get(impl.name) as Summary;
      const compared = base !== undefined && impl.name !== group.baseline;
      rows.push({
        size,
        step: group.step,
        impl: impl.name,
        baseline: compared ? group.baseline : null,
        usPerCall: { median: s.median / 1e3, min: s.min / 1e3, max: s.max / 1e3 },
        ratio: compared ? s.median / base : null,
        bytes: bytes.get(impl.name) ?? null,
      });
    }
  }
  return rows;
}

/** What encodeFrame does before sharp: the whole frame to RGB at `maxWidth`. */
function copyFrame(frame: ShotFrame, maxWidth: number, width: number, height: number): void {
  const scale = Math.min(1, maxWidth / width);
  copyFrameRegion(frame, { x: 0, y: 0, width, height }, Math.round(Math.max(width, height) * scale));
}

function sig(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3);
}

export async function run(options: BenchOptions): Promise<FullFrameReport> {
  const trial: TrialOptions = options.quick
    ? { trials: 3, targetMs: 2, warmupMs: 5, maxIterations: 20 }
    : { trials: 7, targetMs: 150, warmupMs: 300, maxIterations: 100_000 };
  sharp.cache(false);
  const sizes: Array<[number, number]> = options.quick
    ? [[160, 90]]
    : [
        [640, 360],
        [1280, 720],
      ];
  const rows: FullFrameRow[] = [];
  const memory: FullFrameReport['memory'] = [];
  for (const [i, [w, h]] of sizes.entries()) {
    options.progress?.step(i, sizes.length, `${w}x${h}`);
    const geometry = { format: 'yuv420p', width: w, height: h } as const;
    memory.push({
      size: `${w}x${h}`,
      slabBytesRegion: CropSlab.create(TENSOR, 4, geometry).buffer.byteLength,
      slabBytesWhole: CropSlab.create(TENSOR, 4, { ...geometry, whole: true }).buffer.byteLength,
      frameBytes: snapshotBytes('yuv420p', w, h),
    });
    rows.push(...(await sizeRows(w, h, trial)));
  }
  options.progress?.step(sizes.length, sizes.length, 'done');
  const machine = machineFacts({ sharp: sharp.versions });
  console.log(`full-frame bench${options.quick ? ' (--quick: tiny sizes, numbers mean nothing)' : ''}`);
  console.log(`${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.gitCommit ?? 'none'}`);
  console.log(`${trial.trials} trials, ~${trial.targetMs} ms per contender per trial\n`);
  const header = ['size / step / impl', 'us a call median (min-max)', 'vs baseline', 'JPEG bytes'];
  const body = rows.map((r) => [
    `${r.size}  ${r.step}: ${r.impl}`,
    `${sig(r.usPerCall.median)} (${sig(r.usPerCall.min)}-${sig(r.usPerCall.max)})`,
    r.ratio === null ? '' : `${sig(r.ratio)}x ${r.baseline}`,
    r.bytes === null ? '' : String(r.bytes),
  ]);
  console.log(alignColumns(header, body).join('\n'));
  console.log('');
  for (const m of memory)
    console.log(
      `${m.size}: crop slab ${m.slabBytesRegion} B a camera with region snapshots, ${m.slabBytesWhole} B with whole ones; ` +
        `a held frame ${m.frameBytes} B`,
    );
  return { scenario: 'full-frame', date: new Date().toISOString(), quick: options.quick, machine, trial, memory, rows };
}
