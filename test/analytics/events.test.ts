import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus, snapshotEvent, type DetectionEvent, type EventMessage } from '../../src/analytics/events.ts';

const event: DetectionEvent = {
  id: '1764000000000-abcd1234.0',
  camera: 'gate',
  label: 'person',
  score: 0.9,
  box: { x: 1, y: 2, width: 3, height: 4 },
  trackId: 7,
  startMs: 1764000000000,
  endMs: null,
  bestShot: {
    quality: 9.4,
    score: 0.9,
    sharpness: 0.3,
    brightness: 0.5,
    box: { x: 1, y: 2, width: 3, height: 4 },
    region: { x: 0, y: 0, width: 5, height: 6 },
    truncated: false,
    occlusion: 0,
    face: { box: { x: 1, y: 2, width: 2, height: 2 }, score: 0.8, keypoints: [{ x: 1.5, y: 2.5 }] },
    timeMs: 1764000000000,
    jpeg: null,
    frameJpeg: null,
  },
  zones: ['driveway'],
  face: { box: { x: 1, y: 2, width: 2, height: 2 }, score: 0.8, keypoints: [{ x: 1.5, y: 2.5 }] },
};
const start: EventMessage = { type: 'start', event };

test('every subscriber receives every message in publish order', () => {
  const bus = new EventBus();
  const seen: string[] = [];
  bus.subscribe((m) => seen.push(`a:${m.type}`));
  bus.subscribe((m) => seen.push(`b:${m.type}`));
  bus.publish(start);
  bus.publish({ type: 'end', event });
  assert.deepEqual(seen, ['a:start', 'b:start', 'a:end', 'b:end']);
});

test('an unsubscribed listener receives nothing more', () => {
  const bus = new EventBus();
  const seen: string[] = [];
  const unsubscribe = bus.subscribe((m) => seen.push(m.type));
  bus.publish(start);
  unsubscribe();
  bus.publish({ type: 'end', event });
  assert.deepEqual(seen, ['start']);
});

test('a listener that throws is reported and does not stop the others', () => {
  const failures: string[] = [];
  const bus = new EventBus({ onListenerError: (error, m) => failures.push(`${m.type}: ${(error as Error).message}`) });
  const seen: string[] = [];
  bus.subscribe(() => {
    throw new Error('disk full');
  });
  bus.subscribe((m) => seen.push(m.type));
  bus.publish(start);
  assert.deepEqual(seen, ['start']);
  assert.deepEqual(failures, ['start: disk full']);
});

test('a snapshot shares nothing mutable with the live event', () => {
  const live = structuredClone(event);
  const copy = snapshotEvent(live);
  live.box.x = 99;
  live.zones.push('lawn');
  if (live.bestShot !== null) live.bestShot.box.y = 99;
  assert.deepEqual(copy, event);
  assert.ok(Object.isFrozen(copy));
});
