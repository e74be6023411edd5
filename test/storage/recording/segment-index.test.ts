/**
 * The recordings index in the events database against a real directory of segment files named as
 * the recorder names them: what a restart keeps and repairs, and how an event's clip state follows
 * the segments of its window.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { cameraRecordingSchema, recordingsSchema } from '../../../src/config/recording-schema.ts';
import { Recordings } from '../../../src/storage/recording/recordings.ts';
import { dayDir, segmentPath, type Segment, type SegmentClass } from '../../../src/storage/recording/segment-name.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { makeEvent, message } from '../events.ts';

const DAY = 86_400_000;
const log = pino({ level: 'silent' });
const root = mkdtempSync(path.join(tmpdir(), 'panoptes-index-'));
after(() => rmSync(root, { recursive: true, force: true }));

function segmentFile(dir: string, camera: string, startMs: number, cls: SegmentClass, bytes = 10): string {
  const file = segmentPath(dir, { camera, startMs, endMs: startMs + 10_000, cls, ext: 'mp4' });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.alloc(bytes, 1));
  return file;
}

async function open(storageDir: string, dir: string): Promise<{ storage: Storage; recordings: Recordings }> {
  const storage = Storage.open({ dir: storageDir, retention: { eventsDays: 365 } }, { logger: log });
  const config = recordingsSchema.parse({
    dir,
    retentionIntervalSeconds: 3600,
    diskGuard: { minFreeMiB: 0, minFreePercent: 0, intervalSeconds: 3600 },
  });
  const recordings = await Recordings.start({ config, ffmpegPath: 'ffmpeg', logger: log, index: storage.segments, events: storage.events });
  return { storage, recordings };
}

async function close({ storage, recordings }: { storage: Storage; recordings: Recordings }): Promise<void> {
  await recordings.stop();
  await storage.close();
}

const starts = (recordings: Recordings, camera: string, t0: number) => recordings.store.segments(camera).map((s) => s.startMs - t0);

test('a restart keeps the index and repairs it from the directory: files without rows indexed, rows without files removed', async () => {
  const storageDir = path.join(root, 'restart-db');
  const dir = path.join(root, 'restart-rec');
  const t0 = Math.floor(Date.now() / DAY) * DAY - DAY + 3600_000;
  const gate = [0, 10_000, 20_000].map((dt) => segmentFile(dir, 'gate', t0 + dt, 'continuous'));
  segmentFile(dir, 'yard', t0 - 2 * DAY, 'events');
  let site = await open(storageDir, dir);
  assert.deepEqual(site.recordings.reconciled, { rows: 0, indexed: 4, rowsRemoved: 0, incomplete: 0 });
  await close(site);

  site = await open(storageDir, dir);
  assert.deepEqual(site.recordings.reconciled, { rows: 4, indexed: 0, rowsRemoved: 0, incomplete: 0 }, 'nothing to repair');
  assert.deepEqual(starts(site.recordings, 'gate', t0), [0, 10_000, 20_000]);
  await close(site);

  // While the gateway is down: a file deleted by hand, one left without its row (a crash between the
  // move and the commit), an empty one, and a whole day directory gone.
  unlinkSync(gate[1] as string);
  segmentFile(dir, 'gate', t0 + 30_000, 'events');
  const empty = segmentFile(dir, 'gate', t0 + 40_000, 'continuous', 0);
  rmSync(path.join(dir, 'yard', dayDir(t0 - 2 * DAY)), { recursive: true });
  site = await open(storageDir, dir);
  assert.deepEqual(site.recordings.reconciled, { rows: 4, indexed: 1, rowsRemoved: 2, incomplete: 1 });
  assert.deepEqual(starts(site.recordings, 'gate', t0), [0, 20_000, 30_000]);
  assert.deepEqual(site.recordings.store.segments('yard'), []);
  assert.equal(existsSync(empty), false, 'the empty file is removed');
  assert.deepEqual(site.recordings.store.totals().get('gate'), { segments: 3, bytes: 30 });
  assert.equal(site.storage.events.integrity(), 'ok');
  await close(site);
});

test("an event's clip is partial while it runs, complete once its post-roll is recorded, and gone with its segments", async () => {
  const storageDir = path.join(root, 'clip-db');
  const dir = path.join(root, 'clip-rec');
  // Older than any retention, so one retention pass deletes them.
  const t0 = Date.now() - 20 * DAY;
  segmentFile(dir, 'gate', t0, 'events');
  segmentFile(dir, 'gate', t0 + 10_000, 'events');
  const site = await open(storageDir, dir);
  const { events } = site.storage;
  site.recordings.recorderFor('gate', cameraRecordingSchema.parse({ mode: 'events', preRollSeconds: 2, postRollSeconds: 2 }), null);
  const publish = (type: 'start' | 'end', event: ReturnType<typeof makeEvent>) => {
    const m = message(type, event);
    events.record(m);
    site.recordings.onEvent(m);
  };
  const recorded = makeEvent({ n: 1, startMs: t0 + 5000 });
  publish('start', recorded);
  assert.deepEqual(events.get(recorded.id)?.clip, { url: `/api/v1/events/${recorded.id}/clip.mp4`, state: 'partial' });
  publish('end', { ...recorded, endMs: t0 + 12_000 });
  assert.equal(events.get(recorded.id)?.clip?.state, 'complete', 'the post-roll (to t0 + 14 s) is recorded');
  // Recorded to t0 + 20 s: a post-roll past it is not.
  const cut = makeEvent({ n: 2, startMs: t0 + 15_000 });
  publish('start', cut);
  publish('end', { ...cut, endMs: t0 + 19_000 });
  assert.equal(events.get(cut.id)?.clip?.state, 'partial');
  // Running, its window is open and reaches the recording; ended a second later, it is not recorded.
  const unrecorded = makeEvent({ n: 3, startMs: t0 - 60_000 });
  publish('start', unrecorded);
  assert.equal(events.get(unrecorded.id)?.clip?.state, 'partial');
  publish('end', { ...unrecorded, endMs: t0 - 59_000 });
  assert.equal(events.get(unrecorded.id)?.clip, null);
  const ids = (hasClip: boolean) => events.query({ hasClip, order: 'asc' }).events.map((e) => e.id);
  assert.deepEqual(ids(true), [recorded.id, cut.id]);
  assert.deepEqual(ids(false), [unrecorded.id]);

  // Retention deletes the first segment: the first event keeps its clip through the second one.
  await site.recordings.store.delete(site.recordings.store.segments('gate')[0] as Segment, 'retention');
  site.storage.segments.flush();
  assert.deepEqual(ids(true), [recorded.id, cut.id]);
  assert.equal(await site.recordings.retain(Date.now()), 1);
  site.storage.segments.flush();
  assert.deepEqual(site.recordings.store.segments('gate'), []);
  assert.deepEqual(ids(true), [], 'no clip is left to assemble');
  assert.deepEqual(ids(false), [unrecorded.id, recorded.id, cut.id]);
  await close(site);
});
