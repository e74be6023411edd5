import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import type { DetectionEvent } from '../../../src/analytics/events.ts';
import type { EventPage, StoredEvent } from '../../../src/outputs/site.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { RecordingSite } from '../../support/recording-site.ts';
import { fakeJpeg, makeEvent, message, T0 } from '../../storage/events.ts';
import { call, errorCode, startTestServer, type TestServer } from './test-server.ts';

const root = mkdtempSync(path.join(tmpdir(), 'panoptes-events-api-'));
after(() => rmSync(root, { recursive: true, force: true }));
const settings = { dir: path.join(root, 'storage'), retention: { eventsDays: 36_500 } };

/** A server over a site whose events go through the site's recorder into the real database and disk. */
async function serve(): Promise<{ t: TestServer; storage: Storage; site: RecordingSite }> {
  const storage = Storage.open(settings, { logger: pino({ level: 'silent' }) });
  const site = new RecordingSite({ storage });
  return { t: await startTestServer({ site }), storage, site };
}

async function stop(s: { t: TestServer; storage: Storage; site: RecordingSite }): Promise<void> {
  s.t.close();
  await s.site.recorder?.drain();
  await s.storage.close();
}

const CAMERAS = ['gate', 'dock', 'yard'];
const events: DetectionEvent[] = Array.from({ length: 30 }, (_, n) =>
  makeEvent({ n, camera: CAMERAS[n % 3] as string, label: n % 4 === 0 ? 'car' : 'person', zones: n % 5 === 0 ? ['door'] : [] }),
);

async function allPages(t: TestServer, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const answer = await call(t, 'GET', `/api/v1/events?${query}&limit=4${cursor === null ? '' : `&cursor=${cursor}`}`);
    assert.equal(answer.status, 200, answer.text);
    const page = answer.json() as EventPage;
    ids.push(...page.events.map((e) => e.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}

const ids = (list: DetectionEvent[]): string[] => list.map((e) => e.id);

test('the events API filters and pages stored events, serves pictures from disk, and a restart keeps them all', async () => {
  let s = await serve();
  for (const event of events) {
    s.site.emitEvent(message('start', event));
    const jpeg = event.camera === 'dock' ? s.site.pictures.add(event.camera, Promise.resolve(fakeJpeg(event.id))) : null;
    const ended = makeEvent({
      n: event.trackId,
      camera: event.camera,
      label: event.label,
      zones: event.zones,
      endMs: event.startMs + 3000,
      jpeg,
    });
    s.site.emitEvent(message('end', ended));
  }
  await s.site.recorder?.drain();

  const newestFirst = [...events].reverse();
  assert.deepEqual(await allPages(s.t, 'camera=dock'), ids(newestFirst.filter((e) => e.camera === 'dock')));
  assert.deepEqual(await allPages(s.t, 'label=car&order=asc'), ids(events.filter((e) => e.label === 'car')));
  assert.deepEqual(await allPages(s.t, 'zone=door'), ids(newestFirst.filter((e) => e.zones.includes('door'))));
  const window = `after=${T0 + 10_000}&before=${T0 + 20_000}`;
  assert.deepEqual(await allPages(s.t, window), ids(newestFirst.filter((e) => e.startMs >= T0 + 10_000 && e.startMs < T0 + 20_000)));
  assert.deepEqual(await allPages(s.t, 'hasClip=true'), []);
  assert.equal((await allPages(s.t, 'hasClip=false')).length, 30);

  const dock = events[1] as DetectionEvent;
  const one = await call(s.t, 'GET', `/api/v1/events/${encodeURIComponent(dock.id)}`);
  assert.equal(one.status, 200);
  const stored = one.json() as StoredEvent;
  assert.equal(stored.endMs, dock.startMs + 3000);
  assert.match(stored.bestShot?.jpeg ?? '', /^snapshots\/dock\/2026-11-20\/.+\.jpg$/);
  const missing = await call(s.t, 'GET', '/api/v1/events/1700000000000-nope.0');
  assert.equal(missing.status, 404);
  assert.equal(errorCode(missing), 'E_NOT_FOUND');
  await stop(s);

  s = await serve();
  try {
    const page = (await call(s.t, 'GET', '/api/v1/events?limit=1000')).json() as EventPage;
    assert.deepEqual(ids(page.events), ids(newestFirst));
    assert.ok(page.events.every((e) => e.endMs !== null));
    const picture = await fetch(`${s.t.base}/api/v1/events/${encodeURIComponent(dock.id)}/snapshot.jpg`, { headers: s.t.auth });
    assert.equal(picture.status, 200);
    assert.equal(picture.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await picture.arrayBuffer()), fakeJpeg(dock.id));
    const none = await call(s.t, 'GET', `/api/v1/events/${encodeURIComponent((events[0] as DetectionEvent).id)}/snapshot.jpg`);
    assert.equal(none.status, 404);
  } finally {
    await stop(s);
  }
});

test('a bad events query is a 400 whose problems name the parameter and what was expected', async () => {
  const s = await serve();
  try {
    s.site.emitEvent(message('start', makeEvent({ n: 1 })));
    s.site.emitEvent(message('start', makeEvent({ n: 2 })));
    const next = ((await call(s.t, 'GET', '/api/v1/events?limit=1')).json() as EventPage).nextCursor as string;
    const cases: Array<[string, RegExp]> = [
      ['limit=0', /^limit: expected a number >= 1$/],
      ['after=yesterday', /^after: expected a whole number$/],
      [`after=10&before=5`, /^before: expected a time after `after` \(10\), received 5$/],
      ['hasClip=yes', /^hasClip: expected one of 'true', 'false'$/],
      ['order=newest', /^order: expected one of 'desc', 'asc'$/],
      ['cursor=abc', /^cursor: not a cursor this API issued; pass the nextCursor of the previous page unchanged$/],
      [`cursor=${next}&order=asc`, /^cursor: this cursor continues a page in order=desc; repeat that query's order \(and filters\)$/],
      ['since=5', /^since: unknown key$/],
    ];
    for (const [query, problem] of cases) {
      const answer = await call(s.t, 'GET', `/api/v1/events?${query}`);
      assert.equal(answer.status, 400, query);
      const body = answer.json() as { error: { code: string; problems: string[] } };
      assert.equal(body.error.code, 'E_BAD_REQUEST');
      assert.equal(body.error.problems.length, 1, `${query}: ${body.error.problems.join(' | ')}`);
      assert.match(body.error.problems[0] as string, problem, `${query}: ${body.error.problems[0]}`);
    }
    assert.equal((await call(s.t, 'GET', `/api/v1/events?cursor=${next}`)).status, 200);
  } finally {
    await stop(s);
  }
});

test('a request that fails inside while the site stops is a 503 E_STOPPING with Retry-After; the same failure otherwise is a 500', async () => {
  const s = await serve();
  try {
    // The database closed under the server, as Site.stop() leaves it: a read fails inside.
    await s.storage.close();
    const failed = await call(s.t, 'GET', '/api/v1/events');
    assert.equal(failed.status, 500);
    assert.equal(errorCode(failed), 'E_INTERNAL');
    s.site.stopping = true;
    const refused = await call(s.t, 'GET', '/api/v1/events');
    assert.equal(refused.status, 503, refused.text);
    assert.equal(errorCode(refused), 'E_STOPPING');
    assert.equal(refused.headers.get('retry-after'), '10');
  } finally {
    s.t.close();
  }
});
