/**
 * Clip states recovered at start, over a real events database and a real directory of segment files
 * whose rows the index lost (as after a kill -9): an event whose state was never committed, an event
 * the crash left running, and events the recovery must leave alone.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { recordingsSchema } from '../../../src/config/recording-schema.ts';
import { Recordings } from '../../../src/storage/recording/recordings.ts';
import { segmentPath } from '../../../src/storage/recording/segment-name.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { makeEvent, message } from '../events.ts';

const log = pino({ level: 'silent' });
const root = mkdtempSync(path.join(tmpdir(), 'panoptes-clip-recovery-'));
after(() => rmSync(root, { recursive: true, force: true }));
const storageDir = path.join(root, 'storage');
const recordingsDir = path.join(root, 'recordings');
const settings = { dir: storageDir, retention: { eventsDays: 365 } };

async function restart(): Promise<{ storage: Storage; recordings: Recordings }> {
  const storage = Storage.open(settings, { logger: log });
  const config = recordingsSchema.parse({
    dir: recordingsDir,
    retentionIntervalSeconds: 3600,
    diskGuard: { minFreeMiB: 0, minFreePercent: 0, intervalSeconds: 3600 },
  });
  const recordings = await Recordings.start({ config, ffmpegPath: 'ffmpeg', logger: log, index: storage.segments, events: storage.events });
  return { storage, recordings };
}

function clipRow(storage: Storage, id: string) {
  return storage.events.db
    .prepare('SELECT end_ms AS endMs, clip, clip_from_ms AS fromMs, clip_to_ms AS toMs FROM events WHERE id = ?')
    .get(id) as {
    endMs: number | null;
    clip: string | null;
    fromMs: number | null;
    toMs: number | null;
  };
}

test('a restart decides the clip of every ended event whose window reaches the segments, and ends the events a crash left running', async () => {
  const now = Math.floor(Date.now() / 1000) * 1000;
  // Camera gate recorded [now - 60 s, now + 60 s) in 10 s segments; the index has no row of them.
  for (let start = now - 60_000; start < now + 60_000; start += 10_000) {
    const file = segmentPath(recordingsDir, { camera: 'gate', startMs: start, endMs: start + 10_000, cls: 'continuous', ext: 'mp4' });
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.alloc(10, 1));
  }
  const ended = (n: number, camera: string, startMs: number, endMs: number) => makeEvent({ n, camera, startMs, endMs });
  const lost = ended(1, 'gate', now - 40_000, now - 30_000);
  const running = makeEvent({ n: 2, camera: 'gate', startMs: now - 20_000 });
  const elsewhere = ended(3, 'dock', now - 40_000, now - 30_000);
  const old = ended(4, 'gate', now - 3 * 86_400_000, now - 3 * 86_400_000 + 1000);
  const late = ended(5, 'gate', now + 55_000, now + 58_000);

  // The run that "crashed": events stored, no clip state committed, one event never ended.
  const first = Storage.open(settings, { logger: log });
  for (const event of [lost, elsewhere, old, late]) first.events.record(message('end', event));
  first.events.record(message('start', running));
  const beforeLastCommit = Date.now();
  await first.close();
  const afterLastCommit = Date.now();

  const { storage, recordings } = await restart();
  try {
    assert.deepEqual(
      storage.interrupted.map((e) => e.id),
      [running.id],
    );
    assert.deepEqual(recordings.clipsRecovered, { checked: 3, changed: 3 });
    assert.deepEqual(clipRow(storage, lost.id), { endMs: now - 30_000, clip: 'complete', fromMs: now - 45_000, toMs: now - 25_000 });
    const recovered = clipRow(storage, running.id);
    assert.ok(
      recovered.endMs !== null && recovered.endMs >= beforeLastCommit && recovered.endMs <= afterLastCommit,
      `the running event ends at the last commit (${recovered.endMs})`,
    );
    assert.deepEqual(recovered, {
      endMs: recovered.endMs,
      clip: 'complete',
      fromMs: now - 25_000,
      toMs: (recovered.endMs as number) + 5000,
    });
    assert.equal(storage.events.get(running.id)?.endMs, recovered.endMs, 'the API shows the end too');
    assert.equal(clipRow(storage, late.id).clip, 'partial', 'its post-roll is past the last segment');
    assert.deepEqual(
      clipRow(storage, elsewhere.id),
      { endMs: now - 30_000, clip: null, fromMs: null, toMs: null },
      'a camera without segments',
    );
    assert.deepEqual(clipRow(storage, old.id).fromMs, null, 'an event long before the recordings is not visited');
  } finally {
    await recordings.stop();
    await storage.close();
  }

  // Nothing left to change: the next start only looks at the partial clip again.
  const again = await restart();
  try {
    assert.deepEqual(again.storage.interrupted, []);
    assert.deepEqual(again.recordings.clipsRecovered, { checked: 1, changed: 0 });
  } finally {
    await again.recordings.stop();
    await again.storage.close();
  }
});
