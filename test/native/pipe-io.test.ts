import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, mkdtempSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { EAGAIN, makePipe, pipeAvailable, pollReadable, readInto, setNonBlocking, setPipeSize, writeWake } from '../../src/native/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-pipe-io-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const expectCode = (fn: () => unknown, code: string, fields: Record<string, unknown> = {}): void => {
  assert.throws(fn, (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, code);
    for (const [key, value] of Object.entries(fields)) assert.deepEqual((err as unknown as Record<string, unknown>)[key], value, key);
    return true;
  });
};

/** A non-blocking pipe for the test, closed after it. */
function pipe(): [number, number] {
  const fds = makePipe();
  setNonBlocking(fds[0]);
  after(() => {
    for (const fd of fds) {
      try {
        closeSync(fd);
      } catch {
        // closed by the test
      }
    }
  });
  return fds;
}

describe('setPipeSize', () => {
  test('grows a pipe to at least the asked size, rounded up to a power of two pages, and reports it', () => {
    const [readFd] = pipe();
    assert.equal(setPipeSize(readFd, 345_600), 524_288);
    assert.equal(setPipeSize(readFd, 65_536), 65_536);
  });

  test('a descriptor that is not a pipe fails with its errno name; bad arguments are refused', () => {
    const fd = openSync(path.join(dir, 'plain'), 'w');
    try {
      expectCode(() => setPipeSize(fd, 1 << 16), 'EBADF', { syscall: 'fcntl' });
    } finally {
      closeSync(fd);
    }
    assert.throws(() => setPipeSize(-1, 1 << 16), { code: 'E_NATIVE_ARG', name: 'RangeError' });
    assert.throws(() => setPipeSize(0, 100), { code: 'E_NATIVE_ARG', name: 'RangeError' });
  });
});

describe('readInto, pipeAvailable', () => {
  test('reads what the pipe holds at an offset, says -EAGAIN when it is empty and 0 at its end', () => {
    const [readFd, writeFd] = pipe();
    const dst = new Uint8Array(new SharedArrayBuffer(16));
    assert.equal(readInto(readFd, dst, 0, 16), -EAGAIN);
    assert.equal(pipeAvailable(readFd), 0);
    writeSync(writeFd, Buffer.from('abcdef'));
    assert.equal(pipeAvailable(readFd), 6);
    assert.equal(readInto(readFd, dst, 4, 4), 4, 'at most length bytes');
    assert.equal(Buffer.from(dst.subarray(4, 8)).toString(), 'abcd');
    assert.equal(readInto(readFd, dst, 0, 16), 2);
    assert.equal(Buffer.from(dst.subarray(0, 2)).toString(), 'ef');
    closeSync(writeFd);
    assert.equal(readInto(readFd, dst, 0, 16), 0, 'every writer closed: the end');
  });

  test('bad arguments are refused before the system call, naming the argument', () => {
    const [readFd] = pipe();
    const dst = new Uint8Array(8);
    assert.throws(() => readInto(readFd, dst, 4, 5), { code: 'E_NATIVE_ARG', name: 'RangeError', message: /length/ });
    assert.throws(() => readInto(readFd, dst, 0, 0), { code: 'E_NATIVE_ARG', message: /length/ });
    assert.throws(() => readInto(readFd, new Uint16Array(4) as never, 0, 1), { code: 'E_NATIVE_ARG', name: 'TypeError', message: /dst/ });
    assert.throws(() => readInto(-1, dst, 0, 1), { code: 'E_NATIVE_ARG', message: /fd/ });
    assert.equal(pipeAvailable(1_000_000), -9, 'an fd that is not open: -EBADF');
  });
});

describe('pollReadable, writeWake', () => {
  test('reports the pipes with data, and times out when none has any', () => {
    const [a, aw] = pipe();
    const [b, bw] = pipe();
    const fds = Int32Array.from([a, b]);
    const ready = new Uint8Array(2);
    assert.equal(pollReadable(fds, ready, 2, 20), 0);
    writeWake(bw);
    assert.equal(pollReadable(fds, ready, 2, 10_000), 1);
    assert.deepEqual([...ready], [0, 1]);
    closeSync(aw);
    assert.equal(pollReadable(fds, ready, 2, 0), 2, "a pipe's end reads as ready");
    assert.deepEqual([...ready], [1, 1]);
  });

  test('a wake pipe full of wake-ups takes another without blocking or failing', () => {
    const [, w] = pipe();
    setNonBlocking(w);
    for (let i = 0; i < 70_000; i++) writeWake(w);
  });

  test('bad arguments are refused before the system call, naming the argument', () => {
    const ready = new Uint8Array(2);
    assert.throws(() => pollReadable(Int32Array.from([0]), ready, 2, 0), { code: 'E_NATIVE_ARG', message: /count/ });
    assert.throws(() => pollReadable(Int32Array.from([-1]), ready, 1, 0), { code: 'E_NATIVE_ARG', message: /fds/ });
    assert.throws(() => pollReadable(Int32Array.from([0]), ready, 1, -2), { code: 'E_NATIVE_ARG', message: /timeoutMs/ });
    assert.throws(() => pollReadable([0] as never, ready, 1, 0), { code: 'E_NATIVE_ARG', name: 'TypeError', message: /fds/ });
  });
});
