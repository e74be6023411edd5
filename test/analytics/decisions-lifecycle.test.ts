import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecisionEngine } from '../../src/analytics/decisions/engine.ts';
import { createEventIdSource } from '../../src/analytics/decisions/event-id.ts';
import { cameraDecisionsSchema, globalDecisionsSchema } from '../../src/analytics/decisions/options.ts';
import type { BestShot } from '../../src/analytics/best-shot.ts';
import type { EventMessage } from '../../src/analytics/events.ts';
import { Tracker } from '../../src/analytics/tracker.ts';
import type { Detection } from '../../src/inference/types.ts';
import { FRAME, gone, harness, object, shot, standingAt } from './decisions-harness.ts';

const here = standingAt(100, 200);
const there = standingAt(400, 300);

test('an event goes start, update, end with one id, and the end carries endMs and the best shot', () => {
  const h = harness();
  h.frame(1000, { started: [object(7, 'person', here, 0.6, shot(6.5, 1000))] });
  h.frame(1500, { updated: [object(7, 'person', here, 0.8, shot(8.5, 1500))] });
  h.frame(2000, { updated: [object(7, 'person', here, 0.8, shot(8.5, 1500))] });
  h.frame(2500, { updated: [object(7, 'person', here, 0.7, shot(8.5, 1500))] });
  h.frame(3000, { updated: [object(7, 'person', here, 0.7, shot(8.5, 1500))] });
  h.frame(4000, { ended: [gone(7, shot(8.5, 1500, 'gate/1000-test.0.jpg'))] });

  assert.deepEqual(h.log(), ['start:person:7', 'update:person:7', 'end:person:7']);
  const [start, update, end] = h.messages.map((m) => m.event);
  assert.deepEqual(new Set(h.messages.map((m) => m.event.id)), new Set(['1000-test.0']));
  assert.equal(start?.endMs, null);
  assert.equal(start?.score, 0.6);
  assert.equal(update?.score, 0.8);
  assert.equal(update?.bestShot?.quality, 8.5);
  assert.equal(end?.startMs, 1000);
  assert.equal(end?.endMs, 3000, 'the last frame the object was seen in, not the frame the tracker gave up');
  assert.equal(end?.score, 0.8);
  assert.deepEqual(end?.bestShot, shot(8.5, 1500, 'gate/1000-test.0.jpg'));
  assert.deepEqual(end?.box, here);
});

test('messages are snapshots that later changes to the event do not reach', () => {
  const h = harness();
  h.frame(0, { started: [object(1, 'person', here, 0.6)] });
  h.frame(1000, { updated: [object(1, 'person', there, 0.9)] });
  assert.deepEqual(h.messages[0]?.event.box, here);
  assert.equal(h.messages[0]?.event.score, 0.6);
  assert.ok(Object.isFrozen(h.messages[0]?.event));
});

test('an update waits for the minimum interval and then carries the change that arrived inside it', () => {
  const h = harness({ updates: { minIntervalMs: 1000 } });
  h.frame(0, { started: [object(1, 'person', here)] });
  h.frame(100, { updated: [object(1, 'person', there)] });
  assert.deepEqual(h.log(), ['start:person:1']);
  h.frame(1000, { updated: [object(1, 'person', there)] });
  assert.deepEqual(h.log(), ['start:person:1', 'update:person:1']);
  assert.deepEqual(h.messages[1]?.event.box, there);
  for (let t = 1100; t < 5000; t += 100) h.frame(t, { updated: [object(1, 'person', there)] });
  assert.equal(h.messages.length, 2, 'nothing new after the update');
});

test('small changes publish nothing and a running event with nothing new publishes only the heartbeat', () => {
  const h = harness({ updates: { heartbeatMs: 5000 } });
  h.frame(0, { started: [object(1, 'person', here, 0.8, shot(8.0, 0))] });
  for (let t = 1000; t <= 12_000; t += 1000) {
    const nudged = { ...here, x: here.x + (t % 2000 === 0 ? 2 : 0) };
    h.frame(t, { updated: [object(1, 'person', nudged, 0.82, shot(8.2, 0))] });
  }
  assert.deepEqual(h.messages.map((m) => `${m.type}@${m.event.id}`).slice(1), ['update@0-test.0', 'update@0-test.0']);
  const quiet = harness({ updates: { heartbeatMs: 0 } });
  quiet.frame(0, { started: [object(1, 'person', here)] });
  for (let t = 1000; t <= 60_000; t += 1000) quiet.frame(t, { updated: [object(1, 'person', here)] });
  assert.deepEqual(quiet.log(), ['start:person:1']);
});

test('a new zone or a better best shot publishes an update', () => {
  const h = harness({
    zones: {
      driveway: {
        points: [
          [0.5, 0.5],
          [1, 0.5],
          [1, 1],
          [0.5, 1],
        ],
      },
    },
    updates: { moveIou: 0 },
  });
  h.frame(0, { started: [object(1, 'person', here, 0.9, shot(7, 0))] });
  h.frame(1000, { updated: [object(1, 'person', there, 0.9, shot(7, 0))] });
  h.frame(2000, { updated: [object(1, 'person', there, 0.9, shot(7.6, 2000))] });
  h.frame(3000, { updated: [object(1, 'person', there, 0.9, shot(7.7, 3000))] });
  assert.deepEqual(
    h.messages.map((m) => [m.type, m.event.zones.join(), m.event.bestShot?.quality]),
    [
      ['start', '', 7],
      ['update', 'driveway', 7],
      ['update', 'driveway', 7.6],
    ],
  );
});

test('cooldown suppresses a second event of the same label and not one of another label', () => {
  const h = harness({ objects: { person: { cooldownMs: 5000 } } });
  h.frame(0, { started: [object(1, 'person', here)] });
  h.frame(1000, { updated: [object(1, 'person', here)] });
  h.frame(1500, { ended: [gone(1)] });
  h.frame(3000, { started: [object(2, 'person', there), object(3, 'car', there)] });
  h.frame(4000, { updated: [object(2, 'person', there), object(3, 'car', there)] });
  assert.deepEqual(h.log(), ['start:person:1', 'end:person:1', 'start:car:3']);
  assert.equal(h.engine.counters().suppressed.cooldown, 1, 'counted once a track');
});

test('a track still there when the cooldown runs out starts its event then', () => {
  const h = harness({ objects: { '*': { cooldownMs: 5000 } } });
  h.frame(0, { started: [object(1, 'person', here)] });
  h.frame(1000, { ended: [gone(1)] });
  h.frame(2000, { started: [object(2, 'person', there)] });
  h.frame(4999, { updated: [object(2, 'person', there)] });
  assert.deepEqual(h.log(), ['start:person:1', 'end:person:1']);
  h.frame(5000, { updated: [object(2, 'person', there)] });
  assert.deepEqual(h.log(), ['start:person:1', 'end:person:1', 'start:person:2']);
  assert.equal(h.messages[2]?.event.startMs, 5000);
});

test('two overlapping tracks of one label in the same frame make one event that ends with the last of them', () => {
  const h = harness();
  const twin = { ...here, x: here.x + 4 };
  h.frame(0, { started: [object(1, 'person', here, 0.7, shot(7, 0)), object(2, 'person', twin, 0.95, shot(9.5, 0))] });
  h.frame(1000, { updated: [object(1, 'person', here, 0.7, shot(7, 0)), object(2, 'person', twin, 0.95, shot(9.5, 0))] });
  h.frame(2000, { ended: [gone(1)] });
  assert.deepEqual(h.log(), ['start:person:1', 'update:person:1']);
  h.frame(3000, { updated: [object(2, 'person', twin, 0.95, shot(9.5, 0))] });
  h.frame(4000, { ended: [gone(2)] });
  assert.deepEqual(h.log(), ['start:person:1', 'update:person:1', 'end:person:1']);
  const end = h.messages.at(-1)?.event;
  assert.equal(end?.score, 0.95, 'the merged track raised the top score');
  assert.equal(end?.bestShot?.quality, 9.5, 'and gave the better shot');
  assert.equal(end?.endMs, 3000);
  assert.equal(h.engine.counters().suppressed.duplicate, 1);
});

test('overlapping tracks of different labels, apart, or not seen in the same frame stay separate events', () => {
  const h = harness();
  const twin = { ...here, x: here.x + 4 };
  h.frame(0, { started: [object(1, 'person', here), object(2, 'dog', twin), object(3, 'person', there)] });
  h.frame(100, { started: [object(4, 'person', twin)] });
  assert.deepEqual(h.log(), ['start:person:1', 'start:dog:2', 'start:person:3', 'start:person:4']);
  assert.equal(h.engine.counters().suppressed.duplicate, 0);
});

test('removing a camera ends its running events at the time each object was last seen', () => {
  const h = harness();
  h.frame(0, { started: [object(1, 'person', here), object(2, 'car', there, 0.2)] });
  h.frame(700, { updated: [object(1, 'person', here)] });
  h.engine.removeCamera('gate');
  assert.deepEqual(h.log(), ['start:person:1', 'end:person:1']);
  assert.equal(h.messages[1]?.event.endMs, 700);
  assert.throws(() => h.engine.onFrame('gate', 800, { started: [], updated: [], ended: [] }), /Unknown camera "gate": addCamera it first/);
});

test('a publisher that throws or rejects is counted and the lifecycle goes on', async () => {
  const published: string[] = [];
  const errors: string[] = [];
  const engine = new DecisionEngine({
    global: globalDecisionsSchema.parse({ rateLimit: null }),
    newEventId: createEventIdSource('t'),
    publisher: {
      publish(message: EventMessage) {
        published.push(message.type);
        if (message.type === 'start') throw new Error('broker down');
        return message.type === 'end' ? Promise.reject(new Error('timeout')) : undefined;
      },
    },
    onPublishError: (error, message) => errors.push(`${message.type}: ${(error as Error).message}`),
  });
  engine.addCamera('gate', cameraDecisionsSchema.parse({}), FRAME);
  engine.onFrame('gate', 0, { started: [object(1, 'person', here)], updated: [], ended: [] });
  engine.onFrame('gate', 100, { started: [], updated: [], ended: [gone(1)] });
  await new Promise(setImmediate);
  assert.deepEqual(published, ['start', 'end']);
  assert.deepEqual(errors, ['start: broker down', 'end: timeout']);
  assert.equal(engine.counters('gate').publishErrors, 2);
  assert.deepEqual(engine.counters('gate').published, { start: 1, update: 0, end: 1 });
});

test('event ids are unique within a run, differ between runs and start with the start time', () => {
  const run = createEventIdSource();
  const ids = Array.from({ length: 1000 }, () => run(1764000000123.7));
  assert.equal(new Set(ids).size, 1000);
  assert.match(ids[0] ?? '', /^1764000000123-[0-9a-f]{8}\.0$/);
  assert.notEqual(createEventIdSource()(5), createEventIdSource()(5));
});

test('the tracker update and the best-shot record feed the engine as they are', () => {
  const h = harness();
  const tracker = new Tracker({ minHits: 2, maxAgeMs: 500 });
  const best = new Map<number, BestShot>();
  const bestShotOf: (trackId: number) => BestShot | undefined = (id) => best.get(id);
  const detections = (x: number): Detection[] => [
    { label: 'person', classId: 0, score: 0.9, box: standingAt(x, 200) },
    { label: 'car', classId: 2, score: 0.8, box: standingAt(500, 300) },
  ];
  for (let t = 0; t <= 400; t += 200) h.engine.onFrame('gate', t, tracker.update(detections(100 + t / 20), t), bestShotOf);
  h.engine.onFrame('gate', 1000, tracker.update([], 1000), bestShotOf);
  // Track ids are the tracker's to assign: compare by label.
  const byLabel = (label: string) =>
    h.messages.filter((m) => m.event.label === label).map((m) => [m.type, m.event.id, m.event.startMs, m.event.endMs]);
  for (const label of ['person', 'car']) {
    const [start, end] = byLabel(label);
    assert.deepEqual([start?.[0], start?.[2], start?.[3]], ['start', 200, null], label);
    assert.deepEqual([end?.[0], end?.[1], end?.[2], end?.[3]], ['end', start?.[1], 200, 400], label);
  }
  assert.equal(h.messages.length, 4);
});

test('new rules for a camera apply from the next frame, and a running event goes on without an end', () => {
  const h = harness({ labels: ['person'] });
  const box = standingAt(320, 300);
  h.frame(1000, { started: [object(1, 'person', box), object(2, 'car', box)] });
  assert.deepEqual(h.log(), ['start:person:1'], 'the car is filtered by the label list');
  h.engine.updateCamera('gate', cameraDecisionsSchema.parse({ rateLimit: null, labels: ['person', 'car'] }));
  h.frame(1100, { updated: [object(1, 'person', box), object(2, 'car', box)] });
  assert.deepEqual(h.log(), ['start:person:1', 'start:car:2'], 'the pending car starts under the new labels; the person event goes on');
  assert.equal(h.engine.counters('gate').filtered.label, 1, 'counters are kept across the change');
  h.frame(1200, { ended: [gone(1), gone(2)] });
  assert.deepEqual(h.log().slice(2), ['end:person:1', 'end:car:2']);
});
