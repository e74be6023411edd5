import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../src/analytics/decisions/token-bucket.ts';
import { DecisionEngine } from '../../src/analytics/decisions/engine.ts';
import { createEventIdSource } from '../../src/analytics/decisions/event-id.ts';
import { cameraDecisionsSchema, globalDecisionsSchema } from '../../src/analytics/decisions/options.ts';
import { EventBus, type EventMessage } from '../../src/analytics/events.ts';
import { FRAME, harness, object, standingAt } from './decisions-harness.ts';

/** Which of `times` the bucket grants a token at, one attempt each. */
function granted(bucket: TokenBucket, times: number[]): number[] {
  return times.filter((t) => bucket.tryTake(t));
}

test('a token bucket allows the burst at once and then refills at the rate', () => {
  const bucket = new TokenBucket({ burst: 3, perMinute: 60 });
  assert.deepEqual(granted(bucket, [0, 0, 0, 0, 500]), [0, 0, 0]);
  assert.deepEqual(granted(bucket, [1000, 1000, 1999, 2000]), [1000, 2000]);
});

test('a token bucket refills no further than the burst however long it was idle', () => {
  const bucket = new TokenBucket({ burst: 2, perMinute: 60 });
  granted(bucket, [0, 0]);
  assert.deepEqual(granted(bucket, [3_600_000, 3_600_000, 3_600_000]), [3_600_000, 3_600_000]);
});

test('a time earlier than one already seen neither refills nor drains the bucket', () => {
  const bucket = new TokenBucket({ burst: 1, perMinute: 60 });
  assert.equal(bucket.tryTake(10_000), true);
  assert.equal(bucket.tryTake(5_000), false);
  assert.equal(bucket.tryTake(10_999), false);
  assert.equal(bucket.tryTake(11_000), true);
});

test('many small refills add up to a whole token', () => {
  const bucket = new TokenBucket({ burst: 1, perMinute: 60 });
  bucket.tryTake(0);
  for (let t = 1; t < 60; t++) assert.equal(bucket.available((t * 1000) / 60), false);
  assert.equal(bucket.tryTake(1000), true);
});

test('a rate-limited start drops its updates and end too, and both are counted', () => {
  const h = harness({ rateLimit: { burst: 2, perMinute: 1 }, updates: { minIntervalMs: 0, heartbeatMs: 100 } });
  const tracks = [1, 2, 3].map((id) => object(id, 'person', standingAt(100 * id, 200)));
  h.frame(0, { started: tracks });
  for (let t = 100; t <= 500; t += 100) h.frame(t, { updated: tracks });
  h.frame(600, { ended: tracks });
  const third = h.messages.filter((m) => m.event.trackId === 3);
  assert.deepEqual(third, []);
  assert.deepEqual(h.engine.counters().dropped.camera_limit, { start: 1, end: 1 });
  assert.deepEqual(h.engine.counters().published, { start: 2, update: 10, end: 2 });
});

test('a track refused by the limit stays dropped when tokens come back, and a new track gets one', () => {
  const h = harness({ rateLimit: { burst: 1, perMinute: 60 } });
  h.frame(0, { started: [object(1, 'person', standingAt(100, 200)), object(2, 'car', standingAt(400, 200))] });
  h.frame(5000, { updated: [object(2, 'car', standingAt(400, 200))], started: [object(3, 'dog', standingAt(250, 300))] });
  assert.deepEqual(h.log(), ['start:person:1', 'start:dog:3']);
});

test('the global limit is shared by cameras and a start it refuses costs the camera no token', () => {
  const messages: EventMessage[] = [];
  const bus = new EventBus();
  bus.subscribe((message) => messages.push(message));
  const engine = new DecisionEngine({
    publisher: bus,
    global: globalDecisionsSchema.parse({ rateLimit: { burst: 1, perMinute: 60 } }),
    newEventId: createEventIdSource('t'),
  });
  // The camera's own bucket holds one token and refills one a minute: a token lost to the global
  // refusal would not come back within this test.
  const options = cameraDecisionsSchema.parse({ rateLimit: { burst: 1, perMinute: 1 } });
  engine.addCamera('north', options, FRAME);
  engine.addCamera('south', options, FRAME);
  const frame = (camera: string, timeMs: number, trackId: number) =>
    engine.onFrame(camera, timeMs, { started: [object(trackId, 'person', standingAt(100, 200))], updated: [], ended: [] });
  frame('north', 0, 1);
  frame('south', 0, 2);
  frame('south', 1000, 3);
  assert.deepEqual(
    messages.map((m) => `${m.event.camera}:${m.event.trackId}`),
    ['north:1', 'south:3'],
  );
  assert.deepEqual(engine.counters('south').dropped.global_limit, { start: 1, end: 0 });
  assert.deepEqual(engine.counters().dropped.camera_limit, { start: 0, end: 0 });
});
