import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RangeNotSatisfiableError } from '../../../src/errors.ts';
import { parseRange } from '../../../src/outputs/http/file-reply.ts';

test('a Range header picks one byte range of the file: a-b, a- and the last n bytes', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=990-2000', 1000), { start: 990, end: 999 }, 'an end past the file is cut to it');
  assert.deepEqual(parseRange('bytes=-5000', 1000), { start: 0, end: 999 });
});

test('a multi-range or malformed Range header gets the whole file', () => {
  assert.equal(parseRange('bytes=0-1,5-6', 1000), null);
  assert.equal(parseRange('items=0-1', 1000), null);
  assert.equal(parseRange('bytes=-', 1000), null);
});

test('a range that starts past the end, ends before it starts or is empty is not satisfiable', () => {
  for (const header of ['bytes=1000-', 'bytes=500-400', 'bytes=-0']) {
    assert.throws(
      () => parseRange(header, 1000),
      (error: unknown) => error instanceof RangeNotSatisfiableError && error.size === 1000,
      header,
    );
  }
});
