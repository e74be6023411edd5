/**
 * The typed API entry points for the fuzz test. Optional fields may be null or undefined (they take
 * their defaults), so those two are dropped from the junk aimed at optional fields.
 */
import {
  MotionDetector,
  PIXEL_FORMATS,
  cropResize,
  frameBytes,
  motion,
  sharpness,
  stampNow,
  toLuma,
  type CropOptions,
  type MotionOptions,
  type PixelFormat,
} from '../../src/native/index.ts';
import { frameBytesReference } from '../reference/luma.ts';
import type { Random } from '../support/random.ts';
import {
  booleanJunk,
  faultsFor,
  formatNameJunk,
  integerJunk,
  nonNumbers,
  numberJunk,
  stampTarget,
  stampTargetJunk,
  typedJunk,
  type EntryPoint,
  type Fault,
} from './fuzz-values.ts';

const INT_MAX = 2 ** 31 - 1;
const present = (v: unknown): boolean => v !== null && v !== undefined;
const optional = (values: unknown[]): unknown[] => values.filter(present);
const NOT_OBJECTS = [null, undefined, 5, 'x', true, Symbol('options'), 10n];

function frame(rng: Random): { format: PixelFormat; w: number; h: number; n: number } {
  const format = rng.pick(PIXEL_FORMATS),
    w = rng.int(1, 40),
    h = rng.int(1, 40);
  return { format, w, h, n: frameBytesReference(format, w, h) };
}

function otherSizedFormat(rng: Random, format: PixelFormat, w: number, h: number): PixelFormat {
  return rng.pick(PIXEL_FORMATS.filter((f) => frameBytesReference(f, w, h) !== frameBytesReference(format, w, h)));
}

function roi(rng: Random, w: number, h: number): { x: number; y: number; width: number; height: number } {
  const x = rng.bool(0.3) ? w - 1 : rng.int(0, w - 1),
    y = rng.bool(0.3) ? h - 1 : rng.int(0, h - 1);
  return { x, y, width: rng.int(1, w - x), height: rng.int(1, h - y) };
}

function roiFaults(at: number | readonly (string | number)[], w: number, h: number, r: { x: number; y: number }): Fault[] {
  const base = typeof at === 'number' ? [at] : [...at];
  return [
    ...faultsFor(base, ['roi.x'], [5, 'x', true]),
    ...faultsFor([...base, 'x'], ['roi.x'], integerJunk(0, w - 1)),
    ...faultsFor([...base, 'y'], ['roi.y'], integerJunk(0, h - 1)),
    ...faultsFor([...base, 'width'], ['roi.width'], integerJunk(1, w - r.x)),
    ...faultsFor([...base, 'height'], ['roi.height'], integerJunk(1, h - r.y)),
  ];
}

/** Faults of the option fields MotionDetector and motion() share. */
function motionOptionFaults(at: number, background: boolean): Fault[] {
  return [
    ...faultsFor([at], ['options'], NOT_OBJECTS),
    ...faultsFor([at, 'width'], ['width'], integerJunk(1, 16384)),
    ...faultsFor([at, 'height'], ['height'], integerJunk(1, 16384)),
    ...faultsFor([at, 'threshold'], ['threshold'], optional(integerJunk(0, 255))),
    ...faultsFor([at, 'minArea'], ['minArea'], optional(integerJunk(0, INT_MAX))),
    ...faultsFor([at, 'gridCols'], ['gridCols'], optional(integerJunk(1, 1024))),
    ...faultsFor([at, 'gridRows'], ['gridRows'], optional(integerJunk(1, 1024))),
    ...faultsFor([at, 'maxBoxes'], ['maxBoxes'], optional(integerJunk(0, 4096))),
    // A background needs an alpha: there, null (taken as 0) is wrong too; undefined changes the mode.
    ...faultsFor([at, 'alpha'], ['alpha'], background ? numberJunk(1e-6, 1).filter((v) => v !== undefined) : optional(numberJunk(0, 1))),
  ];
}

function motionOptions(rng: Random, w: number, h: number, background: boolean): MotionOptions {
  const options: MotionOptions = { width: w, height: h };
  if (rng.bool()) options.threshold = rng.int(0, 255);
  if (rng.bool()) options.minArea = rng.int(0, 99);
  if (rng.bool()) options.gridCols = rng.int(1, 9);
  if (rng.bool()) options.gridRows = rng.int(1, 9);
  if (rng.bool()) options.maxBoxes = rng.int(0, 9);
  if (rng.bool()) options.exclude = rng.bytes(w * h);
  if (background) options.alpha = rng.pick([1e-6, 0.1, 1]);
  return options;
}

const frameBytesEntry: EntryPoint = {
  name: 'frameBytes',
  generate(rng) {
    const { format, w, h } = frame(rng);
    return {
      args: [format, w, h],
      faults: [
        ...faultsFor([0], ['format'], formatNameJunk()),
        ...faultsFor([1], ['width'], integerJunk(1, 16384)),
        ...faultsFor([2], ['height'], integerJunk(1, 16384)),
      ],
      mismatches: [],
      names: [['format'], ['width'], ['height']],
      required: 3,
    };
  },
  call: (a) => (frameBytes as (...args: unknown[]) => unknown)(...a),
};

const toLumaEntry: EntryPoint = {
  name: 'toLuma',
  generate(rng) {
    const { format, w, h, n } = frame(rng);
    const dw = rng.int(1, 40),
      dh = rng.int(1, 40);
    return {
      args: [rng.bytes(n), format, w, h, new Uint8Array(dw * dh), dw, dh],
      faults: [
        ...faultsFor([0], ['src'], typedJunk(n, [Uint8Array])),
        ...faultsFor([1], ['format'], formatNameJunk()),
        ...faultsFor([2], ['width'], integerJunk(1, 16384)),
        ...faultsFor([3], ['height'], integerJunk(1, 16384)),
        ...faultsFor([4], ['dst'], typedJunk(dw * dh, [Uint8Array])),
        ...faultsFor([5], ['dstWidth'], integerJunk(1, 16384)),
        ...faultsFor([6], ['dstHeight'], integerJunk(1, 16384)),
      ],
      mismatches: [
        { path: [2], value: w + 1, names: ['src'] },
        { path: [1], value: otherSizedFormat(rng, format, w, h), names: ['src'] },
        { path: [6], value: dh + 1, names: ['dst'] },
      ],
      names: [['src'], ['format'], ['width'], ['height'], ['dst'], ['dstWidth'], ['dstHeight']],
      required: 7,
    };
  },
  call: (a) => (toLuma as (...args: unknown[]) => unknown)(...a),
};

const sharpnessEntry: EntryPoint = {
  name: 'sharpness',
  generate(rng) {
    const w = rng.int(1, 40),
      h = rng.int(1, 40),
      r = roi(rng, w, h);
    return {
      args: [rng.bytes(w * h), w, h, r],
      faults: [
        ...faultsFor([0], ['plane'], typedJunk(w * h, [Uint8Array])),
        ...faultsFor([1], ['width'], integerJunk(1, 16384)),
        ...faultsFor([2], ['height'], integerJunk(1, 16384)),
        ...roiFaults(3, w, h, r),
      ],
      mismatches: [{ path: [1], value: w + 1, names: ['plane'] }],
      names: [['plane'], ['width'], ['height'], ['roi.x']],
      required: 3,
    };
  },
  call: (a) => (sharpness as (...args: unknown[]) => unknown)(...a),
};

const motionEntry: EntryPoint = {
  name: 'motion',
  generate(rng) {
    const w = rng.int(1, 40),
      h = rng.int(1, 40),
      n = w * h,
      background = rng.bool();
    return {
      args: [rng.bytes(n), background ? Float32Array.from(rng.bytes(n)) : rng.bytes(n), motionOptions(rng, w, h, background)],
      faults: [
        ...faultsFor([0], ['cur'], typedJunk(n, [Uint8Array])),
        ...faultsFor([1], ['ref'], typedJunk(n, [Uint8Array, Float32Array])),
        ...motionOptionFaults(2, background),
        ...faultsFor([2, 'exclude'], ['exclude'], optional(typedJunk(n, [Uint8Array]))),
      ],
      mismatches: [
        { path: [2, 'width'], value: w + 1, names: ['cur'] },
        ...(background ? [{ path: [2, 'alpha'], value: undefined, names: ['alpha'] }] : []),
      ],
      names: [['cur'], ['ref'], ['options']],
      required: 3,
    };
  },
  call: (a) => (motion as (...args: unknown[]) => unknown)(...a),
};

const detectorEntry: EntryPoint = {
  name: 'MotionDetector',
  generate(rng) {
    const w = rng.int(1, 40),
      h = rng.int(1, 40),
      n = w * h,
      background = rng.bool();
    return {
      args: [motionOptions(rng, w, h, background), rng.bytes(n), rng.bytes(n)],
      faults: [
        ...motionOptionFaults(0, background),
        ...faultsFor([0, 'exclude'], ['exclude'], optional(typedJunk(n, [Uint8Array]))),
        ...faultsFor([1], ['cur'], typedJunk(n, [Uint8Array])),
        ...faultsFor([2], ['cur'], typedJunk(n, [Uint8Array])),
      ],
      mismatches: [{ path: [0, 'width'], value: w + 1, names: ['cur'] }],
      names: [['options'], ['cur'], ['cur']],
      required: 3,
    };
  },
  call(a) {
    const detector = new MotionDetector(a[0] as MotionOptions);
    detector.detect(a[1] as Uint8Array); // primes
    return detector.detect(a[2] as Uint8Array);
  },
};

const cropResizeEntry: EntryPoint = {
  name: 'cropResize',
  generate(rng) {
    const { format, w, h, n } = frame(rng);
    const r = roi(rng, w, h),
      dw = rng.int(1, 40),
      dh = rng.int(1, 40),
      values = dw * dh * 3;
    const layout = rng.pick(['nhwc-u8', 'nchw-f32'] as const);
    const options: CropOptions = { roi: r, width: dw, height: dh, layout };
    if (rng.bool()) options.letterbox = rng.bool();
    if (rng.bool()) options.pad = rng.int(0, 255);
    if (layout === 'nchw-f32' && rng.bool()) Object.assign(options, { mean: [0.5, 0.4, 0.3], std: [0.2, -0.1, 3] });
    const out = rng.pick([undefined, layout === 'nhwc-u8' ? new Uint8Array(values) : new Float32Array(values)]);
    const tripleJunk = ['abc', 5, true, {}, [1, 2], [1, 2, 3, 4], [NaN, 0, 0], [0, Infinity, 0], ['0', '0', '0'], [1n, 1n, 1n]];
    const mismatches: Fault[] = [
      { path: [2], value: w + 1, names: ['src'] },
      { path: [1], value: otherSizedFormat(rng, format, w, h), names: ['src'] },
    ];
    if (out) {
      mismatches.push(
        { path: [4, 'width'], value: dw + 1, names: ['dst'] },
        { path: [4, 'layout'], value: layout === 'nhwc-u8' ? 'nchw-f32' : 'nhwc-u8', names: ['out', 'mean/std'] },
      );
    }
    if (layout === 'nhwc-u8') mismatches.push({ path: [4, 'mean'], value: [0.5, 0.5, 0.5], names: ['mean/std'] });
    return {
      args: [rng.bytes(n), format, w, h, options, out],
      faults: [
        ...faultsFor([0], ['src'], typedJunk(n, [Uint8Array])),
        ...faultsFor([1], ['format'], formatNameJunk()),
        ...faultsFor([2], ['width'], integerJunk(1, 16384)),
        ...faultsFor([3], ['height'], integerJunk(1, 16384)),
        ...faultsFor([4], ['options'], NOT_OBJECTS),
        ...faultsFor([4, 'layout'], ['layout'], ['NHWC', 'nhwc', '', 'nchw-u8', 5, null, undefined, {}]),
        ...faultsFor([4, 'width'], ['options.width'], integerJunk(1, 4096)),
        ...faultsFor([4, 'height'], ['options.height'], integerJunk(1, 4096)),
        ...roiFaults([4, 'roi'], w, h, r),
        ...faultsFor([4, 'letterbox'], ['letterbox'], optional(booleanJunk())),
        ...faultsFor([4, 'pad'], ['pad'], optional(integerJunk(0, 255))),
        ...(layout === 'nchw-f32'
          ? [...faultsFor([4, 'mean'], ['mean'], tripleJunk), ...faultsFor([4, 'std'], ['std'], [...tripleJunk, [0, 1, 1], [1, -0, 1]])]
          : []),
        ...faultsFor([5], ['out', 'dst'], optional(typedJunk(values, [layout === 'nhwc-u8' ? Uint8Array : Float32Array]))),
      ],
      mismatches,
      names: [['src'], ['format'], ['width'], ['height'], ['options'], ['out', 'dst']],
      required: 5,
    };
  },
  call: (a) => (cropResize as (...args: unknown[]) => unknown)(...a),
};

const stampNowEntry: EntryPoint = {
  name: 'stampNow',
  generate(rng) {
    const n = rng.int(1, 64),
      index = rng.int(0, n - 1);
    return {
      args: [stampTarget(rng, n), index],
      faults: [...faultsFor([0], ['target'], stampTargetJunk(n)), ...faultsFor([1], ['index'], integerJunk(0, n - 1))],
      mismatches: [{ path: [0], value: new Float64Array(index), names: ['index', 'target'] }],
      names: [['target'], ['index']],
      required: 2,
    };
  },
  call: (a) => (stampNow as (...args: unknown[]) => unknown)(...a),
};

export const TYPED_ENTRY_POINTS: readonly EntryPoint[] = [
  frameBytesEntry,
  toLumaEntry,
  sharpnessEntry,
  motionEntry,
  detectorEntry,
  cropResizeEntry,
  stampNowEntry,
];

/** Anything that is not a supported level name or 'auto'. */
export function levelNameJunk(rng: Random, supported: readonly string[]): unknown {
  const kind = rng.int(0, 4);
  if (kind === 0) return rng.pick(nonNumbers());
  if (kind === 1) return rng.pick([NaN, 0, 1, 2, 3, -1, 1e9]);
  if (kind === 2) return rng.pick(supported).toUpperCase() + rng.pick(['', ' ', '\n']);
  if (kind === 3) return rng.pick(['neon', 'avx512', 'sse2', 'AUTO', ' auto', 'best', 'none', '']).concat(rng.pick(['', '2', '-']));
  let s = '';
  for (let i = rng.int(1, 12); i > 0; i--) s += String.fromCharCode(rng.int(32, 126));
  return s;
}
