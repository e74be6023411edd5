import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import type { DetectionEvent } from '../../src/analytics/events.ts';
import { decodeCursor, type EventCursor, type EventQuery } from '../../src/storage/event-query.ts';
import { EventStore } from '../../src/storage/event-store.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/storage/migrations.ts';
import { Random } from '../support/random.ts';
import { makeEvent, message, T0 } from './events.ts';

const root = mkdtempSync(path.join(tmpdir(), 'panoptes-event-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const freshFile = (): string => path.join(root, `events-${++files}.db`);

test('a reopened store returns every event recorded before close, each in its latest state', () => {
  const file = freshFile();
  const store = new EventStore(file);
  const latest = new Map<string, DetectionEvent>();
  for (let n = 0; n < 50; n++) {
    const event = makeEvent({ n, zones: n % 2 ? ['dock'] : [] });
    store.record(message('start', event));
    const ended = { ...event, score: 0.99, endMs: event.startMs + 4000, zones: [...event.zones, 'road'] };
    if (n % 3 !== 0) store.record(message('end', ended));
    latest.set(event.id, n % 3 !== 0 ? ended : event);
  }
  store.close();

  const reopened = new EventStore(file);
  try {
    const { events, nextCursor } = reopened.query({ limit: 1000 });
    assert.equal(nextCursor, null);
    assert.equal(events.length, 50);
    for (const stored of events) {
      const { clip, ...rest } = stored;
      assert.equal(clip, null);
      assert.deepEqual(rest, latest.get(stored.id));
    }
    assert.equal(reopened.integrity(), 'ok');
  } finally {
    reopened.close();
  }
});

test('start, update and end of one event are one row, updated in place, its end time filled on end', () => {
  const store = new EventStore(freshFile());
  try {
    const event = makeEvent({ n: 1 });
    store.record(message('start', event));
    assert.equal(store.get(event.id)?.endMs, null);
    store.record(message('update', { ...event, score: 0.95, zones: ['dock'] }));
    store.record(message('end', { ...event, score: 0.97, zones: ['dock'], endMs: event.startMs + 9000 }));
    assert.equal(store.count(), 1);
    const stored = store.get(event.id);
    assert.equal(stored?.endMs, event.startMs + 9000);
    assert.equal(stored?.score, 0.97);
    assert.deepEqual(
      store.query({ zone: 'dock' }).events.map((e) => e.id),
      [event.id],
    );
  } finally {
    store.close();
  }
});

test('writes are committed in batches: many messages before the interval make one commit', () => {
  const store = new EventStore(freshFile(), { flushIntervalMs: 60_000, maxBatch: 10_000 });
  try {
    for (let n = 0; n < 500; n++) store.record(message('start', makeEvent({ n })));
    assert.equal(store.stats.commits, 0);
    assert.equal(store.stats.pending, 500);
    assert.equal(store.query({ limit: 1000 }).events.length, 500, 'a read commits the queue first');
    assert.equal(store.stats.commits, 1);
  } finally {
    store.close();
  }
});

test('a full batch is committed at once, without waiting for the interval', () => {
  const store = new EventStore(freshFile(), { flushIntervalMs: 60_000, maxBatch: 100 });
  try {
    for (let n = 0; n < 250; n++) store.record(message('start', makeEvent({ n })));
    assert.equal(store.stats.commits, 2);
    assert.equal(store.stats.pending, 50);
  } finally {
    store.close();
  }
});

/** 400 events over 4 cameras, 3 labels, zones, with some sharing a start time (ids break the tie). */
function corpus(): DetectionEvent[] {
  const rng = new Random(12);
  const random = (): number => rng.float();
  const cameras = ['gate', 'dock', 'yard', 'lobby'];
  const labels = ['person', 'car', 'motion'];
  const zones = ['road', 'door', 'lawn'];
  return Array.from({ length: 400 }, (_, n) =>
    makeEvent({
      n,
      camera: cameras[Math.floor(random() * cameras.length)] as string,
      label: labels[Math.floor(random() * labels.length)] as string,
      startMs: T0 + Math.floor(n / 3) * 60_000,
      zones: zones.filter(() => random() < 0.3),
    }),
  );
}

function oracle(events: readonly DetectionEvent[], q: EventQuery): string[] {
  const order = q.order ?? 'desc';
  return events
    .filter(
      (e) =>
        (q.camera === undefined || e.camera === q.camera) &&
        (q.label === undefined || e.label === q.label) &&
        (q.zone === undefined || e.zones.includes(q.zone)) &&
        (q.afterMs === undefined || e.startMs >= q.afterMs) &&
        (q.beforeMs === undefined || e.startMs < q.beforeMs) &&
        q.hasClip !== true,
    )
    .sort((a, b) => (a.startMs - b.startMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * (order === 'desc' ? -1 : 1))
    .map((e) => e.id);
}

const QUERIES: EventQuery[] = [
  {},
  { order: 'asc' },
  { camera: 'dock' },
  { label: 'car' },
  { camera: 'gate', label: 'person' },
  { zone: 'door' },
  { zone: 'door', camera: 'yard', order: 'asc' },
  { afterMs: T0 + 30 * 60_000 },
  { beforeMs: T0 + 50 * 60_000, afterMs: T0 + 20 * 60_000, label: 'motion' },
  { hasClip: false, camera: 'lobby' },
  { hasClip: true },
  { zone: 'nowhere' },
];

test('every filter and their combinations return exactly the matching events, in order', () => {
  const events = corpus();
  const store = new EventStore(freshFile());
  try {
    for (const e of events) store.record(message('start', e));
    for (const q of QUERIES) {
      const got = store.query({ ...q, limit: 1000 }).events.map((e) => e.id);
      assert.deepEqual(got, oracle(events, q), JSON.stringify(q));
    }
  } finally {
    store.close();
  }
});

test('paging with the cursor visits every matching event once and in order, in both orders', () => {
  const events = corpus();
  const store = new EventStore(freshFile());
  try {
    for (const e of events) store.record(message('start', e));
    for (const q of QUERIES) {
      const seen: string[] = [];
      let page = store.query({ ...q, limit: 7 });
      seen.push(...page.events.map((e) => e.id));
      while (page.nextCursor !== null) {
        const cursor = decodeCursorOrFail(page.nextCursor);
        page = store.query({ ...q, limit: 7, cursor });
        assert.ok(page.events.length > 0, 'a page with a next cursor is followed by a non-empty page');
        seen.push(...page.events.map((e) => e.id));
      }
      assert.deepEqual(seen, oracle(events, q), JSON.stringify(q));
    }
  } finally {
    store.close();
  }
});

function decodeCursorOrFail(text: string): EventCursor {
  const cursor = decodeCursor(text);
  assert.ok(typeof cursor !== 'string', cursor as string);
  return cursor;
}

test('a second store on the same file is refused with E_STORAGE saying another process holds it', () => {
  const file = freshFile();
  const first = new EventStore(file);
  try {
    assert.throws(
      () => new EventStore(file),
      (err: { code: string; message: string }) =>
        err.code === 'E_STORAGE' &&
        err.message ===
          `The events database ${file} cannot be used: another process holds it (a second gateway on the same storage.dir?); give each gateway its own storage.dir`,
    );
  } finally {
    first.close();
  }
  new EventStore(file).close();
});

test('a database from a newer schema, or a file that is not a database, is refused with E_STORAGE and the fix', () => {
  const newer = freshFile();
  const raw = new Database(newer);
  raw.pragma('user_version = 99');
  raw.close();
  assert.throws(
    () => new EventStore(newer),
    (err: { code: string; message: string }) =>
      err.code === 'E_STORAGE' &&
      err.message.includes(`written by a newer Panoptes (schema version 99, this build knows up to ${SCHEMA_VERSION}); run that version`),
  );
  const junk = freshFile();
  writeFileSync(junk, Buffer.alloc(4096, 7));
  assert.throws(
    () => new EventStore(junk),
    (err: { code: string; message: string }) =>
      err.code === 'E_STORAGE' && /not a Panoptes events database or it is damaged/.test(err.message),
  );
});

test('a version 5 database keeps its upload rows through migration 6, which takes full-frame uploads and marks no old end to announce', () => {
  const file = freshFile();
  const raw = new Database(file);
  for (const migration of MIGRATIONS.filter((m) => m.version <= 5)) raw.exec(migration.sql);
  raw.pragma('user_version = 5');
  raw
    .prepare(`INSERT INTO events (id, camera, label, start_ms, end_ms, score, data) VALUES ('e1', 'gate', 'person', 1, 2, 0.9, '{}')`)
    .run();
  raw
    .prepare(
      `INSERT INTO uploads (event_id, kind, path, sha256, bytes, state, attempts, next_attempt_ms, remote, created_ms, updated_ms, failure)
       VALUES ('e1', 'snapshot', 'snapshots/a.jpg', 'ab', 3, 'failed', 4, 5, NULL, 6, 7, 'target')`,
    )
    .run();
  assert.throws(() =>
    raw.prepare(`INSERT INTO uploads (event_id, kind, next_attempt_ms, created_ms, updated_ms) VALUES ('e1', 'frame', 0, 0, 0)`).run(),
  );
  raw.close();
  const store = new EventStore(file);
  try {
    const { db } = store;
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(
      { ...(db.prepare('SELECT event_id, kind, path, sha256, bytes, state, attempts, failure FROM uploads').get() as object) },
      {
        event_id: 'e1',
        kind: 'snapshot',
        path: 'snapshots/a.jpg',
        sha256: 'ab',
        bytes: 3,
        state: 'failed',
        attempts: 4,
        failure: 'target',
      },
    );
    db.prepare(`INSERT INTO uploads (event_id, kind, next_attempt_ms, created_ms, updated_ms) VALUES ('e1', 'frame', 0, 0, 0)`).run();
    assert.equal(
      (db.prepare(`SELECT count(*) AS n FROM uploads WHERE state = 'pending'`).get() as { n: number }).n,
      1,
      'the due index works',
    );
    assert.equal((db.prepare('SELECT end_announced FROM events').get() as { end_announced: number | null }).end_announced, null);
  } finally {
    store.close();
  }
});

test('a version 6 database keeps its tracks through migration 7, each marked ended by its track, and a running row is found by its index', () => {
  const file = freshFile();
  const raw = new Database(file);
  for (const migration of MIGRATIONS.filter((m) => m.version <= 6)) raw.exec(migration.sql);
  raw.pragma('user_version = 6');
  raw
    .prepare(
      `INSERT INTO tracks (camera, track_id, label, first_ms, last_ms, best_score, event_id, zones) VALUES ('gate', 3, 'dog', 10, 20, 0.5, NULL, '[]')`,
    )
    .run();
  raw.close();
  const store = new EventStore(file);
  try {
    const { db } = store;
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(
      { ...(db.prepare('SELECT track_id, last_ms, end_reason FROM tracks').get() as object) },
      {
        track_id: 3,
        last_ms: 20,
        end_reason: 'track',
      },
    );
    db.prepare(
      `INSERT INTO tracks (camera, track_id, label, first_ms, last_ms, best_score, event_id, zones) VALUES ('gate', 4, 'person', 30, 40, 0.9, NULL, '[]')`,
    ).run();
    const running = db.prepare('SELECT track_id AS trackId FROM tracks INDEXED BY tracks_running WHERE end_reason IS NULL').all();
    assert.deepEqual(running, [{ trackId: 4 }]);
  } finally {
    store.close();
  }
});
