/**
 * Kernel bench: panoptes native at every SIMD level this CPU runs, the pure-TypeScript reference,
 * OpenCV (single-threaded, timed inside its own Python process over the same frames) and memcpy of the
 * same input bytes, alternating within each trial. Native calls go straight to the addon with
 * preallocated outputs and an explicit level, so the numbers are kernel plus N-API call, no wrapper.
 */
import { addon } from '../src/native/load.ts';
import { formatCode, SIMD_LEVELS, type SimdLevelName } from '../src/native/binding.ts';
import { simdReport } from '../src/native/index.ts';
import { cropResizeReference } from '../test/reference/crop-resize.ts';
import { toLumaReference } from '../test/reference/luma.ts';
import { motionReference } from '../test/reference/motion.ts';
import { sharpnessReference } from '../test/reference/sharpness.ts';
import type { JsonObject } from '../test/support/opencv.ts';
import { lavfiFrames } from '../test/support/video.ts';
import { OpenCvBench, type OpenCvCase } from './lib/opencv.ts';
import { formatTable, machineFacts, makeRow, type Row } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { runTrials, timeLoop, type Impl, type TrialOptions } from './lib/trials.ts';

interface OpenCvContender {
  name: string;
  kind: OpenCvCase;
  frames: string[];
  params: JsonObject;
}

interface KernelCase {
  name: string;
  /** Pixels per call for ns/px: source pixels, except cropResize: tensor pixels. */
  pixels: number;
  /** The bytes a call reads; memcpy copies exactly these. */
  inputs: Uint8Array[];
  native(level: number): void;
  reference(): void;
  opencv: OpenCvContender[];
  /** A number every contender computes (changed pixels, Tenengrad), compared before it is trusted. */
  value?: { native(): number; reference(): number };
}

const MOTION = { threshold: 25, minArea: 16, gridCols: 8, gridRows: 8, maxBoxes: 32 };

/**
 * Two motion cases, each against the OpenCV chain doing comparable work: count-only (maxBoxes 0: changed
 * count, bbox and grid, no labelling) against absdiff + threshold + countNonZero, and the full call
 * (plus 8-connected component boxes) against the chain with connectedComponentsWithStats.
 */
function motionCase(w: number, h: number, cur: Uint8Array, ref: Uint8Array, tag: string, withBoxes: boolean): KernelCase {
  const maxBoxes = withBoxes ? MOTION.maxBoxes : 0;
  const grid = new Uint32Array(64);
  const boxes = new Int32Array(maxBoxes * 5);
  const stats = new Float64Array(7);
  const run = (level: number): number => {
    addon().motion(cur, ref, w, h, MOTION.threshold, MOTION.minArea, 0, 0, null, grid, 8, 8, boxes, stats, level);
    return stats[0] as number;
  };
  const reference = (): number => motionReference(cur, ref, w, h, { ...MOTION, maxBoxes, alpha: 0 }).changed;
  const params = { threshold: MOTION.threshold, minArea: MOTION.minArea };
  const opencv: OpenCvContender = withBoxes
    ? { name: 'opencv-full-chain', kind: 'motionFull', frames: [`cur${tag}`, `ref${tag}`], params }
    : { name: 'opencv-absdiff+threshold+count', kind: 'motionCount', frames: [`cur${tag}`, `ref${tag}`], params };
  return {
    name: `motion gray ${w}x${h} ${withBoxes ? 'with component boxes' : 'count, bbox, grid'}`,
    pixels: w * h,
    inputs: [cur, ref],
    native: run,
    reference,
    opencv: [opencv],
    value: { native: () => run(0), reference },
  };
}

function sharpnessCase(w: number, h: number, plane: Uint8Array, tag: string): KernelCase {
  const out = new Float64Array(3);
  const run = (level: number): number => {
    addon().sharpness(plane, w, h, 0, 0, w, h, out, level);
    return out[0] as number;
  };
  const reference = (): number => sharpnessReference(plane, w, h).tenengrad;
  return {
    name: `sharpness (tenengrad) gray ${w}x${h}`,
    pixels: w * h,
    inputs: [plane],
    native: run,
    reference,
    opencv: [{ name: 'opencv-sobel-tenengrad', kind: 'tenengrad', frames: [`cur${tag}`], params: {} }],
    value: { native: () => run(0), reference },
  };
}

interface Roi {
  x: number;
  y: number;
  width: number;
  height: number;
}

function cropCase(w: number, h: number, yuv: Uint8Array, tag: string, roi: Roi, dst: number, label: string): KernelCase {
  const tensor = new Float32Array(dst * dst * 3);
  const mapping = new Float64Array(6);
  const fmt = formatCode('yuv420p');
  const run = (level: number): void => {
    addon().cropResize(yuv, fmt, w, h, roi.x, roi.y, roi.width, roi.height, tensor, dst, dst, true, 114, null, mapping, level);
  };
  run(0);
  const [, , padX, padY, contentW, contentH] = [...mapping];
  const params = { roi: [roi.x, roi.y, roi.width, roi.height], contentW, contentH, padX, padY, dstW: dst, dstH: dst, pad: 114 };
  const ref = { roi, dstW: dst, dstH: dst, layout: 'nchw-f32', letterbox: true, pad: 114, mean: [0, 0, 0], std: [1, 1, 1] } as const;
  const roiBytes = Math.min(yuv.length, Math.ceil(roi.width * roi.height * 1.5));
  return {
    name: `cropResize yuv420p ${w}x${h} ${label}->${dst}x${dst} nchw-f32`,
    pixels: dst * dst,
    inputs: [yuv.subarray(0, roiBytes)],
    native: run,
    reference: () => cropResizeReference(yuv, 'yuv420p', w, h, ref),
    opencv: [{ name: 'opencv-cvtColor+resize+float+nchw', kind: 'cropTensor', frames: [`yuv${tag}`], params: params as JsonObject }],
  };
}

function lumaCase(format: 'yuv420p' | 'rgb24', w: number, h: number, src: Uint8Array, tag: string, dw: number, dh: number): KernelCase {
  const dst = new Uint8Array(dw * dh);
  const fmt = formatCode(format);
  const opencvName =
    format === 'rgb24' ? (dw === w ? 'opencv-cvtColor-gray' : 'opencv-cvtColor-gray+resize-area') : 'opencv-resize-area(Y)';
  return {
    name: `toLuma ${format} ${w}x${h}->${dw}x${dh}`,
    pixels: w * h,
    inputs: [format === 'yuv420p' ? src.subarray(0, w * h) : src],
    native: (level) => addon().toLuma(src, fmt, w, h, dst, dw, dh, level),
    reference: () => toLumaReference(src, format, w, h, dw, dh),
    opencv: [
      { name: opencvName, kind: 'lumaArea', frames: [format === 'yuv420p' ? `yuv${tag}:y` : `rgb${tag}`], params: { dstW: dw, dstH: dh } },
    ],
  };
}

async function buildCases(cv: OpenCvBench, sizes: [number, number][], tensor: number): Promise<KernelCase[]> {
  const families: KernelCase[][] = [[], [], [], []];
  for (const [index, [w, h]] of sizes.entries()) {
    const tag = `@${w}x${h}`;
    const gray = lavfiFrames(w, h, 'gray', 2).frames as [Uint8Array, Uint8Array];
    const yuv = lavfiFrames(w, h, 'yuv420p', 1).frames[0] as Uint8Array;
    const rgb = lavfiFrames(w, h, 'rgb24', 1).frames[0] as Uint8Array;
    await cv.load(`ref${tag}`, 'gray', w, h, gray[0]);
    await cv.load(`cur${tag}`, 'gray', w, h, gray[1]);
    await cv.load(`yuv${tag}`, 'yuv420p', w, h, yuv);
    await cv.load(`rgb${tag}`, 'rgb24', w, h, rgb);
    const side = Math.min(640, w, h);
    const roi = { x: (w - side) >> 1, y: (h - side) >> 1, width: side, height: side };
    // The large frame shrinks by 3 (1920x1080 -> 640x360, the analysis size); the small one by 2.
    const f = index === sizes.length - 1 ? 3 : 2;
    families[0]?.push(motionCase(w, h, gray[1], gray[0], tag, false), motionCase(w, h, gray[1], gray[0], tag, true));
    families[1]?.push(sharpnessCase(w, h, gray[1], tag));
    families[2]?.push(
      cropCase(w, h, yuv, tag, { x: 0, y: 0, width: w, height: h }, tensor, 'full letterboxed'),
      cropCase(w, h, yuv, tag, roi, tensor, `roi ${side}x${side}`),
    );
    families[3]?.push(
      lumaCase('yuv420p', w, h, yuv, tag, w / f, h / f),
      lumaCase('rgb24', w, h, rgb, tag, index === 0 ? w : w / f, index === 0 ? h : h / f),
    );
  }
  return families.flat();
}

function memcpyImpl(inputs: Uint8Array[]): Impl {
  const copies = inputs.map((b) => new Uint8Array(b.length));
  return {
    name: 'memcpy',
    measure: (n) =>
      timeLoop(n, () => {
        for (let i = 0; i < inputs.length; i++) (copies[i] as Uint8Array).set(inputs[i] as Uint8Array);
      }),
  };
}

function agrees(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

const NOTES = [
  'opencv-*: Debian python3-opencv with cv2.setNumThreads(1), as our kernels are single-threaded per call. It times',
  '  its own Python loop (time.perf_counter_ns) over the same frames, so a call includes the cv2 binding as ours',
  '  includes the N-API call. memcpy: TypedArray.set of the same input bytes, the bandwidth ceiling.',
  'motion count: ours = absdiff + threshold + count + bbox + grid in one pass (no labelling); opencv = absdiff +',
  '  threshold(BINARY) + countNonZero (no bbox, no grid). motion with boxes: ours adds 8-connected component boxes;',
  '  opencv-full-chain adds boundingRect + connectedComponentsWithStats (8-conn), no grid.',
  'sharpness: ours computes Tenengrad AND Laplacian variance in one pass; opencv-sobel-tenengrad computes Tenengrad',
  '  only: Sobel CV_32F dx, dy + norm(L2SQR) / N (exact here, ~5x faster than CV_64F + numpy mean).',
  'cropResize: opencv = cvtColor(YUV2RGB_I420) of the WHOLE frame, crop, resize(INTER_LINEAR), copyMakeBorder,',
  '  astype(float32) / 255, NCHW copy; we convert only the sampled pixels. ns/px is per tensor pixel; memcpy',
  "  copies the ROI's share of the yuv420p bytes.",
  'toLuma: opencv = resize(INTER_AREA) of the Y plane; for rgb24 cvtColor(RGB2GRAY) first (and only, at 1:1).',
  'vs OpenCV: ratio of medians; "x SLOWER" means OpenCV is faster. % memcpy: memcpy time / impl time.',
];

export async function run(options: BenchOptions): Promise<unknown> {
  const sizes: [number, number][] = options.quick
    ? [
        [96, 54],
        [192, 108],
      ]
    : [
        [640, 360],
        [1920, 1080],
      ];
  const trial: TrialOptions = options.quick
    ? { trials: 3, targetMs: 2, warmupMs: 5, maxIterations: 1000 }
    : { trials: 9, targetMs: 40, warmupMs: 300, maxIterations: 1_000_000 };
  const simd = simdReport();
  const levels = simd.supported.map((name: SimdLevelName) => ({ name, code: SIMD_LEVELS.indexOf(name) }));
  const cv = new OpenCvBench();
  try {
    const facts = await cv.facts();
    const cases = await buildCases(cv, sizes, options.quick ? 64 : 320);
    const rows: Row[] = [];
    const disagreements: string[] = [];
    for (const c of cases) {
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${c.name}`);
      const opencv = await Promise.all(c.opencv.map((o) => cv.impl(o.name, o.kind, o.frames, o.params)));
      const native: Impl[] = levels.map((l) => ({ name: `panoptes-${l.name}`, measure: (n) => timeLoop(n, () => c.native(l.code)) }));
      const reference: Impl = { name: 'ts-reference', measure: (n) => timeLoop(n, () => c.reference()) };
      const memcpy = memcpyImpl(c.inputs);
      const results = await runTrials([...native, reference, ...opencv, memcpy], trial);
      if (c.value) {
        const expected = c.value.native();
        const others: [string, number | null | undefined][] = [
          ['ts-reference', c.value.reference()],
          ...c.opencv.map((o): [string, number | null | undefined] => [o.name, cv.lastValue.get(o.name)]),
        ];
        for (const [name, v] of others) {
          if (v === null || v === undefined || !agrees(v, expected))
            disagreements.push(`${c.name}: ${name} computed ${v}, panoptes ${expected}`);
        }
      }
      const bytes = c.inputs.reduce((sum, b) => sum + b.length, 0);
      for (const o of c.opencv) {
        const group = c.opencv.length > 1 ? `${c.name} [vs ${o.name}]` : c.name;
        for (const name of [...native.map((i) => i.name), reference.name, o.name, memcpy.name]) {
          rows.push(makeRow(group, name, c.pixels, bytes, results.get(name)!, results.get(o.name), results.get(memcpy.name)));
        }
      }
    }
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const machine = machineFacts({ simd: { active: simd.active, supported: simd.supported }, ...facts });
    console.log(`kernels bench${options.quick ? ' (--quick: tiny sizes, numbers mean nothing)' : ''}`);
    console.log(
      `${machine.cpu}, ${machine.cores} cores, SIMD active ${simd.active} (supported ${simd.supported.join(', ')}), ` +
        `node ${machine.node}, OpenCV ${facts.opencv} (threads ${facts.opencvThreads}), numpy ${facts.numpy}, commit ${machine.gitCommit ?? 'none'}`,
    );
    console.log(`${trial.trials} trials, ~${trial.targetMs} ms per contender per trial, after ${trial.warmupMs} ms warm-up each\n`);
    console.log(formatTable(rows));
    console.log(`\n${NOTES.join('\n')}`);
    for (const d of disagreements) console.log(`DISAGREE ${d}`);
    return { scenario: 'kernels', date: new Date().toISOString(), quick: options.quick, machine, trial, notes: NOTES, disagreements, rows };
  } finally {
    await cv.close();
  }
}
