import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addon } from '../../src/native/load.ts';
import { makePipe, reapChild, signalChild, spawnProcess } from '../../src/native/index.ts';
import { closeSync } from 'node:fs';
import { sleep } from '../support/wait.ts';

const raw = addon() as unknown as Record<string, (...args: unknown[]) => unknown>;

test('bad arguments to the process calls are E_NATIVE_ARG naming the argument, and start nothing', () => {
  const cases: Array<[string, unknown[], RegExp]> = [
    ['spawnProcess', [42, ['x'], new Int32Array(3)], /for file/],
    ['spawnProcess', ['', ['x'], new Int32Array(3)], /for file/],
    ['spawnProcess', ['true', 'true', new Int32Array(3)], /for argv/],
    ['spawnProcess', ['true', ['true', 7], new Int32Array(3)], /for argv/],
    ['spawnProcess', ['true', ['tr\0ue'], new Int32Array(3)], /strings without NUL for argv/],
    ['spawnProcess', ['true', [], new Int32Array(3)], /at least the program name for argv/],
    ['spawnProcess', ['true', ['true'], [0, 1, 2]], /an Int32Array for fds/],
    ['spawnProcess', ['true', ['true'], new Int32Array(17)], /at most 16 fds for fds/],
    ['reapChild', [0, new Int32Array(2)], /for pid/],
    ['reapChild', [1, new Int32Array(3)], /of length 2 for out/],
    ['signalChild', [-1, 1, 65], /for signal/],
    ['signalChild', [-2, 1, 15], /for pidfd/],
  ];
  for (const [name, args, message] of cases) {
    assert.throws(() => raw[name]?.(...args), { code: 'E_NATIVE_ARG', message }, `${name}(${String(args[0])}, ...)`);
  }
});

test('spawnProcess runs a program with our fds as its stdio, reapChild gives its status, signalChild reaches it by pidfd', async () => {
  const [r, w] = makePipe();
  const child = spawnProcess('sh', ['sh', '-c', 'exit 7'], [-1, w, w]);
  closeSync(w);
  closeSync(r);
  assert.ok(child.pid > 0 && child.pidfd >= 0);
  let end = reapChild(child.pid);
  for (let i = 0; end === null && i < 200; i++, end = reapChild(child.pid)) await sleep(10);
  assert.deepEqual(end, { code: 7, signal: null });
  closeSync(child.pidfd);
  const sleeper = spawnProcess('sleep', ['sleep', '30'], [-1, -1, -1]);
  assert.equal(signalChild(sleeper, 15), true);
  end = reapChild(sleeper.pid);
  for (let i = 0; end === null && i < 200; i++, end = reapChild(sleeper.pid)) await sleep(10);
  assert.deepEqual(end, { code: null, signal: 15 });
  assert.deepEqual(reapChild(sleeper.pid), { code: -1, signal: null }, 'reaped already: not ours any more (ECHILD)');
  closeSync(sleeper.pidfd);
  assert.throws(() => spawnProcess('/nonexistent/ffmpeg', ['ffmpeg'], [-1, -1, -1]), { code: 'ENOENT', syscall: 'spawn' });
});
