import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'node:test';
import { nameThisThread } from '../../src/native/index.ts';
import { startWorker } from '../../src/threads.ts';

/** The names of this process's threads, from /proc. */
function threadNames(): string[] {
  const dir = `/proc/${process.pid}/task`;
  return readdirSync(dir).map((tid) => readFileSync(`${dir}/${tid}/comm`, 'utf8').trim());
}

test('a worker started with a name names its OS thread, cut to the 15 bytes Linux keeps', async () => {
  const worker = startWorker(new URL('./fixtures/idle-worker.ts', import.meta.url), null, { name: 'channel-thread-name-7' });
  const [ready] = await once(worker, 'message');
  assert.equal(ready, 'ready');
  try {
    assert.ok(threadNames().includes('channel-thread-'), `threads: ${threadNames().join(', ')}`);
  } finally {
    await worker.terminate();
  }
});

test('a bad name is refused at the boundary with the argument named', () => {
  assert.throws(() => nameThisThread(''), { code: 'E_NATIVE_ARG', message: /name/ });
  assert.throws(() => nameThisThread('a\0b'), { code: 'E_NATIVE_ARG', message: /name/ });
  assert.throws(() => nameThisThread(7 as never), { code: 'E_NATIVE_ARG', name: 'TypeError', message: /name/ });
});
