import assert from 'node:assert/strict';
import { closeSync, constants, lstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { makeFifo, setPipeSize } from '../../src/native/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-fifo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const expectCode = (fn: () => unknown, code: string, fields: Record<string, unknown> = {}): void => {
  assert.throws(fn, (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, code);
    for (const [key, value] of Object.entries(fields)) assert.deepEqual((err as unknown as Record<string, unknown>)[key], value, key);
    return true;
  });
};

describe('makeFifo', () => {
  test('makes a named pipe with the asked permission bits that carries bytes from writer to reader', () => {
    const fifo = path.join(dir, 'a.fifo');
    makeFifo(fifo, 0o600);
    const stat = lstatSync(fifo);
    assert.ok(stat.isFIFO());
    assert.equal(stat.mode & 0o777, 0o600);
    // The read end first, non-blocking (as the frame reader opens it), so the write end finds a reader.
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(fifo, constants.O_WRONLY);
    writeSync(writeFd, 'frame bytes');
    closeSync(writeFd);
    const out = Buffer.alloc(64);
    const n = readSync(readFd, out);
    closeSync(readFd);
    assert.equal(out.subarray(0, n).toString(), 'frame bytes');
  });

  test("a failure is an error coded with its errno name, like Node's own fs errors", () => {
    const fifo = path.join(dir, 'b.fifo');
    makeFifo(fifo);
    expectCode(() => makeFifo(fifo), 'EEXIST', { syscall: 'mkfifo', path: fifo });
    assert.throws(() => makeFifo(fifo), /^Error: EEXIST: file already exists, mkfifo '.*b\.fifo'$/);
    expectCode(() => makeFifo(path.join(dir, 'missing', 'c.fifo')), 'ENOENT', { syscall: 'mkfifo' });
  });

  test('bad arguments are refused before the system call, named as every binding names them', () => {
    const arg = (fn: () => unknown, name: string, message: string): void => {
      assert.throws(fn, (err: Error) => {
        assert.deepEqual(
          { name: err.name, code: (err as NodeJS.ErrnoException).code, message: err.message },
          { name, code: 'E_NATIVE_ARG', message },
        );
        return true;
      });
    };
    arg(() => makeFifo(3 as never), 'TypeError', 'Expected a string for path but received 3 of type number');
    arg(
      () => makeFifo(''),
      'RangeError',
      "Expected a non-empty string of at most 4095 bytes without NUL for path but received '' of type string",
    );
    arg(
      () => makeFifo('x\0y'),
      'RangeError',
      "Expected a non-empty string of at most 4095 bytes without NUL for path but received 'x\0y' of type string",
    );
    arg(
      () => makeFifo(path.join(dir, 'd.fifo'), 0o1777),
      'RangeError',
      'Expected an integer between 0 and 511 for mode but received 1023 of type number',
    );
    arg(
      () => makeFifo(path.join(dir, 'd.fifo'), 0.5),
      'RangeError',
      'Expected an integer between 0 and 511 for mode but received 0.5 of type number',
    );
    assert.throws(() => lstatSync(path.join(dir, 'd.fifo')), { code: 'ENOENT' });
  });
});

describe('setPipeSize', () => {
  test('grows a pipe to at least the asked size, rounded up to a power of two pages, and reports it', () => {
    const fifo = path.join(dir, 'size.fifo');
    makeFifo(fifo);
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      assert.equal(setPipeSize(readFd, 345_600), 524_288);
      assert.equal(setPipeSize(readFd, 65_536), 65_536);
    } finally {
      closeSync(readFd);
    }
  });

  test('a descriptor that is not a pipe fails with its errno name; bad arguments are refused', () => {
    const file = path.join(dir, 'plain');
    const fd = openSync(file, 'w');
    try {
      expectCode(() => setPipeSize(fd, 1 << 16), 'EBADF', { syscall: 'fcntl' });
    } finally {
      closeSync(fd);
    }
    assert.throws(() => setPipeSize(-1, 1 << 16), { code: 'E_NATIVE_ARG', name: 'RangeError' });
    assert.throws(() => setPipeSize(0, 100), { code: 'E_NATIVE_ARG', name: 'RangeError' });
  });
});
