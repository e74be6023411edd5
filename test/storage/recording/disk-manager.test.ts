/**
 * The disk manager on real disks: the guard on a small tmpfs (free space as statfs reports it),
 * retention and the start-up reconciliation on a temporary directory of segment files named as the
 * recorder names them, with the index in a real events database (kept outside the tmpfs, whose free
 * space the tests count).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import { recordingsSchema } from '../../../src/config/recording-schema.ts';
import { recordingHealth, recordingProblems } from '../../../src/site/recording-health.ts';
import { Recordings } from '../../../src/storage/recording/recordings.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { segmentPath, type SegmentClass } from '../../../src/storage/recording/segment-name.ts';
import { scratchStorageDir } from '../../support/storage-dir.ts';
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../../support/tmpfs.ts';

const MiB = 1024 * 1024;
const DAY = 86_400_000;
const noTmpfs = tmpfsUnavailable();
const log = pino({ level: 'silent' });

let tmpfs: Tmpfs | undefined;
let recordings: Recordings | undefined;
let storage: Storage | undefined;
afterEach(async () => {
  await recordings?.stop();
  recordings = undefined;
  await storage?.close();
  storage = undefined;
  tmpfs?.unmount();
  tmpfs = undefined;
});

/** A segment file of `bytes` as the recorder files it; returns its name relative to `root`. */
function segmentFile(root: string, camera: string, startMs: number, cls: SegmentClass, bytes = MiB): string {
  const file = segmentPath(root, { camera, startMs, endMs: startMs + 10_000, cls, ext: 'mp4' });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.alloc(bytes, 1));
  return path.relative(root, file);
}

function start(dir: string, guard: { minFreeMiB: number; warnRatio?: number }): Promise<Recordings> {
  const config = recordingsSchema.parse({
    dir,
    retentionIntervalSeconds: 3600,
    diskGuard: { ...guard, minFreePercent: 0, intervalSeconds: 3600 },
  });
  storage ??= Storage.open({ dir: scratchStorageDir(), retention: { eventsDays: 30 } }, { logger: log });
  return Recordings.start({ config, ffmpegPath: 'ffmpeg', logger: log, index: storage.segments, events: storage.events });
}

/** Eight 1 MiB segments: two kept for events (the oldest of all), four continuous, two for motion. */
function fill(root: string): { events: string[]; others: string[] } {
  const t0 = Date.now() - 3600_000;
  const events = [0, 1].map((i) => segmentFile(root, 'yard', t0 + i * 10_000, 'events'));
  const others = [
    ...[2, 3, 4, 5].map((i) => segmentFile(root, i % 2 ? 'gate' : 'yard', t0 + i * 10_000, 'continuous')),
    ...[6, 7].map((i) => segmentFile(root, 'gate', t0 + i * 10_000, 'motion')),
  ];
  return { events, others };
}

const remaining = (root: string, files: string[]) => files.filter((f) => existsSync(path.join(root, f)));

test('the disk guard deletes the oldest recordings first and segments kept for events last', { skip: noTmpfs ?? false }, async () => {
  tmpfs = mountTmpfs(16 * MiB);
  const { events, others } = fill(tmpfs.dir);
  // About 8 MiB free: a 9.5 MiB limit needs two segments deleted, the two oldest that are not events.
  recordings = await start(tmpfs.dir, { minFreeMiB: 9.5 });
  assert.deepEqual(remaining(tmpfs.dir, events), events);
  assert.deepEqual(remaining(tmpfs.dir, others), others.slice(2));
  assert.equal(recordings.store.deletions().get('yard')?.get('disk_guard')?.segments, 1);
  assert.equal(recordings.store.deletions().get('gate')?.get('disk_guard')?.segments, 1);
  assert.ok((recordings.disk?.freeBytes ?? 0) >= 9.5 * MiB);
  await recordings.stop();

  // Nothing but events left to delete: the oldest event segment goes.
  recordings = await start(tmpfs.dir, { minFreeMiB: 14.5 });
  assert.deepEqual(remaining(tmpfs.dir, others), []);
  assert.deepEqual(remaining(tmpfs.dir, events), events.slice(1));
  const problems = recordingProblems(recordingHealth(recordings, new Map(), Date.now()), Date.now(), recordings.lastGuardMs);
  assert.deepEqual(
    problems.map((p) => p.reason),
    [
      "recordings disk: 15 MiB free, close to the disk guard's limit 15 MiB; below it the oldest recordings are deleted (free space, or lower retention)",
      'recordings disk: the disk guard deleted recordings in the last minute',
    ],
  );
});

test('health warns when free space nears the guard limit, before anything is deleted', { skip: noTmpfs ?? false }, async () => {
  tmpfs = mountTmpfs(16 * MiB);
  const { events, others } = fill(tmpfs.dir);
  recordings = await start(tmpfs.dir, { minFreeMiB: 6, warnRatio: 1.5 });
  assert.deepEqual(remaining(tmpfs.dir, [...events, ...others]), [...events, ...others], 'nothing deleted above the limit');
  const problems = recordingProblems(recordingHealth(recordings, new Map(), Date.now()), Date.now(), recordings.lastGuardMs);
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.reason ?? '', /^recordings disk: 8\.0 MiB free|^recordings disk: 8 MiB free/);
  assert.match(problems[0]?.reason ?? '', /close to the disk guard's limit 6 MiB; below it the oldest recordings are deleted/);
});

test('retention deletes segments older than the days of the reason they were kept for', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'panoptes-retention-'));
  try {
    const now = Date.now();
    const oldContinuous = segmentFile(root, 'gate', now - 4 * DAY, 'continuous', 10);
    const oldEvent = segmentFile(root, 'gate', now - 4 * DAY + 10_000, 'events', 10);
    const oldMotion = segmentFile(root, 'gate', now - 8 * DAY, 'motion', 10);
    const recentMotion = segmentFile(root, 'gate', now - 6 * DAY, 'motion', 10);
    recordings = await start(root, { minFreeMiB: 0 });
    assert.equal(await recordings.retain(now), 2);
    assert.deepEqual(remaining(root, [oldContinuous, oldEvent, oldMotion, recentMotion]), [oldEvent, recentMotion]);
    assert.deepEqual(recordings.store.deletions().get('gate')?.get('retention'), { segments: 2, bytes: 20 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the start-up reconciliation indexes segments by name, deletes unfinished ones and keeps undecided ones as continuous', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'panoptes-scan-'));
  try {
    const now = Date.now() - 60_000;
    segmentFile(root, 'gate', now, 'events', 10);
    const pending = segmentFile(root, 'gate', now + 10_000, 'pending', 10);
    mkdirSync(path.join(root, 'gate', '.incoming'));
    writeFileSync(path.join(root, 'gate', '.incoming', '3-000007.mp4'), 'half a segment');
    writeFileSync(path.join(root, 'gate', 'notes.txt'), 'not a segment');
    recordings = await start(root, { minFreeMiB: 0 });
    await recordings.store.idle();
    const segments = recordings.store.segments('gate');
    assert.deepEqual(
      segments.map((s) => [s.startMs - now, s.endMs - s.startMs, s.cls, s.bytes]),
      [
        [0, 10_000, 'events', 10],
        [10_000, 10_000, 'continuous', 10],
      ],
    );
    assert.equal(existsSync(path.join(root, pending)), false, 'renamed to its class');
    assert.equal(existsSync(path.join(root, 'gate', '.incoming', '3-000007.mp4')), false);
    assert.deepEqual(recordings.store.deletions().get('gate')?.get('incomplete'), { segments: 1, bytes: 14 });
    assert.equal(existsSync(path.join(root, 'gate', 'notes.txt')), true, 'other files are left alone');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
