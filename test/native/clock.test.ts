import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calibrateStampClock, epochMs, stampNow } from '../../src/native/index.ts';
import { addon } from '../../src/native/load.ts';
import { detached } from './fuzz-values.ts';

describe('stampNow', () => {
  test('a stamp lies between epochMs() read just before and just after it', () => {
    const out = new Float64Array(4);
    for (let i = 0; i < 1000; i++) {
      const before = epochMs();
      stampNow(out, i & 3);
      const after = epochMs();
      const stamp = out[i & 3] as number;
      // The calibration is good to about a microsecond; allow 0.1 ms for a busy shared machine.
      assert.ok(stamp >= before - 0.1 && stamp <= after + 0.1, `${before} <= ${stamp} <= ${after}`);
    }
  });

  test('stamps never go backwards over 200,000 calls', () => {
    const out = new Float64Array(1);
    stampNow(out, 0);
    let previous = out[0] as number;
    for (let i = 0; i < 200_000; i++) {
      stampNow(out, 0);
      const stamp = out[0] as number;
      assert.ok(stamp >= previous, `stamp ${i} went back from ${previous} to ${stamp}`);
      previous = stamp;
    }
  });

  test('a stamp written into a SharedArrayBuffer view lands at its index and nowhere else', () => {
    const out = new Float64Array(new SharedArrayBuffer(8 * 8), 16, 4);
    out.fill(-1);
    const before = epochMs();
    stampNow(out, 2);
    const after = epochMs();
    assert.deepEqual([out[0], out[1], out[3]], [-1, -1, -1]);
    assert.ok((out[2] as number) >= before - 0.1 && (out[2] as number) <= after + 0.1, `${before} <= ${out[2]} <= ${after}`);
  });

  test('re-calibrating after a pause finds the same offset: the two clocks do not drift apart', async () => {
    const first = calibrateStampClock();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = calibrateStampClock();
    assert.ok(Math.abs(second - first) < 0.05, `offset moved from ${first} to ${second} ms`);
  });
});

describe('stampEpochMs argument errors', () => {
  const raw = addon();
  const expect = (fn: () => unknown, name: 'TypeError' | 'RangeError', message: string): void => {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof Error);
      const code = (err as { code?: unknown }).code;
      assert.deepEqual({ name: err.name, code, message: err.message }, { name, code: 'E_NATIVE_ARG', message });
      return true;
    });
  };

  test('a target that is not a Float64Array is refused by its type', () => {
    expect(
      () => raw.stampEpochMs(new Float32Array(4) as never, 0, 0),
      'TypeError',
      'Expected a Float64Array for target but received Float32Array of length 4',
    );
    expect(() => stampNow([0, 0] as never, 0), 'TypeError', 'Expected a Float64Array for target but received Array');
  });

  test('an empty or detached target has no index to write', () => {
    expect(
      () => stampNow(new Float64Array(0), 0),
      'RangeError',
      'Expected a non-empty Float64Array for target but received Float64Array of length 0',
    );
    expect(
      () => stampNow(detached(Float64Array, 4) as Float64Array, 0),
      'RangeError',
      'Expected a non-empty Float64Array for target but received Float64Array of length 0',
    );
  });

  test('an index outside the target names the range that fits', () => {
    expect(
      () => stampNow(new Float64Array(4), 4),
      'RangeError',
      'Expected an integer between 0 and 3 for index but received 4 of type number',
    );
    expect(
      () => raw.stampEpochMs(new Float64Array(4), 1.5, 0),
      'RangeError',
      'Expected an integer between 0 and 3 for index but received 1.5 of type number',
    );
    expect(
      () => raw.stampEpochMs(new Float64Array(4), '1' as never, 0),
      'TypeError',
      "Expected an integer for index but received '1' of type string",
    );
  });

  test('a non-finite offset is refused', () => {
    expect(
      () => raw.stampEpochMs(new Float64Array(1), 0, NaN),
      'RangeError',
      'Expected a finite number for offsetMs but received NaN of type number',
    );
    expect(
      () => raw.stampEpochMs(new Float64Array(1), 0, -Infinity),
      'RangeError',
      'Expected a finite number for offsetMs but received -Infinity of type number',
    );
    expect(
      () => raw.stampEpochMs(new Float64Array(1), 0, undefined as never),
      'TypeError',
      'Expected a finite number for offsetMs but received undefined',
    );
  });
});
