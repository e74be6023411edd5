/**
 * copyBytes: the FIFO reader's per-read copy into a ring slot. It copies exactly the range asked, over
 * shared memory too, refuses ranges outside either array with an error naming the argument, and
 * allocates nothing on the JS heap where Buffer.copy of part of a buffer does (a view a call in Node 20).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { copyBytes } from '../../src/native/index.ts';

test('copies length bytes from src at srcOffset to dst at dstOffset, and nothing else', () => {
  const src = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
  const dst = new Uint8Array(new SharedArrayBuffer(32)).fill(0xff);
  copyBytes(dst, 4, src, 10, 20);
  assert.deepEqual([...dst.subarray(0, 4)], [0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...dst.subarray(4, 24)], [...src.subarray(10, 30)]);
  assert.deepEqual([...dst.subarray(24)], Array(8).fill(0xff));
  copyBytes(dst, 0, src, 0, 0);
  assert.equal(dst[0], 0xff, 'a zero length copies nothing');
});

test('overlapping ranges of one buffer copy as if through a temporary (memmove)', () => {
  const b = Uint8Array.from({ length: 16 }, (_, i) => i);
  copyBytes(b, 2, b, 0, 8);
  assert.deepEqual([...b.subarray(0, 10)], [0, 1, 0, 1, 2, 3, 4, 5, 6, 7]);
});

test('a range outside src or dst is E_NATIVE_ARG naming length, and copies nothing', () => {
  const src = new Uint8Array(8).fill(7);
  const dst = new Uint8Array(8);
  for (const [dstOffset, srcOffset, length] of [
    [0, 4, 5],
    [4, 0, 5],
    [8, 0, 1],
  ] as const) {
    assert.throws(() => copyBytes(dst, dstOffset, src, srcOffset, length), { code: 'E_NATIVE_ARG', message: /length/ });
  }
  assert.throws(() => copyBytes(dst, -1, src, 0, 1), { code: 'E_NATIVE_ARG', message: /dstOffset/ });
  assert.throws(() => copyBytes(new Float32Array(8) as unknown as Uint8Array, 0, src, 0, 1), { code: 'E_NATIVE_ARG', message: /dst/ });
  assert.deepEqual([...dst], Array(8).fill(0));
});

test('a copy allocates nothing on the JS heap, where Buffer.copy of part of a chunk does', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const chunk = Buffer.alloc(65_536, 1);
  const slot = new Uint8Array(new SharedArrayBuffer(345_600));
  // After a full collection the young generation is empty, and 5,000 calls of a 100 B view fit in it:
  // no collection runs inside the measured loop, so the heap's growth is what the calls allocated.
  const perCall = (copy: (i: number) => void): number => {
    for (let i = 0; i < 20_000; i++) copy(i); // optimised before measuring
    const calls = 5_000;
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) copy(i);
    return (process.memoryUsage().heapUsed - before) / calls;
  };
  // The least of three rounds: the first ones may still carry the optimising compiler's own garbage.
  const least = (copy: (i: number) => void): number => Math.min(perCall(copy), perCall(copy), perCall(copy));
  const native = least((i) => copyBytes(slot, (i * 64) % 300_000, chunk, 128, 4096));
  const buffer = least((i) => chunk.copy(slot, (i * 64) % 300_000, 128, 128 + 4096));
  assert.ok(native < 1, `copyBytes allocates ${native.toFixed(2)} B a call`);
  assert.ok(buffer >= 32, `Buffer.copy of part of a chunk allocates ${buffer.toFixed(1)} B a call (the baseline)`);
});
