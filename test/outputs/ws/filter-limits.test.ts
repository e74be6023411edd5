/**
 * What a client can make the live feed hold: only known cameras and labels, at most 256 together, linear
 * server state (uWS topics, the direct route's index) counted by the feed and freed on close. Real
 * uWebSockets.js server and real `ws` clients.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { COCO_LABELS } from '../../../src/inference/labels.ts';
import { MAX_FILTER_ENTRIES } from '../../../src/outputs/ws/filter-limits.ts';
import { decodeSnapshotFrame } from '../../../src/outputs/ws/messages.ts';
import { sampleEvent } from '../../support/recording-site.ts';
import { waitFor } from '../../support/wait.ts';
import { startTestServer, TOKEN, type TestServer } from '../http/test-server.ts';
import { FeedClient } from './feed-client.ts';

const CAMERAS = Array.from({ length: 200 }, (_, i) => `c${String(i).padStart(3, '0')}`);
let t: TestServer;

before(async () => {
  t = await startTestServer();
  for (const [index, id] of CAMERAS.entries())
    await t.site.addCamera({ id, channel: index + 1, streams: { primary: `rtsp://${id}.local/s` } });
});

after(() => t.close());

async function connected(): Promise<FeedClient> {
  const client = await FeedClient.open(`${t.base.replace('http://', 'ws://')}/ws?token=${TOKEN}`);
  assert.deepEqual(await client.nextJson(), { type: 'ready' });
  return client;
}

/** Sends `message` and returns the reply (`subscribed` or `error`). */
async function ask(client: FeedClient, message: object): Promise<Record<string, unknown>> {
  client.send(message);
  return client.nextJson();
}

const errorOf = (reply: Record<string, unknown>) => reply['error'] as { code: string; message: string; problems: string[] };
const feed = () => t.server.liveFeed.stats();

test('a subscribe naming unknown cameras or labels is refused with the field and the names, changes nothing and is counted', async () => {
  const client = await connected();
  const before = feed().subscribesRejected;
  const reply = await ask(client, { type: 'subscribe', cameras: ['c001', 'nowhere'], labels: ['person', 'unicorn'] });
  assert.equal(reply['type'], 'error');
  assert.equal(errorOf(reply).code, 'E_BAD_REQUEST');
  assert.deepEqual(errorOf(reply).problems, [
    "cameras: no camera 'nowhere' on this site; GET /api/v1/cameras lists them",
    "labels: the detector has no label 'unicorn'; use its class names or motion",
  ]);
  assert.deepEqual(feed().subscribesRejected, {
    ...before,
    unknown_camera: before.unknown_camera + 1,
    unknown_label: before.unknown_label + 1,
  });
  const subscribed = await ask(client, { type: 'subscribe', cameras: ['c001'], labels: ['person', 'motion', 'class 93'] });
  assert.deepEqual(
    subscribed,
    { type: 'subscribed', all: false, cameras: ['c001'], labels: ['person', 'motion', 'class 93'], snapshots: false },
    'the refused subscribe added nothing; the detector names, motion and numbered classes are known',
  );
  client.close();
});

test("a client flooding subscribes gets errors at the cap, the feed's state stays linear and bounded, others keep receiving, and close frees it", async () => {
  const watcher = await connected();
  assert.equal((await ask(watcher, { type: 'subscribe', all: true }))['type'], 'subscribed');
  const baseline = feed();
  const flooder = await connected();

  // The trial's attack: 8 messages of 64 new cameras and 64 new labels (524,800 topics before the fix).
  for (let round = 0; round < 8; round += 1) {
    const names = Array.from({ length: 64 }, (_, i) => `x${round}-${i}`);
    const reply = await ask(flooder, { type: 'subscribe', cameras: names, labels: names });
    assert.equal(reply['type'], 'error');
  }
  assert.equal(feed().filterEntries, baseline.filterEntries);
  assert.equal(feed().topics, baseline.topics);

  // Known names up to the cap: 192 cameras and 64 labels.
  for (let start = 0; start < 192; start += 64) {
    assert.equal((await ask(flooder, { type: 'subscribe', cameras: CAMERAS.slice(start, start + 64) }))['type'], 'subscribed');
  }
  assert.equal((await ask(flooder, { type: 'subscribe', labels: COCO_LABELS.slice(0, 64) }))['type'], 'subscribed');
  assert.equal(MAX_FILTER_ENTRIES, 256);
  const refused = await ask(flooder, { type: 'subscribe', cameras: ['c199'] });
  assert.equal(refused['type'], 'error');
  assert.match(errorOf(refused).problems[0] ?? '', /^cameras \+ labels: at most 256 together per client \(256 held, 1 new\)/);
  assert.equal(feed().subscribesRejected.limit, baseline.subscribesRejected.limit + 1);
  assert.equal(feed().filterEntries, baseline.filterEntries + 256);
  assert.equal(feed().topics, baseline.topics, 'a label filter holds no uWS topics');
  assert.equal(feed().labelledClients, 1);

  // Both still served: the watcher everything, the flooder its cameras and labels.
  t.site.emitDetections({
    camera: 'c010',
    captureMs: 5,
    detections: [{ label: 'person', classId: 0, score: 0.9, box: { x: 1, y: 1, width: 5, height: 5 }, trackId: 1 }],
  });
  assert.equal((await watcher.nextJson())['camera'], 'c010');
  assert.equal((await flooder.nextJson())['camera'], 'c010');

  // Without labels the same cameras cost uWS topics: three a camera (detections, events, state).
  assert.equal((await ask(flooder, { type: 'unsubscribe', labels: COCO_LABELS.slice(0, 64) }))['type'], 'subscribed');
  assert.equal(feed().topics, baseline.topics + 192 * 3);
  assert.equal(feed().labelledClients, 0);

  flooder.close();
  await waitFor('the flooder to be gone', () => feed().clients === baseline.clients);
  assert.equal(feed().filterEntries, baseline.filterEntries);
  assert.equal(feed().topics, baseline.topics);
  t.site.emitTransition({ camera: 'c020', from: 'ONLINE', to: 'STALLED', reason: 'after', atMs: 9 });
  assert.equal((await watcher.nextJson())['reason'], 'after');
  watcher.close();
});

test('a label filter with snapshots gets the matching end event, then its best-shot JPEG, and nothing for other labels', async () => {
  const client = await connected();
  assert.equal((await ask(client, { type: 'subscribe', cameras: ['c003'], labels: ['car'], snapshots: true }))['type'], 'subscribed');
  const jpeg = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
  const person = { ...sampleEvent('c003', 'person', 8, 'shot-person'), endMs: 1_700_000_000_400 };
  const car = { ...sampleEvent('c003', 'car', 9, 'shot-car'), endMs: 1_700_000_000_500 };
  t.site.snapshots.set(person.id, jpeg);
  t.site.snapshots.set(car.id, jpeg);
  t.site.emitEvent({ type: 'end', event: person });
  t.site.emitEvent({ type: 'end', event: car });
  assert.deepEqual(await client.nextJson(), { type: 'event', phase: 'end', event: car });
  const frame = await client.next();
  assert.equal(frame.kind, 'binary');
  assert.deepEqual(decodeSnapshotFrame((frame as { data: Buffer }).data), { eventId: car.id, jpeg });
  client.close();
});
