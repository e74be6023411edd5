import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { replayFile } from '../../../src/outputs/mqtt/outbox-file.ts';
import { Outbox, OUTBOX_FILE, type DiskFailure } from '../../../src/outputs/mqtt/outbox.ts';
import { mountTmpfs, tmpfsUnavailable } from '../../support/tmpfs.ts';
import { waitFor } from '../../support/wait.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-outbox-'));
  dirs.push(dir);
  return dir;
}

const payloads = (outbox: Outbox): string[] => outbox.after(0, Number.MAX_SAFE_INTEGER).map((record) => record.payload);

test('messages come out oldest first and an ack removes exactly that message', () => {
  const outbox = Outbox.open({ dir: scratch(), maxEvents: 100 });
  const records = ['a', 'b', 'c', 'd'].map((name) => outbox.append(`t/${name}`, (seq) => `${name}${seq}`));
  assert.deepEqual(
    records.map((record) => record.seq),
    [1, 2, 3, 4],
  );
  assert.deepEqual(payloads(outbox), ['a1', 'b2', 'c3', 'd4']);
  assert.equal(outbox.ack(3), true);
  assert.equal(outbox.ack(3), false, 'a second ack of the same message is a no-op');
  assert.deepEqual(payloads(outbox), ['a1', 'b2', 'd4']);
  assert.deepEqual(
    outbox.after(1, 1).map((record) => record.topic),
    ['t/b'],
    'after() skips up to the seq and honours the limit',
  );
  assert.deepEqual(
    { ...outbox.stats() },
    {
      depth: 3,
      appended: 4,
      acked: 1,
      droppedOldest: 0,
      corruptLines: 0,
      recovered: 0,
      degraded: null,
      bypassed: { disk_full: 0, read_only: 0, permission_denied: 0, io_error: 0, other: 0 },
    },
  );
  outbox.close();
});

test('when the bound is hit the oldest messages are dropped and counted', () => {
  const outbox = Outbox.open({ dir: scratch(), maxEvents: 3 });
  for (let i = 1; i <= 7; i += 1) outbox.append('t', () => `m${i}`);
  assert.deepEqual(payloads(outbox), ['m5', 'm6', 'm7']);
  assert.equal(outbox.stats().droppedOldest, 4);
  assert.equal(outbox.depth, 3);
  outbox.close();
});

test('pending messages survive a restart in order and the sequence continues after the highest', () => {
  const dir = scratch();
  const first = Outbox.open({ dir, maxEvents: 10 });
  for (let i = 1; i <= 5; i += 1) first.append(`t/${i}`, (seq) => `m${seq}`);
  first.ack(1);
  first.ack(4);
  first.close();

  const second = Outbox.open({ dir, maxEvents: 10 });
  assert.deepEqual(payloads(second), ['m2', 'm3', 'm5']);
  assert.equal(second.stats().recovered, 3);
  assert.equal(second.append('t/6', (seq) => `m${seq}`).seq, 6, 'a seq is never reused after a restart');
  second.close();
});

test('a gateway killed without closing the outbox loses no appended message', () => {
  const dir = scratch();
  const crashed = Outbox.open({ dir, maxEvents: 10 });
  crashed.append('t', () => 'kept-1');
  crashed.append('t', () => 'kept-2');
  crashed.ack(1);
  // No close(): the lines were written before append returned, as a SIGKILL would leave them.
  const reopened = Outbox.open({ dir, maxEvents: 10 });
  assert.deepEqual(payloads(reopened), ['kept-2']);
  reopened.close();
  crashed.close();
});

test('a torn last line after a crash is skipped and counted, and the outbox keeps working', () => {
  const dir = scratch();
  const first = Outbox.open({ dir, maxEvents: 10 });
  first.append('t', () => 'whole-1');
  first.append('t', () => 'whole-2');
  first.close();
  appendFileSync(path.join(dir, OUTBOX_FILE), '{"seq":3,"topic":"t","payl');

  const second = Outbox.open({ dir, maxEvents: 10 });
  assert.deepEqual(payloads(second), ['whole-1', 'whole-2']);
  assert.equal(second.stats().corruptLines, 1);
  second.append('t', () => 'after-crash');
  second.close();

  const third = Outbox.open({ dir, maxEvents: 10 });
  assert.deepEqual(payloads(third), ['whole-1', 'whole-2', 'after-crash'], 'a new line never joins the torn one');
  assert.equal(third.stats().corruptLines, 0, 'the torn line was compacted away at the previous open');
  third.close();
});

test('lines that are valid JSON but not outbox records are skipped and counted', () => {
  const dir = scratch();
  writeFileSync(
    path.join(dir, OUTBOX_FILE),
    [
      '{"seq":1,"topic":"t","payload":"ok"}',
      '{"seq":-2,"topic":"t","payload":"bad seq"}',
      '[1,2,3]',
      'null',
      '{"ack":"1"}',
      '{"seq":3,"topic":7,"payload":"bad topic"}',
      '',
    ].join('\n'),
  );
  const outbox = Outbox.open({ dir, maxEvents: 10 });
  assert.deepEqual(payloads(outbox), ['ok']);
  assert.equal(outbox.stats().corruptLines, 5);
  outbox.close();
});

test('a bound lowered between runs drops the oldest pending messages at open and counts them', () => {
  const dir = scratch();
  const first = Outbox.open({ dir, maxEvents: 10 });
  for (let i = 1; i <= 6; i += 1) first.append('t', () => `m${i}`);
  first.close();
  const second = Outbox.open({ dir, maxEvents: 2 });
  assert.deepEqual(payloads(second), ['m5', 'm6']);
  assert.equal(second.stats().droppedOldest, 4);
  second.close();
});

test('delivered messages are compacted out of the file so it does not grow while the broker keeps up', async () => {
  const dir = scratch();
  const outbox = Outbox.open({ dir, maxEvents: 100, compactAfterDeadLines: 64 });
  const payload = 'x'.repeat(200);
  for (let i = 0; i < 1_000; i += 1) {
    outbox.ack(outbox.append('t', () => payload).seq);
    // Events come in separate ticks in the gateway; a compaction in flight finishes between them.
    await outbox.idle();
  }
  outbox.append('t', () => 'last');
  // Without compaction the file would hold 1,000 records of 200+ bytes.
  assert.ok(statSync(path.join(dir, OUTBOX_FILE)).size < 64 * 300, `file is ${statSync(path.join(dir, OUTBOX_FILE)).size} bytes`);
  outbox.close();
  const reopened = Outbox.open({ dir, maxEvents: 100 });
  assert.deepEqual(payloads(reopened), ['last']);
  assert.equal(readFileSync(path.join(dir, OUTBOX_FILE), 'utf8').trim().split('\n').length, 1);
  reopened.close();
});

const lines = (file: string): string[] => readFileSync(file, 'utf8').trim().split('\n');
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a compaction due at an ack runs after ack() returns, and the file is rewritten once it settles', async () => {
  const dir = scratch();
  const file = path.join(dir, OUTBOX_FILE);
  const outbox = Outbox.open({ dir, maxEvents: 100, compactAfterDeadLines: 4 });
  for (const name of ['a', 'b', 'c', 'd', 'e']) outbox.append('t', () => name);
  outbox.ack(1);
  outbox.ack(2);
  // 4 dead lines > 3 live: due now, but its writes wait for the event loop.
  assert.equal(lines(file).length, 7, 'ack() returned before the file was rewritten');
  await outbox.idle();
  assert.deepEqual(
    lines(file).map((line) => (JSON.parse(line) as { payload: string }).payload),
    ['c', 'd', 'e'],
  );
  assert.deepEqual(readdirSync(dir), [OUTBOX_FILE], 'no temporary file left');
  outbox.close();
});

test('appends, acks and drops made during a compaction reach the new file, and the file replays to the pending set at every moment', async () => {
  const dir = scratch();
  const file = path.join(dir, OUTBOX_FILE);
  const outbox = Outbox.open({ dir, maxEvents: 8, compactAfterDeadLines: 8 });
  const pending = (): number[] => outbox.after(0, Number.MAX_SAFE_INTEGER).map((record) => record.seq);
  const onDisk = (): number[] => replayFile(file, 100).pending.map((record) => record.seq);
  for (let i = 0; i < 8; i += 1) outbox.append('t', (seq) => `m${seq}`);
  for (let seq = 1; seq <= 4; seq += 1) outbox.ack(seq);
  let settled = false;
  const first = outbox.idle().then(() => {
    settled = true;
  });
  // Round 0 runs in the tick that started the compaction, so it is surely in flight then.
  let roundsAfter = 0;
  for (let round = 0; roundsAfter < 3 && round < 10_000; round += 1) {
    if (settled) roundsAfter += 1;
    outbox.append('t', (seq) => `m${seq}`);
    outbox.append('t', (seq) => `m${seq}`);
    outbox.append('t', (seq) => `m${seq}`); // beyond the bound of 8: the oldest is dropped
    outbox.ack(pending()[0] ?? 0);
    assert.deepEqual(onDisk(), pending(), `a crash after round ${round} would replay the pending set`);
    await nextTick();
  }
  await first;
  await outbox.idle();
  assert.ok(!readFileSync(file, 'utf8').includes('{"seq":1,'), 'the file was compacted');
  assert.deepEqual(onDisk(), pending());
  const expected = outbox.after(0, Number.MAX_SAFE_INTEGER).map((record) => record.payload);
  outbox.close();
  const reopened = Outbox.open({ dir, maxEvents: 8 });
  assert.deepEqual(payloads(reopened), expected);
  assert.equal(reopened.stats().corruptLines, 0);
  reopened.close();
});

test('closing the outbox during a compaction loses no line, and the abandoned compaction leaves the file and no temporary file', async () => {
  const dir = scratch();
  const file = path.join(dir, OUTBOX_FILE);
  const outbox = Outbox.open({ dir, maxEvents: 100, compactAfterDeadLines: 4 });
  for (const name of ['a', 'b', 'c', 'd', 'e']) outbox.append('t', () => name);
  outbox.ack(1);
  outbox.ack(2);
  outbox.append('t', () => 'f');
  outbox.ack(3);
  outbox.close();
  const closed = readFileSync(file, 'utf8');
  assert.equal(closed.trim().split('\n').length, 9, 'every line is in the file close() flushed');
  await outbox.idle();
  assert.equal(readFileSync(file, 'utf8'), closed, 'a closed outbox does not touch its file');
  assert.deepEqual(readdirSync(dir), [OUTBOX_FILE]);
  const reopened = Outbox.open({ dir, maxEvents: 100 });
  assert.deepEqual(payloads(reopened), ['d', 'e', 'f']);
  reopened.close();
});

test('temporary files a crash left behind are harmless at the next open', () => {
  const dir = scratch();
  const first = Outbox.open({ dir, maxEvents: 10 });
  first.append('t', () => 'a');
  first.append('t', () => 'b');
  first.close();
  const stale = '{"seq":9,"topic":"t","payload":"stale"}\n{"seq":10,"to';
  writeFileSync(path.join(dir, `${OUTBOX_FILE}.tmp`), stale);
  writeFileSync(path.join(dir, `${OUTBOX_FILE}.compact.tmp`), stale);
  const second = Outbox.open({ dir, maxEvents: 10 });
  assert.deepEqual(payloads(second), ['a', 'b']);
  assert.equal(second.append('t', () => 'c').seq, 3);
  assert.deepEqual(readdirSync(dir), [OUTBOX_FILE]);
  second.close();
});

test('a compaction that fails because the directory is gone degrades naming the errno, keeps every message, and a retry writes them', async () => {
  const dir = path.join(scratch(), 'outbox');
  const changes: Array<DiskFailure | null> = [];
  const outbox = Outbox.open({ dir, maxEvents: 100, compactAfterDeadLines: 4, onDiskChange: (failure) => changes.push(failure) });
  for (const name of ['a', 'b', 'c', 'd', 'e']) outbox.append('t', () => name);
  rmSync(dir, { recursive: true });
  // The acks go to the open (now unlinked) file; the compaction cannot create its temporary file.
  outbox.ack(1);
  outbox.ack(2);
  assert.equal(outbox.stats().degraded, null, 'the compaction runs after ack() returns');
  await outbox.idle();
  assert.equal(outbox.degraded?.code, 'ENOENT');
  outbox.append('t', () => 'f');
  assert.equal(outbox.stats().bypassed.other, 1);
  assert.deepEqual(payloads(outbox), ['c', 'd', 'e', 'f']);
  assert.equal(outbox.retryDisk(), true, 'the retry makes the directory again');
  outbox.close();
  assert.deepEqual(
    changes.map((change) => change?.code ?? null),
    ['ENOENT', null],
  );
  assert.deepEqual(
    replayFile(path.join(dir, OUTBOX_FILE), 100).pending.map((record) => record.payload),
    ['c', 'd', 'e', 'f'],
  );
});

test('an outbox directory that cannot be created opens degraded naming the errno, keeps messages in memory, and writes them once it can be made', () => {
  const dir = scratch();
  const blocker = path.join(dir, 'not-a-dir');
  writeFileSync(blocker, 'x');
  const changes: Array<DiskFailure | null> = [];
  const outbox = Outbox.open({ dir: path.join(blocker, 'outbox'), maxEvents: 10, onDiskChange: (failure) => changes.push(failure) });
  assert.equal(outbox.degraded?.code, 'ENOTDIR');
  assert.match(outbox.degraded?.message ?? '', /^ENOTDIR: /);
  outbox.append('t/a', (seq) => `a${seq}`);
  outbox.append('t/b', (seq) => `b${seq}`);
  assert.deepEqual(payloads(outbox), ['a1', 'b2']);
  assert.equal(outbox.stats().bypassed.other, 2);
  assert.equal(outbox.retryDisk(), false, 'still a file in the way');
  rmSync(blocker);
  assert.equal(outbox.retryDisk(), true);
  assert.deepEqual(
    changes.map((change) => change?.code ?? null),
    ['ENOTDIR', null],
    'one call on entry, one on recovery',
  );
  outbox.close();
  assert.deepEqual(
    replayFile(path.join(blocker, 'outbox', OUTBOX_FILE), 10).pending.map((record) => record.payload),
    ['a1', 'b2'],
  );
});

test('an existing outbox file that cannot be read fails with E_MQTT_OUTBOX naming the path, rather than being overwritten later', () => {
  const dir = scratch();
  mkdirSync(path.join(dir, OUTBOX_FILE));
  assert.throws(
    () => Outbox.open({ dir, maxEvents: 10 }),
    (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'E_MQTT_OUTBOX');
      assert.match((error as Error).message, /outbox\.jsonl.*EISDIR.*mqtt\.outbox\.dir/);
      return true;
    },
  );
});

const noTmpfs = tmpfsUnavailable();

test('appends on a full disk stay pending in memory and are counted, and once space returns a retry writes them all to a fresh file', {
  skip: noTmpfs ?? false,
}, (t) => {
  const disk = mountTmpfs(1024 * 1024);
  t.after(() => disk.unmount());
  const changes: Array<DiskFailure | null> = [];
  const outbox = Outbox.open({ dir: disk.dir, maxEvents: 100, onDiskChange: (failure) => changes.push(failure) });
  for (const name of ['a', 'b', 'c']) outbox.append('t', (seq) => `${name}${seq}`);
  disk.fill();
  for (const name of ['d', 'e', 'f', 'g', 'h']) outbox.append('t', (seq) => `${name}${seq}`.padEnd(4096, '.'));
  assert.equal(outbox.degraded?.code, 'ENOSPC');
  assert.equal(outbox.degraded?.reason, 'disk_full');
  assert.equal(outbox.stats().bypassed.disk_full, 5);
  assert.equal(outbox.ack(1), true, 'an ack on a full disk is taken in memory');
  assert.equal(outbox.depth, 7);
  assert.equal(outbox.retryDisk(), false, 'the disk is still full');
  assert.deepEqual(readdirSync(disk.dir).sort(), ['filler', OUTBOX_FILE], 'a failed retry leaves no probe or temporary file');
  disk.free();
  assert.equal(outbox.retryDisk(), true);
  assert.deepEqual(
    changes.map((change) => change?.code ?? null),
    ['ENOSPC', null],
  );
  outbox.append('t', (seq) => `i${seq}`);
  assert.equal(outbox.stats().bypassed.disk_full, 5, 'back on the disk path');
  outbox.close();
  const replayed = replayFile(path.join(disk.dir, OUTBOX_FILE), 100);
  assert.deepEqual(
    replayed.pending.map((record) => record.payload.slice(0, 2)),
    ['b2', 'c3', 'd4', 'e5', 'f6', 'g7', 'h8', 'i9'],
  );
  assert.equal(replayed.corruptLines, 0, 'the torn tail of the failed write is gone with the rewrite');
});

test('a compaction that fails on a full disk degrades, leaves no temporary file and keeps every pending message', {
  skip: noTmpfs ?? false,
}, async (t) => {
  const disk = mountTmpfs(1024 * 1024);
  t.after(() => disk.unmount());
  const outbox = Outbox.open({ dir: disk.dir, maxEvents: 100, compactAfterDeadLines: 2 });
  for (let i = 0; i < 20; i += 1) outbox.append('t', (seq) => `${seq}`.padEnd(600, '.'));
  disk.fill();
  // One page left: the acks fit, the rewrite of nine 600-byte records does not.
  disk.free(4096);
  for (let seq = 1; seq <= 11; seq += 1) outbox.ack(seq);
  await outbox.idle();
  assert.equal(outbox.degraded?.code, 'ENOSPC');
  // Compaction is due at the 7th ack (14 dead lines > 13 live) and runs after the loop: every ack reached the file, the rewrite did not.
  assert.equal(
    readFileSync(path.join(disk.dir, OUTBOX_FILE), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{"ack"')).length,
    11,
  );
  assert.equal(outbox.depth, 9);
  assert.deepEqual(readdirSync(disk.dir).sort(), ['filler', OUTBOX_FILE]);
  disk.free();
  assert.equal(outbox.retryDisk(), true);
  outbox.close();
  assert.deepEqual(
    replayFile(path.join(disk.dir, OUTBOX_FILE), 100).pending.map((record) => record.seq),
    [12, 13, 14, 15, 16, 17, 18, 19, 20],
  );
});

test('a write that fails during a compaction abandons it, so the fresh file of the retry is not replaced by the older snapshot', {
  skip: noTmpfs ?? false,
}, async (t) => {
  const disk = mountTmpfs(1024 * 1024);
  t.after(() => disk.unmount());
  const outbox = Outbox.open({ dir: disk.dir, maxEvents: 100, compactAfterDeadLines: 8 });
  for (let i = 0; i < 4; i += 1) outbox.ack(outbox.append('t', () => 'delivered').seq);
  // Due now with an empty snapshot, which a full disk still takes; the rest happens before it is written.
  disk.fill();
  outbox.append('t', () => 'big'.padEnd(8192, '.'));
  assert.equal(outbox.degraded?.code, 'ENOSPC');
  disk.free();
  assert.equal(outbox.retryDisk(), true);
  outbox.append('t', () => 'after');
  await outbox.idle();
  outbox.close();
  assert.deepEqual(
    replayFile(path.join(disk.dir, OUTBOX_FILE), 100).pending.map((record) => record.payload.slice(0, 5)),
    ['big..', 'after'],
  );
  assert.deepEqual(readdirSync(disk.dir), [OUTBOX_FILE]);
});

test('a read-only outbox directory opens degraded and goes back to the disk when it is remounted writable', {
  skip: noTmpfs ?? false,
}, (t) => {
  const disk = mountTmpfs(1024 * 1024, 'ro');
  t.after(() => disk.unmount());
  const outbox = Outbox.open({ dir: disk.dir, maxEvents: 100, retryMs: 20 });
  assert.equal(outbox.degraded?.code, 'EROFS');
  assert.equal(outbox.degraded?.reason, 'read_only');
  outbox.append('t', (seq) => `a${seq}`);
  outbox.append('t', (seq) => `b${seq}`);
  disk.remount('rw');
  return waitFor('the periodic retry to find the disk writable', () => outbox.degraded === null).then(() => {
    outbox.close();
    assert.deepEqual(
      replayFile(path.join(disk.dir, OUTBOX_FILE), 100).pending.map((record) => record.payload),
      ['a1', 'b2'],
    );
  });
});

test('closing a degraded outbox does not throw', { skip: noTmpfs ?? false }, (t) => {
  const disk = mountTmpfs(1024 * 1024, 'ro');
  t.after(() => disk.unmount());
  const outbox = Outbox.open({ dir: disk.dir, maxEvents: 100 });
  outbox.append('t', (seq) => `a${seq}`);
  outbox.close();
  outbox.close();
});
