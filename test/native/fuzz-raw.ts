/**
 * The raw addon entry points for the fuzz test: a seeded valid call of each, every way to break one of
 * its positional arguments, and the name the addon must report for it.
 */
import { PIXEL_FORMATS, SIMD_LEVELS, simdReport } from '../../src/native/index.ts';
import { addon } from '../../src/native/load.ts';
import { frameBytesReference } from '../reference/luma.ts';
import type { Random } from '../support/random.ts';
import {
  booleanJunk,
  detached,
  faultsFor,
  integerJunk,
  levelJunk,
  numberJunk,
  stampTarget,
  stampTargetJunk,
  typedJunk,
  type EntryPoint,
  type Fault,
} from './fuzz-values.ts';

export const FORMAT = 'format (0 gray, 1 yuv420p, 2 nv12, 3 rgb24, 4 bgr24)';
export const LEVEL = ['simd level (0 scalar, 1 avx2, 2 avx512, 3 neon)', 'simd level'] as const;
const INT_MAX = 2 ** 31 - 1;

const supported = simdReport().supported;
const levelCodes = SIMD_LEVELS.map((_, i) => i).filter((i) => supported.includes(SIMD_LEVELS[i]!));
const unsupportedCodes = SIMD_LEVELS.map((_, i) => i).filter((i) => !levelCodes.includes(i));

const bytes = (format: number, w: number, h: number): number => frameBytesReference(PIXEL_FORMATS[format]!, w, h);

/** A format whose packed size differs at this frame size (yuv420p and nv12 share one). */
function otherSizedFormat(rng: Random, format: number, w: number, h: number): number {
  const others = [0, 1, 2, 3, 4].filter((f) => bytes(f, w, h) !== bytes(format, w, h));
  return rng.pick(others);
}

/** Valid views vary too: plain, at an offset inside a bigger buffer, or over a SharedArrayBuffer. */
function u8(rng: Random, n: number): Uint8Array {
  const kind = rng.int(0, 2);
  if (kind === 0) return rng.bytes(n);
  const buffer = kind === 1 ? new ArrayBuffer(n + 13) : new SharedArrayBuffer(n + 13);
  return new Uint8Array(buffer, 5, n);
}

function frame(rng: Random): { format: number; w: number; h: number; n: number } {
  const format = rng.int(0, 4),
    w = rng.int(1, 40),
    h = rng.int(1, 40);
  return { format, w, h, n: bytes(format, w, h) };
}

const frameBytesEntry: EntryPoint = {
  name: 'addon().frameBytes',
  generate(rng) {
    const { format, w, h } = frame(rng);
    return {
      args: [format, w, h],
      faults: [
        ...faultsFor([0], [FORMAT], integerJunk(0, 4)),
        ...faultsFor([1], ['width'], integerJunk(1, 16384)),
        ...faultsFor([2], ['height'], integerJunk(1, 16384)),
      ],
      mismatches: [],
      names: [[FORMAT], ['width'], ['height']],
      required: 3,
    };
  },
  call: (a) => (addon().frameBytes as (...args: unknown[]) => unknown)(...a),
};

const toLumaEntry: EntryPoint = {
  name: 'addon().toLuma',
  generate(rng) {
    const { format, w, h, n } = frame(rng);
    const dw = rng.int(1, 40),
      dh = rng.int(1, 40);
    return {
      args: [u8(rng, n), format, w, h, u8(rng, dw * dh), dw, dh, rng.pick(levelCodes)],
      faults: [
        ...faultsFor([0], ['src'], typedJunk(n, [Uint8Array])),
        ...faultsFor([1], [FORMAT], integerJunk(0, 4)),
        ...faultsFor([2], ['width'], integerJunk(1, 16384)),
        ...faultsFor([3], ['height'], integerJunk(1, 16384)),
        ...faultsFor([4], ['dst'], typedJunk(dw * dh, [Uint8Array])),
        ...faultsFor([5], ['dstWidth'], integerJunk(1, 16384)),
        ...faultsFor([6], ['dstHeight'], integerJunk(1, 16384)),
        ...faultsFor([7], LEVEL, levelJunk(unsupportedCodes)),
      ],
      mismatches: [
        { path: [2], value: w + 1, names: ['src'] },
        { path: [3], value: h + 2, names: ['src'] },
        { path: [1], value: otherSizedFormat(rng, format, w, h), names: ['src'] },
        { path: [5], value: dw + 1, names: ['dst'] },
      ],
      names: [['src'], [FORMAT], ['width'], ['height'], ['dst'], ['dstWidth'], ['dstHeight'], LEVEL],
      required: 8,
    };
  },
  call: (a) => (addon().toLuma as (...args: unknown[]) => unknown)(...a),
};

const motionEntry: EntryPoint = {
  name: 'addon().motion',
  generate(rng) {
    const w = rng.int(1, 40),
      h = rng.int(1, 40),
      n = w * h;
    const background = rng.bool();
    const gc = rng.int(1, 12),
      gr = rng.int(1, 12);
    // Zero boxes (also as a detached array) is valid: the kernel must then write none.
    const boxes = rng.pick([() => new Int32Array(5 * rng.int(1, 6)), () => new Int32Array(0), () => detached(Int32Array, 5)])();
    const exclude = rng.pick([null, undefined, u8(rng, n)]);
    const ref = background ? Float32Array.from(rng.bytes(n)) : u8(rng, n);
    const alpha = background ? rng.pick([1e-6, 0.05, 0.5, 1]) : rng.pick([0, 0.05, 1]);
    const refJunk = typedJunk(n, [Uint8Array, Float32Array]);
    const faults: Fault[] = [
      ...faultsFor([0], ['cur'], typedJunk(n, [Uint8Array])),
      ...faultsFor([1], ['ref'], refJunk),
      ...faultsFor([2], ['width'], integerJunk(1, 16384)),
      ...faultsFor([3], ['height'], integerJunk(1, 16384)),
      ...faultsFor([4], ['threshold'], integerJunk(0, 255)),
      ...faultsFor([5], ['minArea'], integerJunk(0, INT_MAX)),
      ...faultsFor([6], ['alpha'], numberJunk(background ? 1e-6 : 0, 1)),
      ...faultsFor([7], ['foregroundAlpha'], numberJunk(0, 1)),
      ...faultsFor(
        [8],
        ['exclude'],
        typedJunk(n, [Uint8Array]).filter((v) => v !== null && v !== undefined),
      ),
      ...faultsFor([9], ['grid'], typedJunk(gc * gr, [Uint32Array])),
      ...faultsFor([10], ['gridCols'], integerJunk(1, 1024)),
      ...faultsFor([11], ['gridRows'], integerJunk(1, 1024)),
      ...faultsFor(
        [12],
        ['boxes'],
        [
          new Int32Array(4),
          new Int32Array(6),
          new Int32Array(11),
          new Uint32Array(5),
          new Float64Array(5),
          new ArrayBuffer(20),
          [0, 0, 0, 0, 0],
          null,
          undefined,
          5,
          'boxes',
        ],
      ),
      ...faultsFor([13], ['stats'], typedJunk(7, [Float64Array])),
      ...faultsFor([14], LEVEL, levelJunk(unsupportedCodes)),
    ];
    return {
      args: [
        u8(rng, n),
        ref,
        w,
        h,
        rng.int(0, 255),
        rng.int(0, 50),
        alpha,
        rng.pick([0, 0.02, alpha]),
        exclude,
        new Uint32Array(gc * gr),
        gc,
        gr,
        boxes,
        new Float64Array(7),
        rng.pick(levelCodes),
      ],
      faults,
      mismatches: [
        { path: [2], value: w + 1, names: ['cur'] },
        { path: [10], value: gc + 1, names: ['grid'] },
        // A differencing call with a zero alpha is fine; the same alpha with a background is not.
        ...(alpha === 0 ? [{ path: [1], value: new Float32Array(n), names: ['alpha'] }] : []),
      ],
      names: [
        ['cur'],
        ['ref'],
        ['width'],
        ['height'],
        ['threshold'],
        ['minArea'],
        ['alpha'],
        ['foregroundAlpha'],
        ['exclude'],
        ['grid'],
        ['gridCols'],
        ['gridRows'],
        ['boxes'],
        ['stats'],
        LEVEL,
      ],
      required: 15,
    };
  },
  call: (a) => (addon().motion as (...args: unknown[]) => unknown)(...a),
};

/** A valid ROI inside a w x h frame: often touching an edge. */
function roi(rng: Random, w: number, h: number): [number, number, number, number] {
  const x = rng.bool(0.3) ? w - 1 : rng.int(0, w - 1);
  const y = rng.bool(0.3) ? h - 1 : rng.int(0, h - 1);
  return [x, y, rng.int(1, w - x), rng.int(1, h - y)];
}

function roiFaults(offset: number, w: number, h: number, [x, y]: readonly number[]): Fault[] {
  return [
    ...faultsFor([offset], ['roi.x'], integerJunk(0, w - 1)),
    ...faultsFor([offset + 1], ['roi.y'], integerJunk(0, h - 1)),
    ...faultsFor([offset + 2], ['roi.width'], integerJunk(1, w - x!)),
    ...faultsFor([offset + 3], ['roi.height'], integerJunk(1, h - y!)),
  ];
}

const sharpnessEntry: EntryPoint = {
  name: 'addon().sharpness',
  generate(rng) {
    const w = rng.int(1, 40),
      h = rng.int(1, 40);
    const r = roi(rng, w, h);
    return {
      args: [u8(rng, w * h), w, h, ...r, new Float64Array(3), rng.pick(levelCodes)],
      faults: [
        ...faultsFor([0], ['plane'], typedJunk(w * h, [Uint8Array])),
        ...faultsFor([1], ['width'], integerJunk(1, 16384)),
        ...faultsFor([2], ['height'], integerJunk(1, 16384)),
        ...roiFaults(3, w, h, r),
        ...faultsFor([7], ['out'], typedJunk(3, [Float64Array])),
        ...faultsFor([8], LEVEL, levelJunk(unsupportedCodes)),
      ],
      mismatches: [
        { path: [1], value: w + 1, names: ['plane'] },
        { path: [2], value: h + 1, names: ['plane'] },
      ],
      names: [['plane'], ['width'], ['height'], ['roi.x'], ['roi.y'], ['roi.width'], ['roi.height'], ['out'], LEVEL],
      required: 9,
    };
  },
  call: (a) => (addon().sharpness as (...args: unknown[]) => unknown)(...a),
};

function normJunk(): unknown[] {
  const bad = (i: number, v: number): Float32Array => Float32Array.from([0.4, 0.4, 0.4, 0.2, 0.2, 0.2].map((x, k) => (k === i ? v : x)));
  return [
    ...typedJunk(6, [Float32Array]).filter((v) => v !== null && v !== undefined),
    bad(0, NaN),
    bad(2, Infinity),
    bad(3, 0),
    bad(4, -0),
    bad(5, NaN),
    bad(5, -Infinity),
    bad(3, 1e-13),
    [0, 0, 0, 1, 1, 1],
  ];
}

const cropResizeEntry: EntryPoint = {
  name: 'addon().cropResize',
  generate(rng) {
    const { format, w, h, n } = frame(rng);
    const r = roi(rng, w, h);
    const dw = rng.int(1, 40),
      dh = rng.int(1, 40),
      values = dw * dh * 3;
    const dst = rng.bool() ? u8(rng, values) : new Float32Array(values);
    const norm = rng.pick([null, undefined, Float32Array.from([0.485, 0.456, 0.406, 0.229, 0.224, -0.225])]);
    return {
      args: [u8(rng, n), format, w, h, ...r, dst, dw, dh, rng.bool(), rng.int(0, 255), norm, new Float64Array(6), rng.pick(levelCodes)],
      faults: [
        ...faultsFor([0], ['src'], typedJunk(n, [Uint8Array])),
        ...faultsFor([1], [FORMAT], integerJunk(0, 4)),
        ...faultsFor([2], ['width'], integerJunk(1, 16384)),
        ...faultsFor([3], ['height'], integerJunk(1, 16384)),
        ...roiFaults(4, w, h, r),
        ...faultsFor([8], ['dst'], typedJunk(values, [Uint8Array, Float32Array])),
        ...faultsFor([9], ['dstWidth'], integerJunk(1, 4096)),
        ...faultsFor([10], ['dstHeight'], integerJunk(1, 4096)),
        ...faultsFor([11], ['letterbox'], booleanJunk()),
        ...faultsFor([12], ['pad'], integerJunk(0, 255)),
        ...faultsFor([13], ['norm'], normJunk()),
        ...faultsFor([14], ['mapping'], typedJunk(6, [Float64Array])),
        ...faultsFor([15], LEVEL, levelJunk(unsupportedCodes)),
      ],
      mismatches: [
        { path: [2], value: w + 1, names: ['src'] },
        { path: [1], value: otherSizedFormat(rng, format, w, h), names: ['src'] },
        { path: [9], value: dw + 1, names: ['dst'] },
      ],
      names: [
        ['src'],
        [FORMAT],
        ['width'],
        ['height'],
        ['roi.x'],
        ['roi.y'],
        ['roi.width'],
        ['roi.height'],
        ['dst'],
        ['dstWidth'],
        ['dstHeight'],
        ['letterbox'],
        ['pad'],
        ['norm'],
        ['mapping'],
        LEVEL,
      ],
      required: 16,
    };
  },
  call: (a) => (addon().cropResize as (...args: unknown[]) => unknown)(...a),
};

const stampEpochMsEntry: EntryPoint = {
  name: 'addon().stampEpochMs',
  generate(rng) {
    const n = rng.int(1, 64),
      index = rng.int(0, n - 1);
    return {
      args: [stampTarget(rng, n), index, rng.pick([0, -0, 0.25, -1.7e12, 1.7e12, Number.MAX_VALUE])],
      faults: [
        ...faultsFor([0], ['target'], stampTargetJunk(n)),
        ...faultsFor([1], ['index'], integerJunk(0, n - 1)),
        ...faultsFor([2], ['offsetMs'], numberJunk(-Number.MAX_VALUE, Number.MAX_VALUE)),
      ],
      // Valid alone, but the index no longer fits (an empty target is named instead of the index).
      mismatches: [{ path: [0], value: new Float64Array(index), names: ['index', 'target'] }],
      names: [['target'], ['index'], ['offsetMs']],
      required: 3,
    };
  },
  call: (a) => (addon().stampEpochMs as (...args: unknown[]) => unknown)(...a),
};

export const RAW_ENTRY_POINTS: readonly EntryPoint[] = [
  frameBytesEntry,
  toLumaEntry,
  motionEntry,
  sharpnessEntry,
  cropResizeEntry,
  stampEpochMsEntry,
];
