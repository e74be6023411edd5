/**
 * Thousands of seeded invalid calls per entry point, raw and typed, run inside this process: a crash in
 * the addon fails the run. Each must throw a TypeError or RangeError with code E_NATIVE_ARG whose
 * message starts "Expected " and names the broken argument; valid calls mixed in must still succeed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { MotionDetector, cropResize, motion, setSimdLevel, sharpness, simdReport, toLuma } from '../../src/native/index.ts';
import { addon } from '../../src/native/load.ts';
import { SimdUnsupportedError } from '../../src/errors.ts';
import { sharpnessReference } from '../reference/sharpness.ts';
import { toLumaReference } from '../reference/luma.ts';
import { Random } from '../support/random.ts';
import { RAW_ENTRY_POINTS } from './fuzz-raw.ts';
import { TYPED_ENTRY_POINTS, levelNameJunk } from './fuzz-typed.ts';
import { detached, independent, withFaults, type EntryPoint, type Fault } from './fuzz-values.ts';
import { assertExact, assertRelative } from './helpers.ts';

const INVALID_CASES = 1200;

interface ArgumentError {
  name: string;
  message: string;
  code?: unknown;
}

/** Calls `fn`, which must fail on an argument, and checks the error's class, code and wording. */
function expectArgumentError(fn: () => unknown, names: readonly string[], context: () => string): void {
  let thrown: unknown;
  let threw = false;
  try {
    fn();
  } catch (err) {
    thrown = err;
    threw = true;
  }
  if (!threw) assert.fail(`did not throw: ${context()}`);
  const err = thrown as ArgumentError;
  const where = (): string => `${inspect(thrown)}\n  case: ${context()}`;
  assert.ok(thrown instanceof TypeError || thrown instanceof RangeError, `not a TypeError or RangeError: ${where()}`);
  assert.equal(err.code, 'E_NATIVE_ARG', `code: ${where()}`);
  assert.ok(err.message.startsWith('Expected '), `message: ${where()}`);
  assert.ok(
    names.some((n) => err.message.includes(` for ${n} but received `)),
    `names none of ${names.join(' | ')}: ${where()}`,
  );
}

const show = (faults: readonly Fault[]): string =>
  faults.map((f) => `${f.path.join('.')} = ${inspect(f.value, { depth: 1, maxArrayLength: 4 })}`).join(', ');

/** Runs INVALID_CASES invalid calls (single faults, size mismatches, combinations, missing arguments) and a valid one every tenth. */
function fuzz(entry: EntryPoint, seed: number): { invalid: number; valid: number } {
  const rng = new Random(seed);
  let invalid = 0,
    valid = 0;
  for (let i = 0; invalid < INVALID_CASES; i++) {
    const g = entry.generate(rng);
    const label = `${entry.name} seed ${seed} case ${i}`;
    if (i % 10 === 9) {
      entry.call(g.args); // must not throw
      valid++;
      continue;
    }
    const r = rng.float();
    let faults: Fault[];
    if (r < 0.08 && g.mismatches.length > 0) {
      faults = [rng.pick(g.mismatches)];
    } else if (r < 0.2) {
      faults = [rng.pick(g.faults)];
      for (let k = rng.int(1, 2); k > 0; k--) {
        const extra = rng.pick(g.faults);
        if (faults.every((f) => independent(f.path, extra.path))) faults.push(extra);
      }
    } else if (r < 0.26) {
      const count = rng.int(0, g.required - 1);
      const names = g.names.slice(count).flat();
      expectArgumentError(
        () => entry.call(g.args.slice(0, count)),
        names,
        () => `${label}: only ${count} arguments`,
      );
      invalid++;
      continue;
    } else {
      faults = [rng.pick(g.faults)];
    }
    const args = withFaults(g.args, faults);
    expectArgumentError(
      () => entry.call(args),
      faults.flatMap((f) => f.names),
      () => `${label}: ${show(faults)}`,
    );
    invalid++;
  }
  return { invalid, valid };
}

describe('argument fuzzing', () => {
  for (const [k, entry] of RAW_ENTRY_POINTS.entries()) {
    test(`the raw ${entry.name} refuses ${INVALID_CASES} generated invalid calls with E_NATIVE_ARG naming the argument`, () => {
      const { invalid, valid } = fuzz(entry, 0xf022 + k);
      assert.ok(invalid >= 1000 && valid > 100);
    });
  }

  for (const [k, entry] of TYPED_ENTRY_POINTS.entries()) {
    test(`the typed ${entry.name} refuses ${INVALID_CASES} generated invalid calls with E_NATIVE_ARG naming the argument`, () => {
      const { invalid, valid } = fuzz(entry, 0x7e0 + k);
      assert.ok(invalid >= 1000 && valid > 100);
    });
  }

  test('setSimdLevel refuses 1000 generated non-levels with E_SIMD_UNSUPPORTED and keeps the active level', () => {
    const rng = new Random(0x51d);
    const { supported, active } = simdReport();
    let cases = 0;
    while (cases < 1000) {
      const level = levelNameJunk(rng, supported);
      if (level === 'auto' || supported.includes(level as never)) continue;
      assert.throws(
        () => setSimdLevel(level as never),
        (err: unknown) => {
          assert.ok(err instanceof SimdUnsupportedError, inspect(err));
          assert.equal(err.code, 'E_SIMD_UNSUPPORTED');
          assert.match(err.message, /^SIMD level '.*' is not available here \(supported: /s);
          return true;
        },
        inspect(level),
      );
      assert.equal(simdReport().active, active);
      cases++;
    }
  });

  test('after all the refused calls the kernels still compute the reference results', () => {
    const rng = new Random(77);
    const src = rng.bytes(65 * 33 * 3);
    assertExact(toLuma(src, 'rgb24', 65, 33, new Uint8Array(40 * 20), 40, 20), toLumaReference(src, 'rgb24', 65, 33, 40, 20), 'toLuma');
    const plane = rng.bytes(65 * 33);
    const s = sharpness(plane, 65, 33, { x: 3, y: 4, width: 40, height: 20 });
    const e = sharpnessReference(plane, 65, 33, { x: 3, y: 4, width: 40, height: 20 });
    assertRelative(s.tenengrad, e.tenengrad, 1e-9, 'tenengrad');
    assertRelative(s.laplacianVariance, e.laplacianVariance, 1e-9, 'laplacianVariance');
  });
});

/** Exact wording: what a user reads when a call is wrong. */
describe('argument error messages', () => {
  const raw = addon();
  const level = 0;
  const expect = (fn: () => unknown, name: 'TypeError' | 'RangeError', message: string): void => {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.deepEqual(
        { name: err.name, code: (err as ArgumentError).code, message: err.message },
        { name, code: 'E_NATIVE_ARG', message },
      );
      return true;
    });
  };

  test('a 10-byte src for a 4x4 gray frame names src, its expected length and what arrived', () => {
    const message = 'Expected a Uint8Array of length 16 for src but received Uint8Array of length 10';
    expect(() => toLuma(new Uint8Array(10), 'gray', 4, 4, new Uint8Array(4), 2, 2), 'RangeError', message);
    expect(() => raw.toLuma(new Uint8Array(10), 0, 4, 4, new Uint8Array(4), 2, 2, level), 'RangeError', message);
  });

  test('wrong kinds of buffer are named by their type', () => {
    const dst = new Uint8Array(4);
    expect(
      () => raw.toLuma(new Uint8ClampedArray(16) as never, 0, 4, 4, dst, 2, 2, level),
      'TypeError',
      'Expected a Uint8Array for src but received Uint8ClampedArray of length 16',
    );
    expect(
      () => raw.toLuma(new ArrayBuffer(16) as never, 0, 4, 4, dst, 2, 2, level),
      'TypeError',
      'Expected a Uint8Array for src but received ArrayBuffer',
    );
    const gone = detached(Uint8Array, 16) as Uint8Array;
    expect(
      () => toLuma(gone, 'gray', 4, 4, dst, 2, 2),
      'RangeError',
      'Expected a Uint8Array of length 16 for src but received Uint8Array of length 0',
    );
    expect(
      () =>
        raw.motion(
          new Uint8Array(16),
          new Float64Array(16) as never,
          4,
          4,
          25,
          1,
          0,
          0,
          null,
          new Uint32Array(1),
          1,
          1,
          new Int32Array(5),
          new Float64Array(7),
          level,
        ),
      'TypeError',
      'Expected a Uint8Array or Float32Array for ref but received Float64Array of length 16',
    );
    expect(
      () =>
        raw.motion(
          new Uint8Array(16),
          new Uint8Array(16),
          4,
          4,
          25,
          1,
          0,
          0,
          null,
          new Uint32Array(1),
          1,
          1,
          new Int32Array(7),
          new Float64Array(7),
          level,
        ),
      'RangeError',
      'Expected an Int32Array whose length is a multiple of 5 for boxes but received Int32Array of length 7',
    );
  });

  test('numbers are shown as JavaScript prints them and ranges are stated', () => {
    expect(
      () => raw.frameBytes(0, NaN, 4),
      'RangeError',
      'Expected an integer between 1 and 16384 for width but received NaN of type number',
    );
    expect(
      () => raw.frameBytes(0, 4, -Infinity),
      'RangeError',
      'Expected an integer between 1 and 16384 for height but received -Infinity of type number',
    );
    expect(
      () => raw.frameBytes(0, 0.1, 4),
      'RangeError',
      'Expected an integer between 1 and 16384 for width but received 0.1 of type number',
    );
    expect(
      () => raw.frameBytes(7, 4, 4),
      'RangeError',
      'Expected an integer between 0 and 4 for format (0 gray, 1 yuv420p, 2 nv12, 3 rgb24, 4 bgr24) but received 7 of type number',
    );
    expect(
      () => (raw.frameBytes as (...a: unknown[]) => number)(),
      'TypeError',
      'Expected an integer for format (0 gray, 1 yuv420p, 2 nv12, 3 rgb24, 4 bgr24) but received undefined',
    );
    expect(
      () =>
        raw.motion(
          new Uint8Array(16),
          new Float32Array(16),
          4,
          4,
          25,
          1,
          0,
          0,
          null,
          new Uint32Array(1),
          1,
          1,
          new Int32Array(5),
          new Float64Array(7),
          level,
        ),
      'RangeError',
      'Expected a number between 1e-06 and 1 for alpha but received 0 of type number',
    );
  });

  test('long strings are cut at 32 characters on both sides of the binding', () => {
    const long = 'é'.repeat(40);
    const message = `Expected an integer for width but received '${'é'.repeat(32)}...' of type string`;
    expect(() => raw.frameBytes(0, long as never, 4), 'TypeError', message);
    expect(() => sharpness(new Uint8Array(16), long as never, 4), 'TypeError', message);
  });

  test('an ROI outside the frame names the coordinate and the range that fits', () => {
    expect(
      () => sharpness(new Uint8Array(16), 4, 4, { x: 4, y: 0, width: 1, height: 1 }),
      'RangeError',
      'Expected an integer between 0 and 3 for roi.x but received 4 of type number',
    );
    expect(
      () => sharpness(new Uint8Array(16), 4, 4, { x: 2, y: 0, width: 3, height: 1 }),
      'RangeError',
      'Expected an integer between 1 and 2 for roi.width but received 3 of type number',
    );
  });

  test('the typed API words its own checks the same way', () => {
    expect(
      () => toLuma(new Uint8Array(16), 'yuv422p' as never, 4, 4, new Uint8Array(4), 2, 2),
      'TypeError',
      "Expected one of gray, yuv420p, nv12, rgb24, bgr24 for format but received 'yuv422p' of type string",
    );
    expect(
      () => cropResize(new Uint8Array(16), 'gray', 4, 4, { width: -1, height: 2, layout: 'nhwc-u8' }),
      'RangeError',
      'Expected an integer between 1 and 4096 for options.width but received -1 of type number',
    );
    expect(
      () => cropResize(new Uint8Array(16), 'gray', 4, 4, undefined as never),
      'TypeError',
      'Expected an object for options but received undefined',
    );
    expect(
      () => cropResize(new Uint8Array(16), 'gray', 4, 4, { width: 2, height: 2, layout: 'nchw-f32', std: [1, 0, 1] }),
      'RangeError',
      'Expected an array of 3 finite non-zero numbers for std but received Array',
    );
    expect(
      () => new MotionDetector({ width: 4, height: 4 }).detect(new Uint8Array(3)),
      'RangeError',
      'Expected a Uint8Array of length 16 for cur but received Uint8Array of length 3',
    );
    expect(
      () => motion(new Uint8Array(16), new Uint8Array(16), null as never),
      'TypeError',
      'Expected an object for options but received null',
    );
  });

  test('a zero standard deviation reaching the addon is refused', () => {
    expect(
      () =>
        raw.cropResize(
          new Uint8Array(16),
          0,
          4,
          4,
          0,
          0,
          4,
          4,
          new Float32Array(12),
          2,
          2,
          false,
          0,
          Float32Array.from([0, 0, 0, 1, 0, 1]),
          new Float64Array(6),
          level,
        ),
      'RangeError',
      'Expected finite means and non-zero finite standard deviations for norm but received Float32Array of length 6',
    );
  });
});
