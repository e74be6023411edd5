import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { SnapshotFiles } from '../../src/storage/snapshot-files.ts';
import { Storage, type StorageSettings } from '../../src/storage/storage.ts';
import { waitFor } from '../support/wait.ts';
import { fakeJpeg, makeEvent, message } from './events.ts';

const root = mkdtempSync(path.join(tmpdir(), 'panoptes-storage-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
const logger = pino({ level: 'silent' });
const DAY_MS = 86_400_000;

function settings(name: string, eventsDays = 30): StorageSettings {
  return { dir: path.join(root, name), retention: { eventsDays } };
}

/** Records the event and writes its picture the way the site does (file first, then the reference). */
async function recordWithPicture(storage: Storage, n: number, startMs?: number, zones: string[] = []): Promise<string> {
  const event = makeEvent({ n, jpeg: `gate/${n}`, zones, ...(startMs === undefined ? {} : { startMs }) });
  storage.events.record(message('end', { ...event, endMs: event.startMs + 2000 }));
  const reference = storage.snapshots.referenceFor(event.camera, event.id, event.startMs);
  await storage.snapshots.write(reference, fakeJpeg(event.id));
  storage.events.setSnapshot(event.id, reference);
  return event.id;
}

test('opening reconciles disk and rows: orphan and partial files go, a missing picture clears its reference, an uncommitted one is adopted', async () => {
  const s = settings('reconcile');
  const storage = Storage.open(s, { logger });
  const kept = await recordWithPicture(storage, 1);
  const lost = await recordWithPicture(storage, 2);
  // A row committed without its reference (the process died between the file and the reference).
  const adoptee = makeEvent({ n: 3, jpeg: 'gate/3' });
  storage.events.record(message('end', adoptee));
  const adopteeRef = storage.snapshots.referenceFor('gate', adoptee.id, adoptee.startMs);
  await storage.snapshots.write(adopteeRef, fakeJpeg(adoptee.id));
  const lostRef = storage.events.get(lost)?.bestShot?.jpeg as string;
  await storage.close();

  unlinkSync(path.join(s.dir, lostRef));
  const orphanDir = path.join(s.dir, 'snapshots', 'dock', '2026-11-19');
  mkdirSync(orphanDir, { recursive: true });
  writeFileSync(path.join(orphanDir, '1763500000000-deadbeef.0.jpg'), fakeJpeg('orphan'));
  writeFileSync(path.join(orphanDir, '1763500000000-deadbeef.1.jpg.partial'), fakeJpeg('partial'));

  const reopened = Storage.open(s, { logger });
  try {
    assert.deepEqual(readdirSync(orphanDir), [], 'the orphan and the partial write were removed');
    assert.equal(reopened.events.get(lost)?.bestShot?.jpeg, null, 'the missing picture is no longer referenced');
    assert.equal(reopened.events.get(adoptee.id)?.bestShot?.jpeg, adopteeRef, 'the uncommitted reference was set');
    const keptRef = reopened.events.get(kept)?.bestShot?.jpeg as string;
    assert.deepEqual(await reopened.snapshots.read(keptRef), fakeJpeg(kept));
    assert.equal(reopened.events.integrity(), 'ok');
  } finally {
    await reopened.close();
  }
});

test('retention deletes events that started before the cutoff with their zones and pictures, and keeps the rest', async () => {
  const s = settings('retention', 1);
  const seeding = Storage.open(s, { logger });
  const now = Date.now();
  const old: string[] = [];
  for (let n = 0; n < 5; n++) old.push(await recordWithPicture(seeding, n, now - 3 * DAY_MS + n * 1000, ['door']));
  const recent = await recordWithPicture(seeding, 9, now - DAY_MS / 2, ['door']);
  const oldRefs = old.map((id) => seeding.events.get(id)?.bestShot?.jpeg as string);
  await seeding.close();
  for (const ref of oldRefs) assert.ok(existsSync(path.join(s.dir, ref)));

  // Retention runs when storage opens.
  const storage = Storage.open(s, { logger });
  try {
    await waitFor('expired events removed', () => storage.events.count() === 1);
    assert.deepEqual(
      storage.events.query({ zone: 'door' }).events.map((e) => e.id),
      [recent],
    );
    // The rows go in one transaction; their files are unlinked after it, asynchronously.
    await waitFor('the expired pictures deleted', () => oldRefs.every((ref) => !existsSync(path.join(s.dir, ref))));
    const oldDay = path.dirname(path.join(s.dir, oldRefs[0] as string));
    await waitFor('the emptied day directory pruned', () => !existsSync(oldDay));
    const recentRef = storage.events.get(recent)?.bestShot?.jpeg as string;
    assert.ok(existsSync(path.join(s.dir, recentRef)));
  } finally {
    await storage.close();
  }
});

/** Records the event with both pictures written the way the site writes them. */
async function recordWithFrame(storage: Storage, n: number, startMs?: number): Promise<{ id: string; crop: string; frame: string }> {
  const id = await recordWithPicture(storage, n, startMs);
  const event = storage.events.get(id) as { camera: string; startMs: number };
  const frame = storage.snapshots.referenceFor(event.camera, id, event.startMs, 'frame');
  await storage.snapshots.write(frame, fakeJpeg(`frame ${id}`));
  storage.events.setFrame(id, frame);
  return { id, crop: storage.events.get(id)?.bestShot?.jpeg as string, frame };
}

test('full-frame pictures sit beside the crops, are reconciled against their own column, and expire with their events', async () => {
  const s = settings('frames', 1);
  const storage = Storage.open(s, { logger });
  const now = Date.now();
  const kept = await recordWithFrame(storage, 1, now - DAY_MS / 2);
  const lost = await recordWithFrame(storage, 2, now - DAY_MS / 2);
  const old = await recordWithFrame(storage, 3, now - 3 * DAY_MS);
  // The process died between writing a frame and setting its reference.
  const adoptee = await recordWithPicture(storage, 4, now - DAY_MS / 2);
  const adopteeFrame = storage.snapshots.referenceFor('gate', adoptee, now - DAY_MS / 2, 'frame');
  await storage.snapshots.write(adopteeFrame, fakeJpeg('adoptee frame'));
  assert.equal(kept.frame, kept.crop.replace(/\.jpg$/, '.frame.jpg'), 'the frame is named after the event, beside its crop');
  assert.deepEqual(storage.events.get(kept.id)?.bestShot?.frameJpeg, kept.frame);
  await storage.close();

  unlinkSync(path.join(s.dir, lost.frame));
  // Today: retention prunes emptied day directories before its cutoff, and this one must stay to be read.
  const orphanDir = path.join(s.dir, 'snapshots', 'dock', new Date(now).toISOString().slice(0, 10));
  mkdirSync(orphanDir, { recursive: true });
  writeFileSync(path.join(orphanDir, '1763500000000-deadbeef.0.frame.jpg'), fakeJpeg('orphan'));
  writeFileSync(path.join(orphanDir, '1763500000000-deadbeef.1.frame.jpg.partial'), fakeJpeg('partial'));

  const reopened = Storage.open(s, { logger });
  try {
    assert.deepEqual(readdirSync(orphanDir), [], 'the orphan frame and the partial write were removed');
    assert.equal(reopened.events.get(lost.id)?.bestShot?.frameJpeg, null, 'the missing frame is no longer referenced');
    assert.equal(reopened.events.get(lost.id)?.bestShot?.jpeg, lost.crop, 'its crop still is');
    assert.equal(reopened.events.get(adoptee)?.bestShot?.frameJpeg, adopteeFrame, 'the unreferenced frame was adopted');
    assert.deepEqual(await reopened.snapshots.read(kept.frame), fakeJpeg(`frame ${kept.id}`));
    await waitFor('the expired event removed', () => reopened.events.get(old.id) === undefined);
    await waitFor('its pictures deleted', () => !existsSync(path.join(s.dir, old.frame)) && !existsSync(path.join(s.dir, old.crop)));
    assert.ok(existsSync(path.join(s.dir, kept.frame)), 'a recent frame is kept');
  } finally {
    await reopened.close();
  }
});

test('a storage directory that cannot be created is refused with E_STORAGE naming storage.dir', () => {
  const file = path.join(root, 'a-file');
  writeFileSync(file, 'x');
  assert.throws(
    () => Storage.open({ dir: path.join(file, 'storage'), retention: { eventsDays: 30 } }, { logger }),
    (err: { code: string; message: string }) =>
      err.code === 'E_STORAGE' &&
      /its directory cannot be created \(ENOTDIR\); set storage\.dir to a directory the gateway can write$/.test(err.message),
  );
});

test('pictures still land after their day directory was pruned by retention or removed by hand', async () => {
  const files = new SnapshotFiles(path.join(root, 'days'));
  const day = Date.parse('2026-11-02T10:00:00Z');
  const first = files.referenceFor('gate', 'e1', day);
  await files.write(first, fakeJpeg('e1'));
  files.removeSync(first);
  files.pruneEmptyDays(day + DAY_MS);
  assert.equal(existsSync(path.join(root, 'days', path.dirname(first))), false, 'the empty day was pruned');
  const second = files.referenceFor('gate', 'e2', day);
  await files.write(second, fakeJpeg('e2'));
  assert.deepEqual(await files.read(second), fakeJpeg('e2'));
  rmSync(path.join(root, 'days', path.dirname(second)), { recursive: true });
  const third = files.referenceFor('gate', 'e3', day);
  await files.write(third, fakeJpeg('e3'));
  assert.deepEqual(await files.read(third), fakeJpeg('e3'));
});
