/**
 * The tracks table: the decision engine's tracks (those that became events and those that did not),
 * written while they run and when they end through the event store's batch into SQLite, read back in keyset pages through the REST
 * API, kept across a restart, and deleted by the events' retention.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { DecisionEngine } from '../../src/analytics/decisions/engine.ts';
import { createEventIdSource } from '../../src/analytics/decisions/event-id.ts';
import { cameraDecisionsSchema, globalDecisionsSchema } from '../../src/analytics/decisions/options.ts';
import type { TrackPage } from '../../src/outputs/site.ts';
import { removeExpired } from '../../src/storage/retention.ts';
import { Storage } from '../../src/storage/storage.ts';
import { object, standingAt } from '../analytics/decisions-harness.ts';
import { call, errorCode, startTestServer } from '../outputs/http/test-server.ts';
import { RecordingSite } from '../support/recording-site.ts';

const root = mkdtempSync(path.join(tmpdir(), 'panoptes-tracks-'));
after(() => rmSync(root, { recursive: true, force: true }));
/** The storage in `root/<name>`: each test its own. */
const open = (name: string, flushIntervalMs = 20) =>
  Storage.open(
    { dir: path.join(root, name), retention: { eventsDays: 36_500 } },
    { logger: pino({ level: 'silent' }), writes: { flushIntervalMs } },
  );

/** A decision engine on camera 'gate' (people only, a lawn zone on the lower half) writing into `storage`. */
function engineOver(storage: Storage): DecisionEngine {
  const engine = new DecisionEngine({
    publisher: { publish: (m) => storage.events.record(m) },
    global: globalDecisionsSchema.parse({ rateLimit: null }),
    newEventId: createEventIdSource('trk'),
    onTrack: (track, phase) => storage.tracks.record(track, phase),
  });
  const lawn = {
    points: [
      [0, 0.5],
      [1, 0.5],
      [1, 1],
      [0, 1],
    ],
  };
  engine.addCamera('gate', cameraDecisionsSchema.parse({ rateLimit: null, labels: ['person'], zones: { lawn } }), {
    width: 640,
    height: 360,
  });
  return engine;
}

test('every ended track is stored with its times, best score, zones and the event it became (or none)', async () => {
  const storage = open('one');
  try {
    const engine = engineOver(storage);
    const frame = (t: number, tracks: Parameters<DecisionEngine['onFrame']>[2]) => engine.onFrame('gate', t, tracks);
    // Track 1, a person: an event; it walks down into the lawn. Track 2, a dog: filtered by label, no event.
    frame(1000, {
      started: [object(1, 'person', standingAt(100, 100), 0.6), object(2, 'dog', standingAt(500, 100), 0.7)],
      updated: [],
      ended: [],
    });
    frame(1500, {
      started: [],
      updated: [object(1, 'person', standingAt(100, 300), 0.9), object(2, 'dog', standingAt(500, 120), 0.8)],
      ended: [],
    });
    frame(2000, {
      started: [],
      updated: [object(1, 'person', standingAt(120, 300), 0.7)],
      ended: [object(2, 'dog', standingAt(500, 120), 0)],
    });
    frame(3000, { started: [], updated: [], ended: [object(1, 'person', standingAt(120, 300), 0)] });
    const page = storage.tracks.page({ camera: 'gate', order: 'asc' });
    const event = storage.events.query({ camera: 'gate' }).events[0];
    assert.ok(event, 'the person became an event');
    assert.deepEqual(page.tracks, [
      // Same first-seen time, one batch: in the order their last writes were queued (the dog ended first).
      {
        camera: 'gate',
        trackId: 2,
        label: 'dog',
        firstSeenMs: 1000,
        lastSeenMs: 1500,
        bestScore: 0.8,
        eventId: null,
        zones: [],
        running: false,
      },
      {
        camera: 'gate',
        trackId: 1,
        label: 'person',
        firstSeenMs: 1000,
        lastSeenMs: 2000,
        bestScore: 0.9,
        eventId: event.id,
        zones: ['lawn'],
        running: false,
      },
    ]);
    assert.equal(page.nextCursor, null);
    assert.deepEqual(storage.tracks.page({ camera: 'dock' }).tracks, [], 'another camera has none');
  } finally {
    await storage.close();
  }
});

test('a running track is stored as running, updated in place by the batched commits (not a write a frame), and closed at the next start when the run ended without its end', async () => {
  // A flush interval longer than the test: only reads (which commit first) and the close commit.
  let storage = open('running', 600_000);
  const engine = engineOver(storage);
  const frame = (t: number, tracks: Parameters<DecisionEngine['onFrame']>[2]) => engine.onFrame('gate', t, tracks);
  frame(1000, { started: [object(7, 'person', standingAt(100, 100), 0.6)], updated: [], ended: [] });
  const [first] = storage.tracks.page({ camera: 'gate' }).tracks;
  const event = storage.events.query({ camera: 'gate' }).events[0];
  assert.ok(event, 'the person became an event');
  assert.deepEqual(first, {
    camera: 'gate',
    trackId: 7,
    label: 'person',
    firstSeenMs: 1000,
    lastSeenMs: 1000,
    bestScore: 0.6,
    eventId: event.id,
    zones: [],
    running: true,
  });
  const written = storage.events.stats.written;
  for (let n = 1; n <= 200; n++)
    frame(1000 + n * 100, { started: [], updated: [object(7, 'person', standingAt(100, 300), n === 50 ? 0.9 : 0.7)], ended: [] });
  const [moved] = storage.tracks.page({ camera: 'gate' }).tracks;
  assert.deepEqual(
    { lastSeenMs: moved?.lastSeenMs, bestScore: moved?.bestScore, zones: moved?.zones, running: moved?.running },
    { lastSeenMs: 21_000, bestScore: 0.9, zones: ['lawn'], running: true },
  );
  assert.equal(storage.tracks.page({ camera: 'gate' }).tracks.length, 1, 'one row, updated in place');
  assert.ok(
    storage.events.stats.written - written <= 2,
    `200 frames written as one batch (${storage.events.stats.written - written} writes)`,
  );
  // The run stops without ending the track (as a kill leaves it; the close only commits the queue).
  await storage.close();
  storage = open('running');
  try {
    const [closed] = storage.tracks.page({ camera: 'gate' }).tracks;
    assert.equal(closed?.running, false);
    assert.equal(closed?.endReason, 'restart');
    assert.equal(closed?.firstSeenMs, 1000);
    assert.ok((closed?.lastSeenMs ?? 0) >= 21_000, 'closed at the last commit, never before what was seen');
    assert.equal(closed?.eventId, event.id);
  } finally {
    await storage.close();
  }
});

test('GET /cameras/{id}/tracks pages by first-seen time with after, before and a cursor; tracks survive a restart; retention deletes them', async () => {
  let storage = open('paged');
  const engine = engineOver(storage);
  for (let n = 0; n < 25; n++) {
    const t = 10_000 + n * 1000;
    engine.onFrame('gate', t, { started: [object(100 + n, 'person', standingAt(100, 100))], updated: [], ended: [] });
    engine.onFrame('gate', t + 500, { started: [], updated: [], ended: [object(100 + n, 'person', standingAt(100, 100), 0)] });
  }
  await storage.close();
  storage = open('paged');
  const server = await startTestServer({ site: new RecordingSite({ storage }), tokens: [] });
  try {
    const firstSeen: number[] = [];
    let cursor: string | null = null;
    do {
      const answer = await call(server, 'GET', `/api/v1/cameras/gate/tracks?limit=10${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(answer.status, 200, answer.text);
      const page = answer.json() as TrackPage;
      firstSeen.push(...page.tracks.map((t) => t.firstSeenMs));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(
      firstSeen,
      Array.from({ length: 25 }, (_, n) => 10_000 + (24 - n) * 1000),
      'all 25, newest first, each once',
    );
    const window = (await call(server, 'GET', '/api/v1/cameras/gate/tracks?after=12000&before=15000&order=asc')).json() as TrackPage;
    assert.deepEqual(
      window.tracks.map((t) => t.trackId),
      [102, 103, 104],
    );
    const bad = await call(server, 'GET', '/api/v1/cameras/gate/tracks?limit=0');
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad), 'E_BAD_REQUEST');
    assert.match(bad.text, /limit: /);

    await removeExpired(storage.events, storage.snapshots, 20_000, () => false, storage.tracks);
    const left = storage.tracks.page({ camera: 'gate', order: 'asc', limit: 1000 }).tracks;
    assert.deepEqual(
      left.map((t) => t.firstSeenMs),
      Array.from({ length: 15 }, (_, n) => 20_000 + n * 1000),
      'tracks first seen before the cutoff are gone',
    );
  } finally {
    server.close();
    await storage.close();
  }
});
