/**
 * Pools of invalid argument values for the fuzz tests, and the fault records built from them. Every
 * pool is made fresh per case (detached buffers cannot be shared) and filtered so that no value in it
 * is accidentally valid for the argument it is aimed at.
 */

export type Path = readonly (string | number)[];

/** Setting `path` to `value` makes the call invalid; the error must name one of `names`. */
export interface Fault {
  path: Path;
  value: unknown;
  names: readonly string[];
}

export interface Generated {
  args: unknown[];
  /** Invalid whatever else is wrong, so any two can be combined. */
  faults: Fault[];
  /** Valid alone but inconsistent with the other arguments (a size that no longer matches): applied singly. */
  mismatches: Fault[];
  /** For each top-level argument, the names a missing one may be reported under. */
  names: readonly (readonly string[])[];
  /** The fewest top-level arguments a valid call needs. */
  required: number;
}

export interface EntryPoint {
  name: string;
  generate(rng: import('../support/random.ts').Random): Generated;
  call(args: unknown[]): unknown;
}

export function faultsFor(path: Path, names: readonly string[], values: readonly unknown[]): Fault[] {
  return values.map((value) => ({ path, value, names }));
}

type TypedArrayCtor =
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const TYPED_ARRAYS: readonly TypedArrayCtor[] = [
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
];

/** A typed array whose buffer was transferred away: length 0, data pointer gone. */
export function detached(ctor: TypedArrayCtor, n: number): ArrayBufferView {
  const array = new ctor(n);
  structuredClone(array.buffer, { transfer: [array.buffer as ArrayBuffer] });
  return array;
}

/** Not numbers, booleans or typed arrays at all. */
export function nonNumbers(): unknown[] {
  return [
    '',
    'abc',
    '4',
    true,
    false,
    null,
    undefined,
    {},
    [],
    [1, 2],
    new Date(0),
    new Map(),
    () => 1,
    Symbol('junk'),
    10n,
    new Number(3),
    new String('3'),
  ];
}

const isValidInteger = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** Non-numbers, NaN, infinities, fractions, just outside [lo, hi], negative and huge numbers. */
export function integerJunk(lo: number, hi: number): unknown[] {
  return [
    ...nonNumbers(),
    NaN,
    Infinity,
    -Infinity,
    lo - 1,
    hi + 1,
    lo + 0.5,
    hi - 0.5,
    -1,
    -0.5,
    1e12,
    -1e12,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32 + lo,
    2 ** 53 + 2,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    0.1,
  ].filter((v) => !isValidInteger(v, lo, hi));
}

/** Non-numbers, NaN, infinities and numbers outside [lo, hi]. */
export function numberJunk(lo: number, hi: number): unknown[] {
  return [...nonNumbers(), NaN, Infinity, -Infinity, lo - 0.5, hi + 0.5, -1, 0, 1e-7, 1e300, 2].filter(
    (v) => !(typeof v === 'number' && v >= lo && v <= hi),
  );
}

export function booleanJunk(): unknown[] {
  return [0, 1, 'true', '', NaN, null, undefined, {}, [], new Boolean(true)];
}

/**
 * Values that are not a typed array of one of `accepted` kinds with exactly `n` elements: other kinds of
 * the right length, the right kinds at wrong lengths, detached, ArrayBuffer/SharedArrayBuffer/DataView
 * instead of a view, plain arrays and array-likes, and non-objects.
 */
export function typedJunk(n: number, accepted: readonly TypedArrayCtor[]): unknown[] {
  const values: unknown[] = [];
  for (const ctor of TYPED_ARRAYS) {
    if (!accepted.includes(ctor)) values.push(new ctor(n));
  }
  for (const ctor of accepted) {
    values.push(new ctor(n + 1), new ctor(n + 7), new ctor(Math.max(0, n - 1)), new ctor(0), detached(ctor, n));
    // A view whose buffer is big enough but whose own length is wrong.
    values.push(new ctor(new ArrayBuffer((n + 8) * ctor.BYTES_PER_ELEMENT), ctor.BYTES_PER_ELEMENT, n + 1));
  }
  values.push(
    new BigInt64Array(n),
    new ArrayBuffer(n * 4),
    new SharedArrayBuffer(n * 4 || 1),
    new DataView(new ArrayBuffer(n * 4)),
    Array.from({ length: n }, () => 0),
    { length: n },
    'x'.repeat(n),
    n,
    null,
    undefined,
    {},
  );
  return values.filter((v) => !(accepted.some((c) => v instanceof c) && (v as ArrayLike<number>).length === n));
}

/** Anything but a non-empty Float64Array, whatever the index (an empty or detached one has no index). */
export function stampTargetJunk(n: number): unknown[] {
  return [...typedJunk(n, [Float64Array]), new Float64Array(0)].filter((v) => !(v instanceof Float64Array && v.length > 0));
}

/** A valid stamp target: plain, at an offset inside a bigger buffer, or over a SharedArrayBuffer. */
export function stampTarget(rng: import('../support/random.ts').Random, n: number): Float64Array {
  const kind = rng.int(0, 2);
  if (kind === 0) return new Float64Array(n);
  const buffer = kind === 1 ? new ArrayBuffer((n + 3) * 8) : new SharedArrayBuffer((n + 3) * 8);
  return new Float64Array(buffer, 16, n);
}

/** Invalid SIMD level codes for the raw addon: out of range, fractional, not numbers, and unsupported. */
export function levelJunk(unsupported: readonly number[]): unknown[] {
  return [...integerJunk(0, 3), ...unsupported];
}

/** Not a pixel format name. */
export function formatNameJunk(): unknown[] {
  return ['GRAY', 'yuv422p', '', ' gray', 'rgb', 'rgba', 'nv21', 0, 3, -1, NaN, null, undefined, {}, [], true, Symbol('gray')];
}

/** Sets `path` inside a copy of `args` (plain objects and arrays along the path are copied, typed arrays are not). */
export function withFaults(args: readonly unknown[], faults: readonly Fault[]): unknown[] {
  const copy = [...args];
  for (const fault of faults) {
    let parent: Record<string | number, unknown> = copy as unknown as Record<number, unknown>;
    fault.path.forEach((key, i) => {
      if (i === fault.path.length - 1) {
        parent[key] = fault.value;
        return;
      }
      const child = parent[key];
      const cloned = Array.isArray(child) ? [...child] : { ...(child as object) };
      parent[key] = cloned;
      parent = cloned as Record<string | number, unknown>;
    });
  }
  return copy;
}

/** True when neither path is a prefix of the other (so both faults survive being applied together). */
export function independent(a: Path, b: Path): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return true;
  return false;
}
