import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Detection } from '../../../src/inference/types.ts';
import { decodeSnapshotFrame } from '../../../src/outputs/ws/messages.ts';
import type { DetectionsMessage } from '../../../src/outputs/site.ts';
import { sampleEvent } from '../../support/recording-site.ts';
import { OTHER_TOKEN, startTestServer, TOKEN, type TestServer } from '../http/test-server.ts';
import { FeedClient, type Received } from './feed-client.ts';

const CAMERAS = ['gate', 'yard'];
const LABELS = ['person', 'car'];

function detection(label: string, n: number): Detection & { trackId: number | null } {
  return { label, classId: LABELS.indexOf(label), score: 0.8, box: { x: n, y: n, width: 10, height: 10 }, trackId: n };
}

/** One batch: per camera a detections message with both labels, an event per label, and a state change. */
function emitBatch(t: TestServer): void {
  for (const camera of CAMERAS) {
    t.site.emitDetections({ camera, captureMs: 1, detections: [detection('person', 1), detection('car', 2), detection('person', 3)] });
    for (const label of LABELS) t.site.emitEvent({ type: 'start', event: sampleEvent(camera, label) });
    t.site.emitTransition({ camera, from: 'CONNECTING', to: 'ONLINE', reason: 'first frame', atMs: 1 });
  }
  // Every filter below follows gate's state: this marks the end of the batch for each client.
  t.site.emitTransition({ camera: 'gate', from: 'ONLINE', to: 'STALLED', reason: 'marker', atMs: 2 });
}

const isMarker = (item: Received) => item.kind === 'json' && item.message['reason'] === 'marker';

/** `detections:gate:person+car+person`, `event:yard:car`, `state:gate`. */
function describeItem(item: Received): string {
  if (item.kind === 'binary') return 'binary';
  const m = item.message;
  if (m['type'] === 'detections') return `detections:${m['camera']}:${(m['detections'] as Detection[]).map((d) => d.label).join('+')}`;
  if (m['type'] === 'event') return `event:${(m['event'] as { camera: string }).camera}:${(m['event'] as { label: string }).label}`;
  return `${m['type']}:${m['camera']}`;
}

interface FilterSpec {
  all?: boolean;
  cameras?: string[];
  labels?: string[];
}

/** What a client with this filter must receive from one batch, in order (the reference semantics). */
function expected(filter: FilterSpec): string[] {
  const cameras = filter.cameras ?? [];
  const labels = filter.labels ?? [];
  const cameraOk = (c: string) => filter.all === true || cameras.length === 0 || cameras.includes(c);
  const labelOk = (l: string) => filter.all === true || labels.length === 0 || labels.includes(l);
  const out: string[] = [];
  for (const camera of CAMERAS) {
    if (cameraOk(camera)) {
      // One message a frame, with the detections of the followed labels only.
      const kept = ['person', 'car', 'person'].filter(labelOk);
      if (kept.length > 0) out.push(`detections:${camera}:${kept.join('+')}`);
    }
    for (const label of LABELS) if (cameraOk(camera) && labelOk(label)) out.push(`event:${camera}:${label}`);
    if (cameraOk(camera)) out.push(`state:${camera}`);
  }
  return out;
}

describe('live feed', () => {
  let t: TestServer;
  let wsBase: string;
  before(async () => {
    t = await startTestServer({ liveFeed: { authTimeoutMs: 300, maxBadMessages: 5 } });
    for (const [index, id] of CAMERAS.entries())
      await t.site.addCamera({ id, channel: index + 1, streams: { primary: `rtsp://${id}.local/s` } });
    wsBase = t.base.replace('http://', 'ws://');
  });
  after(() => t.close());

  async function connected(): Promise<FeedClient> {
    const client = await FeedClient.open(`${wsBase}/ws?token=${TOKEN}`);
    assert.deepEqual(await client.nextJson(), { type: 'ready' });
    return client;
  }

  async function subscribe(client: FeedClient, message: object, type = 'subscribe'): Promise<Record<string, unknown>> {
    client.send({ type, ...message });
    const reply = await client.nextJson();
    assert.equal(reply['type'], 'subscribed');
    return reply;
  }

  test('a client that never authenticates is closed with 4401 after the auth timeout', async () => {
    const client = await FeedClient.open(`${wsBase}/ws`);
    assert.deepEqual(await client.closed, { code: 4401, reason: 'authentication timeout' });
    assert.equal(client.received.length, 0);
  });

  test('a wrong token in the query or the auth message closes with 4401', async () => {
    const query = await FeedClient.open(`${wsBase}/ws?token=nope`);
    assert.deepEqual(await query.closed, { code: 4401, reason: 'invalid token' });
    const message = await FeedClient.open(`${wsBase}/ws`);
    message.send({ type: 'auth', token: `${TOKEN}x` });
    assert.deepEqual(await message.closed, { code: 4401, reason: 'invalid token' });
  });

  test('a subscribe before authenticating closes with 4401', async () => {
    const client = await FeedClient.open(`${wsBase}/ws`);
    client.send({ type: 'subscribe', all: true });
    assert.deepEqual(await client.closed, { code: 4401, reason: 'authenticate first' });
  });

  test('a client authenticates by query, by bearer header or by a first auth message', async () => {
    await connected().then((c) => c.close());
    const header = await FeedClient.open(`${wsBase}/ws`, { authorization: `Bearer ${OTHER_TOKEN}` });
    assert.deepEqual(await header.nextJson(), { type: 'ready' });
    header.close();
    const message = await FeedClient.open(`${wsBase}/ws`);
    message.send({ type: 'auth', token: OTHER_TOKEN });
    assert.deepEqual(await message.nextJson(), { type: 'ready' });
    await subscribe(message, { all: true });
    message.close();
  });

  test('subscriptions by camera, by label, by both and to all receive exactly the matching messages, once each', async () => {
    const filters: FilterSpec[] = [
      { cameras: ['gate'] },
      { labels: ['car'] },
      { cameras: ['gate'], labels: ['person'] },
      { all: true },
      { cameras: ['gate', 'yard'], labels: ['person', 'car'] },
      { all: true, cameras: ['gate'], labels: ['car'] },
    ];
    const clients = await Promise.all(filters.map(() => connected()));
    for (const [i, filter] of filters.entries()) await subscribe(clients[i] as FeedClient, filter);
    emitBatch(t);
    for (const [i, filter] of filters.entries()) {
      const got = (await (clients[i] as FeedClient).until(isMarker)).map(describeItem);
      assert.deepEqual(got, expected(filter), JSON.stringify(filter));
    }
    for (const client of clients) client.close();
  });

  test('subscribe adds to the filter, unsubscribe removes from it, and unsubscribe all stops everything', async () => {
    const client = await connected();
    assert.deepEqual(await subscribe(client, { cameras: ['yard'] }), {
      type: 'subscribed',
      all: false,
      cameras: ['yard'],
      labels: [],
      snapshots: false,
    });
    assert.deepEqual((await subscribe(client, { cameras: ['gate'] }))['cameras'], ['yard', 'gate']);
    assert.deepEqual((await subscribe(client, { cameras: ['yard'] }, 'unsubscribe'))['cameras'], ['gate']);
    emitBatch(t);
    assert.deepEqual((await client.until(isMarker)).map(describeItem), expected({ cameras: ['gate'] }));
    await subscribe(client, { all: true }, 'unsubscribe');
    await subscribe(client, { labels: ['bicycle'] });
    emitBatch(t);
    // Only the marker (state of every camera follows a label-only filter) and the state changes arrive.
    assert.deepEqual((await client.until(isMarker)).map(describeItem), ['state:gate', 'state:yard']);
    client.close();
  });

  test('malformed messages get an error reply and the socket stays open, until too many close it with 1008', async () => {
    const client = await connected();
    const bad: Array<[unknown, string | RegExp]> = [
      ['{not json', 'Message is not valid JSON'],
      [{ type: 'shout' }, /^Invalid message$/],
      [{ type: 'subscribe', cameras: 'gate' }, /^Invalid message$/],
      [{ type: 'subscribe', colour: 'red' }, /^Invalid message$/],
    ];
    for (const [message, text] of bad) {
      client.send(message);
      const reply = await client.nextJson();
      assert.equal(reply['type'], 'error');
      const error = reply['error'] as { code: string; message: string; problems?: string[] };
      assert.equal(error.code, 'E_BAD_REQUEST');
      assert.match(error.message, typeof text === 'string' ? new RegExp(`^${text}$`) : text);
    }
    const problems = (index: number) =>
      ((client.received[index] as { message: Record<string, unknown> }).message['error'] as { problems: string[] }).problems;
    assert.deepEqual(problems(3), ['cameras: expected a list, received a string']);
    assert.deepEqual(problems(4), ['colour: unknown key']);
    await subscribe(client, { all: true });
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.match(((await client.nextJson())['error'] as { message: string }).message, /binary/);
    assert.deepEqual(await client.closed, { code: 1008, reason: 'too many bad messages' });
    assert.ok(t.server.liveFeed.stats().badMessages >= 5);
  });

  test('a client that asked for snapshots gets the end event, then the best-shot JPEG as a binary frame', async () => {
    const withShots = await connected();
    const without = await connected();
    await subscribe(withShots, { cameras: ['gate'], snapshots: true });
    await subscribe(without, { cameras: ['gate'] });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xdb, 9, 8, 7, 0xff, 0xd9]);
    const event = { ...sampleEvent('gate', 'person', 7, 'shot-7'), endMs: 1_700_000_000_500 };
    t.site.snapshots.set(event.id, jpeg);
    t.site.emitEvent({ type: 'end', event });
    assert.deepEqual(await withShots.nextJson(), { type: 'event', phase: 'end', event });
    const frame = await withShots.next();
    assert.equal(frame.kind, 'binary');
    assert.deepEqual(decodeSnapshotFrame((frame as { data: Buffer }).data), { eventId: event.id, jpeg });
    assert.deepEqual(await without.nextJson(), { type: 'event', phase: 'end', event });
    emitBatch(t);
    assert.ok((await without.until(isMarker)).every((item) => item.kind === 'json'));
    withShots.close();
    without.close();
  });

  test('detections messages carry the camera, capture time and tracked detections', async () => {
    const client = await connected();
    await subscribe(client, { labels: ['car'] });
    const message: DetectionsMessage = { camera: 'yard', captureMs: 42, detections: [detection('person', 1), detection('car', 5)] };
    t.site.emitDetections(message);
    assert.deepEqual(await client.nextJson(), { type: 'detections', camera: 'yard', captureMs: 42, detections: [detection('car', 5)] });
    client.close();
  });

  test('no token or camera password appears in any message or log line', async () => {
    const client = await connected();
    await subscribe(client, { all: true });
    t.site.emitTransition({
      camera: 'gate',
      from: 'ONLINE',
      to: 'OFFLINE',
      reason: 'ffmpeg exited: rtsp://***:***@10.0.0.5/stream1',
      atMs: 3,
    });
    await client.nextJson();
    client.send({ type: 'auth', token: TOKEN });
    client.send({ type: 'subscribe', labels: [TOKEN.toUpperCase()] });
    await client.nextJson();
    const texts = [...client.received.map((r) => (r.kind === 'json' ? JSON.stringify(r.message) : '')), ...t.logs];
    for (const text of texts) for (const secret of [TOKEN, OTHER_TOKEN, 'hunter2pass']) assert.ok(!text.includes(secret), text);
    client.close();
  });
});

test('stats count clients, authenticated clients and refused authentications', async () => {
  const t = await startTestServer();
  try {
    const wsBase = t.base.replace('http://', 'ws://');
    const a = await FeedClient.open(`${wsBase}/ws?token=${TOKEN}`);
    await a.nextJson();
    const pending = await FeedClient.open(`${wsBase}/ws`);
    const refused = await FeedClient.open(`${wsBase}/ws`);
    refused.send({ type: 'subscribe' });
    await refused.closed;
    assert.deepEqual(t.server.liveFeed.stats(), {
      clients: 2,
      authenticated: 1,
      slowClientsClosed: 0,
      authFailures: 1,
      badMessages: 0,
      published: 0,
      filterEntries: 0,
      topics: 0,
      labelledClients: 0,
      subscribesRejected: { unknown_camera: 0, unknown_label: 0, limit: 0 },
    });
    a.close();
    pending.close();
  } finally {
    t.close();
  }
});

test('closing the server closes every live feed client with 1001 and stops following the site', async () => {
  const t = await startTestServer();
  const wsBase = t.base.replace('http://', 'ws://');
  const authenticated = await FeedClient.open(`${wsBase}/ws?token=${TOKEN}`);
  await authenticated.nextJson();
  const pending = await FeedClient.open(`${wsBase}/ws`);
  assert.equal(t.site.listeners, 3);
  t.close();
  for (const client of [authenticated, pending]) assert.deepEqual(await client.closed, { code: 1001, reason: 'server shutting down' });
  assert.equal(t.server.liveFeed.stats().clients, 0);
  assert.equal(t.site.listeners, 0);
});
