import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrackedDetections } from '../../src/analytics/camera-analytics.ts';
import type { DetectionEvent } from '../../src/analytics/events.ts';
import { footageFigures } from './footage-metrics.ts';
import type { TruthPerson } from './vtest-truth.ts';

// The scorer of the real-footage test must be able to say "wrong": made-up observations with known
// faults, in clip pixels (scale 1), one frame every 0.5 s, clip t = 0 at epoch 100 s.
const T0 = 100_000;
const H = 80;
const walkers: TruthPerson[] = [
  {
    id: 'a',
    path: [
      [0, 100, 300],
      [10, 600, 300],
    ],
  },
  {
    id: 'b',
    path: [
      [0, 100, 400],
      [10, 600, 400],
    ],
  },
];
const pair: TruthPerson[] = [
  {
    id: 'a',
    with: 'b',
    path: [
      [0, 100, 300],
      [10, 600, 300],
    ],
  },
  {
    id: 'b',
    with: 'a',
    path: [
      [0, 130, 300],
      [10, 630, 300],
    ],
  },
];

/** A person box with its feet at (x, y). */
const person = (x: number, y: number, trackId: number) => ({
  label: 'person',
  classId: 0,
  score: 0.9,
  box: { x: x - 15, y: y - H, width: 30, height: H },
  trackId,
});

function observe(track: (t: number) => Array<ReturnType<typeof person>>, events: Array<[number, number, number]>) {
  const frames: TrackedDetections[] = [];
  for (let t = 0; t <= 10; t += 0.5) frames.push({ camera: 'c', captureMs: T0 + t * 1000, detections: track(t) });
  const ev = events.map(
    ([trackId, from, to]) =>
      ({
        id: `e${trackId}`,
        label: 'person',
        trackId,
        startMs: T0 + from * 1000,
        endMs: T0 + to * 1000,
        bestShot: null,
      }) as unknown as DetectionEvent,
  );
  return { onlineMs: [T0], frames, events: ev, scaleX: 1, scaleY: 1, durationS: 10 };
}

const x = (t: number): number => 100 + 50 * t;

test('one track on each walker from entry to exit: one event each, no switch', () => {
  const f = footageFigures(
    observe(
      (t) => [person(x(t), 300, 1), person(x(t), 400, 2)],
      [
        [1, 0, 10],
        [2, 0, 10],
      ],
    ),
    walkers,
  );
  assert.deepEqual([f.eventsPerPerson, f.missed, f.split, f.wholePassage, f.idSwitches], [1, 0, 0, 1, 0]);
});

test('a track that jumps from one walker to the other halfway is an identity switch, and b is split', () => {
  // Track 1 follows a, then b (a's detections go to track 3 after the jump); track 2 follows b until then.
  const f = footageFigures(
    observe(
      (t) => (t < 5 ? [person(x(t), 300, 1), person(x(t), 400, 2)] : [person(x(t), 300, 3), person(x(t), 400, 1)]),
      [
        [1, 0, 10],
        [2, 0, 5],
        [3, 5, 10],
      ],
    ),
    walkers,
  );
  assert.equal(f.idSwitches, 1, JSON.stringify(f.perEvent));
  assert.equal(f.eventsPerPerson, 1.5);
});

test('a track that follows a person who is not in the truth, then takes a listed one, is a switch', () => {
  // Track 1 stands at (400, 200), away from a, while a walks in; at 6 s it takes a.
  const f = footageFigures(
    observe((t) => [person(t < 6 ? 400 : x(t), t < 6 ? 200 : 300, 1)], [[1, 0, 10]]),
    walkers.slice(0, 1),
  );
  assert.equal(f.idSwitches, 1, JSON.stringify(f.perEvent));
});

test('a pair seen as one box is one event for two people: merged', () => {
  const f = footageFigures(
    observe((t) => [person(x(t) + 15, 300, 1)], [[1, 0, 10]]),
    pair,
  );
  assert.deepEqual([f.pairs, f.mergedPairs, f.missed], [1, 1, 1]);
});

test('a walker seen for the first 3 s only does not span the passage', () => {
  const f = footageFigures(
    observe((t) => (t <= 3 ? [person(x(t), 300, 1)] : []), [[1, 0, 3]]),
    walkers.slice(0, 1),
  );
  assert.deepEqual([f.wholePassage, f.eventsPerPerson], [0, 1]);
});
