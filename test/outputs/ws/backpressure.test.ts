/**
 * A client that stops reading must cost the others nothing: the feed keeps publishing, a reading
 * client gets every message in order, and the stalled one is closed once uWS holds more than the
 * backpressure limit for it. Paced by the reading client (each batch is awaited), never by time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detection } from '../../../src/inference/types.ts';
import { startTestServer, TOKEN } from '../http/test-server.ts';
import { FeedClient } from './feed-client.ts';

const LIMIT = 256 * 1024;
const BATCH = 8;
/** About 16 KB of JSON a message. */
const DETECTIONS: Array<Detection & { trackId: number }> = Array.from({ length: 160 }, (_, i) => ({
  label: 'person',
  classId: 0,
  score: 0.5,
  box: { x: i, y: i, width: 10, height: 10 },
  trackId: i,
}));
/** Far more than loopback socket buffers and the limit can hold (~64 MB), so the test ends by the close. */
const MAX_BATCHES = 500;

test('a client that stops reading is closed at the backpressure limit while a reading client gets every message', async () => {
  const t = await startTestServer({ liveFeed: { maxBackpressureBytes: LIMIT } });
  const wsBase = t.base.replace('http://', 'ws://');
  const open = async () => {
    const client = await FeedClient.open(`${wsBase}/ws?token=${TOKEN}`);
    await client.nextJson();
    client.send({ type: 'subscribe', all: true });
    await client.nextJson();
    return client;
  };
  const reader = await open();
  const stalled = await open();
  try {
    // Stop reading from the socket: the kernel buffers fill, then uWS's buffer for this client grows.
    stalled.socket.pause();
    let published = 0;
    for (let batch = 0; batch < MAX_BATCHES && t.server.liveFeed.stats().slowClientsClosed === 0; batch++) {
      for (let i = 0; i < BATCH; i++) t.site.emitDetections({ camera: 'gate', captureMs: published++, detections: DETECTIONS });
      for (let i = 0; i < BATCH; i++) {
        const message = await reader.nextJson();
        assert.equal(message['captureMs'], published - BATCH + i, 'the reading client receives every message in order');
      }
    }
    const stats = t.server.liveFeed.stats();
    assert.equal(stats.slowClientsClosed, 1, `published ${published} messages without closing the stalled client`);
    assert.equal(stats.clients, 1);

    // The reader is unaffected: the next message still arrives.
    t.site.emitDetections({ camera: 'gate', captureMs: published, detections: DETECTIONS.slice(0, 1) });
    assert.equal((await reader.nextJson())['captureMs'], published);

    stalled.socket.resume();
    const closed = await stalled.closed;
    assert.ok([1013, 1006].includes(closed.code), `close code ${closed.code}`);
    const got = stalled.received.length - 2;
    assert.ok(got < published, `the stalled client skipped messages (${got} of ${published})`);
  } finally {
    reader.close();
    stalled.close();
    t.close();
  }
});
