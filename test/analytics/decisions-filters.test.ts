import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pointInPolygon, toPixelPolygon } from '../../src/analytics/decisions/geometry.ts';
import { cameraDecisionsSchema, globalDecisionsSchema, type CameraDecisionOptionsInput } from '../../src/analytics/decisions/options.ts';
import { gone, harness, object, standingAt } from './decisions-harness.ts';

function issuePaths(input: CameraDecisionOptionsInput): string[] {
  const result = cameraDecisionsSchema.safeParse(input);
  assert.equal(result.success, false, 'the options were accepted');
  return result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
}

test('empty camera options get the documented defaults', () => {
  assert.deepEqual(cameraDecisionsSchema.parse({}), {
    objects: {},
    zones: {},
    masks: [],
    dedupIou: 0.7,
    updates: { minIntervalMs: 1000, heartbeatMs: 30_000, scoreDelta: 0.05, qualityDelta: 0.5, moveIou: 0.5 },
    rateLimit: { burst: 30, perMinute: 120 },
  });
  assert.deepEqual(globalDecisionsSchema.parse({}), { rateLimit: { burst: 100, perMinute: 600 } });
});

test('a bad option is reported with the path of the field', () => {
  assert.deepEqual(issuePaths({ objects: { person: { minScore: 1.5 } } }), ['objects.person.minScore: Too big: expected number to be <=1']);
  assert.match(
    issuePaths({
      zones: {
        drive: {
          points: [
            [0, 0],
            [1, 0],
          ],
        },
      },
    })[0] ?? '',
    /^zones\.drive\.points: A polygon needs at least 3 points/,
  );
  assert.match(
    issuePaths({
      masks: [
        [
          [0, 0],
          [0.5, 0.5],
          [1, 1],
        ],
      ],
    })[0] ?? '',
    /^masks\.0: A polygon needs an area/,
  );
  assert.match(
    issuePaths({
      masks: [
        [
          [0, 0],
          [Number.NaN, 0.5],
          [1, 1],
        ],
      ],
    })[0] ?? '',
    /^masks\.0\.1\.0: /,
  );
  assert.match(
    issuePaths({
      masks: [
        [
          [0, 0],
          [Number.POSITIVE_INFINITY, 0.5],
          [1, 1],
        ],
      ],
    })[0] ?? '',
    /^masks\.0\.1\.0: /,
  );
  assert.match(
    issuePaths({
      zones: {
        drive: {
          points: [
            [0, 0],
            [1.2, 0],
            [1, 1],
          ],
        },
      },
    })[0] ?? '',
    /^zones\.drive\.points\.1\.0: /,
  );
  assert.deepEqual(issuePaths({ objects: { '*': { requiredZones: ['porch'] } } }), [
    'objects.*.requiredZones.0: Unknown zone "porch": define it under zones',
  ]);
  assert.deepEqual(issuePaths({ objects: { person: { minScre: 0.5 } } as CameraDecisionOptionsInput['objects'] }), [
    'objects.person: Unrecognized key: "minScre"',
  ]);
  assert.match(issuePaths({ dedupIou: 0 })[0] ?? '', /^dedupIou: /);
  assert.match(issuePaths({ rateLimit: { burst: 0, perMinute: 1 } })[0] ?? '', /^rateLimit\.burst: /);
  assert.match(issuePaths({ updates: { minIntervalMs: -1 } })[0] ?? '', /^updates\.minIntervalMs: /);
});

test('minArea above maxArea is caught even when the two come from * and the label', () => {
  assert.deepEqual(issuePaths({ objects: { '*': { maxArea: 0.1 }, car: { minArea: 0.2 } } }), [
    'objects.car.minArea: minArea 0.2 is above maxArea 0.1',
  ]);
  assert.equal(cameraDecisionsSchema.safeParse({ objects: { '*': { maxArea: 0.1 }, car: { minArea: 0.05 } } }).success, true);
});

test('point in polygon counts crossings, so a concave polygon excludes its notch', () => {
  // An L: the square 0..100 without its top-right quarter.
  const l = toPixelPolygon(
    [
      [0, 0],
      [0.5, 0],
      [0.5, 0.5],
      [1, 0.5],
      [1, 1],
      [0, 1],
    ],
    100,
    100,
  );
  assert.equal(pointInPolygon(25, 25, l), true);
  assert.equal(pointInPolygon(75, 75, l), true);
  assert.equal(pointInPolygon(75, 25, l), false, 'the notch');
  assert.equal(pointInPolygon(150, 75, l), false, 'outside the bounding box');
});

test('a point on the edge shared by two adjacent zones is in exactly one of them', () => {
  const left = toPixelPolygon(
    [
      [0, 0],
      [0.5, 0],
      [0.5, 1],
      [0, 1],
    ],
    100,
    100,
  );
  const right = toPixelPolygon(
    [
      [0.5, 0],
      [1, 0],
      [1, 1],
      [0.5, 1],
    ],
    100,
    100,
  );
  for (const y of [10, 50, 90]) {
    assert.equal(Number(pointInPolygon(50, y, left)) + Number(pointInPolygon(50, y, right)), 1, `y=${y}`);
  }
});

test('an object scoring below minScore is filtered and one at minScore starts an event', () => {
  const h = harness({ objects: { '*': { minScore: 0.6 } } });
  h.frame(0, { started: [object(1, 'person', standingAt(100, 200), 0.59)] });
  assert.deepEqual(h.log(), []);
  assert.equal(h.engine.counters().filtered.score, 1);
  h.frame(100, { updated: [object(1, 'person', standingAt(100, 200), 0.6)] });
  assert.deepEqual(h.log(), ['start:person:1']);
});

test('a label entry overrides the * default and other labels keep it', () => {
  const h = harness({ objects: { '*': { minScore: 0.4 }, car: { minScore: 0.8 } } });
  h.frame(0, { started: [object(1, 'car', standingAt(100, 200), 0.7), object(2, 'dog', standingAt(300, 200), 0.7)] });
  assert.deepEqual(h.log(), ['start:dog:2']);
});

test('area bounds are fractions of the frame area', () => {
  // 640x360 = 230400 px; 40x80 = 3200 px = 1.39% of the frame.
  const h = harness({ objects: { person: { minArea: 0.01, maxArea: 0.02 }, car: { minArea: 0.02 } } });
  h.frame(0, { started: [object(1, 'person', standingAt(100, 200)), object(2, 'car', standingAt(300, 200))] });
  assert.deepEqual(h.log(), ['start:person:1']);
  assert.equal(h.engine.counters().filtered.area, 1);
});

test('labels not in the labels list never become events', () => {
  const h = harness({ labels: ['person'] });
  h.frame(0, { started: [object(1, 'person', standingAt(100, 200)), object(2, 'cat', standingAt(300, 200))] });
  assert.deepEqual(h.log(), ['start:person:1']);
  assert.equal(h.engine.counters().filtered.label, 1);
});

// The driveway is the lower half of the right half of the frame: x 320..640, y 180..360 in pixels.
const driveway = {
  points: [
    [0.5, 0.5],
    [1, 0.5],
    [1, 1],
    [0.5, 1],
  ] as [number, number][],
};

test('an object outside a required zone is not an event and entering the zone starts one', () => {
  const h = harness({ zones: { driveway }, objects: { car: { requiredZones: ['driveway'] } } });
  h.frame(0, { started: [object(1, 'car', standingAt(100, 300))] });
  h.frame(100, { updated: [object(1, 'car', standingAt(200, 300))] });
  assert.deepEqual(h.log(), []);
  assert.equal(h.engine.counters().filtered.zone, 2);
  h.frame(200, { updated: [object(1, 'car', standingAt(400, 300))] });
  assert.deepEqual(h.log(), ['start:car:1']);
  assert.deepEqual(h.messages[0]?.event.zones, ['driveway']);
});

test('the zone test uses the bottom centre: a box whose centre is in the zone but whose feet are not is outside', () => {
  // The porch: x 320..640, y 90..180 in pixels.
  const porch = {
    points: [
      [0.5, 0.25],
      [1, 0.25],
      [1, 0.5],
      [0.5, 0.5],
    ] as [number, number][],
  };
  const h = harness({ zones: { porch }, objects: { person: { requiredZones: ['porch'] } } });
  // Centre y 150 inside, bottom pixel row 199 below the porch: standing in front of it.
  h.frame(0, { started: [object(1, 'person', { x: 340, y: 100, width: 40, height: 100 })] });
  assert.deepEqual(h.log(), []);
  // Centre y 60 above the porch, bottom row 99 on it: standing on it.
  h.frame(0, { started: [object(2, 'person', { x: 500, y: 20, width: 40, height: 80 })] });
  assert.deepEqual(h.log(), ['start:person:2']);
});

test('zones without a requirement are recorded in the order the object entered them', () => {
  const h = harness({
    zones: {
      driveway,
      lawn: {
        points: [
          [0, 0.5],
          [0.5, 0.5],
          [0.5, 1],
          [0, 1],
        ],
      },
    },
  });
  h.frame(0, { started: [object(1, 'person', standingAt(100, 100))] });
  h.frame(100, { updated: [object(1, 'person', standingAt(100, 300))] });
  h.frame(200, { updated: [object(1, 'person', standingAt(400, 300))] });
  h.frame(300, { updated: [object(1, 'person', standingAt(100, 300))] });
  h.frame(400, { ended: [gone(1)] });
  assert.deepEqual(h.messages.at(-1)?.event.zones, ['lawn', 'driveway']);
});

test('a mask hides objects standing in it and not objects beside it', () => {
  // The mask is the top-left quarter: a tree that sways and is detected as a person.
  const h = harness({
    masks: [
      [
        [0, 0],
        [0.5, 0],
        [0.5, 0.5],
        [0, 0.5],
      ],
    ],
  });
  h.frame(0, { started: [object(1, 'person', standingAt(100, 150)), object(2, 'person', standingAt(500, 150))] });
  assert.deepEqual(h.log(), ['start:person:2']);
  assert.equal(h.engine.counters().filtered.mask, 1);
});

test('a running event ignores observations inside a mask', () => {
  const h = harness({
    masks: [
      [
        [0, 0],
        [0.5, 0],
        [0.5, 0.5],
        [0, 0.5],
      ],
    ],
  });
  h.frame(0, { started: [object(1, 'person', standingAt(500, 150))] });
  h.frame(1000, { updated: [object(1, 'person', standingAt(100, 150), 0.99)] });
  h.frame(2000, { ended: [gone(1)] });
  const end = h.messages.at(-1)?.event;
  assert.deepEqual(end?.box, standingAt(500, 150));
  assert.equal(end?.score, 0.9);
  assert.equal(end?.endMs, 1000, 'the masked observation still says the object was there');
});
