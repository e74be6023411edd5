import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { spawnChild, type Child } from '../../src/coordinator/child-process.ts';
import { sleep, waitFor } from '../support/wait.ts';

async function text(stream: Readable | null): Promise<string> {
  assert.ok(stream);
  let out = '';
  stream.setEncoding('utf8').on('data', (d: string) => (out += d));
  await once(stream, 'close');
  return out;
}

function events(child: Child): string[] {
  const seen: string[] = [];
  for (const name of ['error', 'exit', 'close']) child.on(name, () => seen.push(name));
  return seen;
}

test('a child writes to its pipes and to an fd of ours, and its exit code comes back with exit then close', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-child-'));
  try {
    const file = path.join(dir, 'out.txt');
    const fd = openSync(file, 'w');
    const child = spawnChild('sh', ['-c', 'echo out; echo err >&2; echo three >&3; exit 3'], ['ignore', fd, 'pipe', 'pipe']);
    closeSync(fd);
    const seen = events(child);
    const closed = once(child, 'close');
    assert.ok((child.pid ?? 0) > 0);
    const [err, three] = await Promise.all([text(child.stderr), text(child.stdio[3] ?? null)]);
    const [code, signal] = (await closed) as [number, null];
    assert.equal(err, 'err\n');
    assert.equal(three, 'three\n');
    assert.equal(readFileSync(file, 'utf8'), 'out\n');
    assert.deepEqual([code, signal, child.exitCode, child.signalCode], [3, null, 3, null]);
    assert.deepEqual(seen, ['exit', 'close']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kill signals the child; once it has exited, kill answers false and signals nothing', async () => {
  const child = spawnChild('sleep', ['30'], ['ignore', 'ignore', 'ignore']);
  assert.equal(child.kill('SIGTERM'), true);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string];
  assert.deepEqual([code, signal, child.signalCode], [null, 'SIGTERM', 'SIGTERM']);
  assert.equal(child.kill('SIGKILL'), false);
  assert.throws(() => spawnChild('sleep', ['1'], ['pipe']), /stdio\[0\] cannot be a pipe/);
  const other = spawnChild('sleep', ['30'], ['ignore', 'ignore', 'ignore']);
  assert.throws(() => other.kill('SIGNOPE' as NodeJS.Signals), /Unknown signal: SIGNOPE/);
  assert.equal(other.kill(9), true);
  await once(other, 'close');
  assert.equal(other.signalCode, 'SIGKILL');
});

test('a program that is not there is an error event (ENOENT, the path named), then exit and close, and nothing leaks', async () => {
  const before = readdirSync('/proc/self/fd').length;
  const child = spawnChild('/nonexistent/ffmpeg', ['-version'], ['ignore', 'ignore', 'pipe', 'pipe']);
  const seen = events(child);
  // events.once would reject on the 'error' event: wait for 'close' with a plain listener.
  const closed = new Promise((resolve) => child.once('close', resolve));
  const [error] = (await once(child, 'error')) as [NodeJS.ErrnoException];
  await closed;
  assert.equal(error.code, 'ENOENT');
  assert.match(error.message, /spawn '\/nonexistent\/ffmpeg'/);
  assert.equal(child.pid, undefined);
  assert.equal(child.exitCode, -2);
  assert.equal(child.kill(), false);
  assert.deepEqual(seen, ['error', 'exit', 'close']);
  assert.ok(readdirSync('/proc/self/fd').length <= before, 'the pipes made for it are closed');
});

test('children start with default signal handling and an empty mask, hold no fd of ours beyond their stdio, and leave none open here', async () => {
  const before = readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 20; i++) {
    const child = spawnChild('true', [], ['ignore', 'ignore', 'pipe']);
    await once(child, 'close');
  }
  // A leak of one fd a child would show 20 more; the runner's own fds may come and go by one or two.
  assert.ok(readdirSync('/proc/self/fd').length <= before + 2, 'pipes and pidfds are closed once a child is reaped');
  // Node ignores SIGPIPE; an ffmpeg that inherited that would not die on a broken pipe.
  const child = spawnChild('sleep', ['30'], ['ignore', 'ignore', 'pipe']);
  try {
    // Asleep: past its start-up, where it opens and closes locale files of its own.
    await waitFor('the child asleep', () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('S') === true);
    await sleep(50);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const mask = (name: string): bigint => BigInt(`0x${new RegExp(`${name}:\\s*(\\w+)`).exec(status)?.[1] ?? 'ffff'}`);
    assert.equal(mask('SigIgn') & (1n << 12n), 0n, 'SIGPIPE (13) is not ignored in the child');
    assert.equal(mask('SigBlk'), 0n);
    // Its stdio and the exit pipe (fd 3); besides, only what this process inherited itself without close-on-exec.
    const inherited = new Set(readdirSync('/proc/self/fd').filter((fd) => Number(fd) > 2 && !closeOnExec(Number(fd))));
    const extra = readdirSync(`/proc/${child.pid}/fd`).filter((fd) => Number(fd) > 3 && !inherited.has(fd));
    assert.deepEqual(extra, []);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'close');
  }
});

/** Whether fd is close-on-exec here (what this process opens is; what its parent left open for it may not be). */
function closeOnExec(fd: number): boolean {
  try {
    const flags = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    return (Number.parseInt(/flags:\s*(\d+)/.exec(flags)?.[1] ?? '0', 8) & 0o2000000) !== 0;
  } catch {
    return true;
  }
}
