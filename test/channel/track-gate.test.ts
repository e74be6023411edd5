import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TrackGate } from '../../src/channel/track-gate.ts';
import { BOX_FIELDS, MAX_QUIET_AREAS, MAX_TRACKED_BOXES, QUIET_FIELDS, TrackedBoxes } from '../../src/channel/tracked-boxes.ts';
import { startWorker } from '../../src/threads.ts';

const person = { x: 100, y: 100, width: 40, height: 100 };
/** Motion of the person's legs and torso, inside their box. */
const limbs = [
  { x: 105, y: 110, width: 30, height: 40 },
  { x: 110, y: 160, width: 25, height: 35 },
];

function gateWith(intervalMs: number, boxes: Array<typeof person & { vx?: number; vy?: number }>, timeMs = 0): TrackGate {
  const table = new TrackedBoxes();
  table.write(
    timeMs,
    boxes.map((b) => ({ vx: 0, vy: 0, ...b })),
  );
  const gate = new TrackGate(table, intervalMs);
  gate.sent(0);
  return gate;
}

describe('track gate', () => {
  test('motion inside a tracked box waits for the interval; the frame nearest the interval goes', () => {
    const gate = gateWith(600, [person]);
    assert.equal(gate.explain(limbs, 200), 'tracked');
    assert.equal(gate.explain(limbs, 400), 'tracked');
    // 590 ms after the last detection (capture jitter): nearer the interval than the next frame would be.
    assert.equal(gate.explain(limbs, 590), null);
  });

  test('motion outside every tracked box goes at once', () => {
    const gate = gateWith(600, [person]);
    assert.equal(gate.explain([...limbs, { x: 400, y: 50, width: 30, height: 60 }], 200), null);
    assert.equal(gate.explain([{ x: 130, y: 100, width: 60, height: 100 }], 400), null, 'half outside the person');
  });

  test('tracked boxes move with their velocity to the frame time', () => {
    // The person walks right at 100 px/s; the table is 400 ms old: they are 40 px further on.
    const moved = limbs.map((b) => ({ ...b, x: b.x + 40 }));
    assert.equal(gateWith(1000, [{ ...person, vx: 100 }]).explain(moved, 400), 'tracked');
    const farther = limbs.map((b) => ({ ...b, x: b.x + 60 }));
    assert.equal(gateWith(1000, [{ ...person, vx: 0 }]).explain(farther, 400), null, 'standing still they would not be there');
  });

  test('late tracks (results seconds behind) still explain motion along their path', () => {
    // The pool is 2 s behind: sending every frame of a walker now would triple the demand that made it late.
    const walked = limbs.map((b) => ({ ...b, x: b.x + 200 }));
    assert.equal(gateWith(5000, [{ ...person, vx: 100 }], 0).explain(walked, 2000), 'tracked');
    assert.equal(
      gateWith(5000, [{ ...person, vx: 100 }], 0).explain([{ x: 500, y: 100, width: 30, height: 60 }], 2000),
      null,
      'new motion elsewhere',
    );
  });

  test('no tracks, stale tracks or interval 0 explain nothing', () => {
    const empty = new TrackGate(new TrackedBoxes(), 600);
    empty.sent(0);
    assert.equal(empty.explain(limbs, 200), null);
    assert.equal(gateWith(10_000, [person], 0).explain(limbs, 5100), null, 'tracks written 5.1 s before the frame');
    assert.equal(gateWith(0, [person]).explain(limbs, 200), null);
  });

  test('motion inside an area the detector found empty waits for the interval, like a tracked object', () => {
    const table = new TrackedBoxes();
    // A person half outside the frame: their crop at 0 ms came back empty.
    const edge = { x: 0, y: 100, width: 50, height: 100 };
    table.write(0, [], [{ ...edge, timeMs: 0 }]);
    const gate = new TrackGate(table, 600);
    gate.sent(0);
    const grown = { ...edge, width: 60 };
    assert.equal(gate.explain([grown], 200), 'quiet', 'a few pixels more of them');
    assert.equal(gate.explain([{ ...edge, width: 90 }], 400), null, 'grown out of the area: looked at again at once');
    assert.equal(gate.explain([grown, { x: 400, y: 50, width: 30, height: 60 }], 400), null, 'new motion elsewhere');
    assert.equal(gate.explain([grown], 590), null, 'the interval: looked at again');
  });

  test('a frame with a tracked object and quiet motion is a quiet skip; old quiet areas explain nothing', () => {
    const table = new TrackedBoxes();
    table.write(0, [{ ...person, vx: 0, vy: 0 }], [{ x: 400, y: 50, width: 40, height: 60, timeMs: 0 }]);
    const gate = new TrackGate(table, 600);
    gate.sent(0);
    assert.equal(gate.explain(limbs, 200), 'tracked');
    assert.equal(gate.explain([...limbs, { x: 405, y: 55, width: 30, height: 50 }], 400), 'quiet');
    const old = new TrackedBoxes();
    old.write(5500, [], [{ x: 400, y: 50, width: 40, height: 60, timeMs: 0 }]);
    const late = new TrackGate(old, 600);
    late.sent(5400);
    assert.equal(late.explain([{ x: 405, y: 55, width: 30, height: 50 }], 5600), null, 'found empty 5.6 s before');
  });

  test('quiet areas do not add up: a box half in each of two areas is not explained', () => {
    const table = new TrackedBoxes();
    table.write(
      0,
      [],
      [
        { x: 0, y: 0, width: 40, height: 40, timeMs: 0 },
        { x: 100, y: 0, width: 40, height: 40, timeMs: 0 },
      ],
    );
    const gate = new TrackGate(table, 600);
    gate.sent(0);
    assert.equal(gate.explain([{ x: 0, y: 0, width: 140, height: 40 }], 200), null);
  });
});

describe('tracked boxes', () => {
  test('holds at most MAX_TRACKED_BOXES boxes and their time', () => {
    const table = new TrackedBoxes();
    const many = Array.from({ length: MAX_TRACKED_BOXES + 5 }, (_, i) => ({ x: i, y: 0, width: 1, height: 1, vx: 0, vy: 0 }));
    table.write(1234, many);
    const into = new Float64Array(MAX_TRACKED_BOXES * BOX_FIELDS);
    const time = new Float64Array(1);
    assert.equal(table.read(into, time), MAX_TRACKED_BOXES);
    assert.equal(time[0], 1234);
    assert.equal(into[(MAX_TRACKED_BOXES - 1) * BOX_FIELDS], MAX_TRACKED_BOXES - 1);
  });

  test('holds the newest MAX_QUIET_AREAS quiet areas beside the tracks', () => {
    const table = new TrackedBoxes();
    const areas = Array.from({ length: MAX_QUIET_AREAS + 3 }, (_, i) => ({ x: i, y: 0, width: 1, height: 1, timeMs: 100 + i }));
    table.write(50, [{ x: 7, y: 0, width: 1, height: 1, vx: 0, vy: 0 }], areas);
    const quiet = new Float64Array(MAX_QUIET_AREAS * QUIET_FIELDS);
    assert.equal(table.readQuiet(quiet), MAX_QUIET_AREAS);
    assert.deepEqual([quiet[0], quiet[4]], [3, 103], 'the three oldest went');
    assert.equal(quiet[(MAX_QUIET_AREAS - 1) * QUIET_FIELDS + 4], 100 + MAX_QUIET_AREAS + 2);
    const into = new Float64Array(MAX_TRACKED_BOXES * BOX_FIELDS);
    assert.equal(table.read(into, new Float64Array(1)), 1);
    assert.equal(into[0], 7);
    table.write(60, []);
    assert.equal(table.readQuiet(quiet), 0, 'a write without areas clears them');
  });

  test('a reader on another thread never sees a set torn by the writer', async () => {
    const table = new TrackedBoxes();
    const stop = new SharedArrayBuffer(4);
    const writer = startWorker(new URL('./fixtures/tracked-boxes-writer.ts', import.meta.url), { buffer: table.buffer, stop });
    const into = new Float64Array(MAX_TRACKED_BOXES * BOX_FIELDS);
    const time = new Float64Array(1);
    let consistent = 0;
    try {
      const until = Date.now() + 20_000;
      while (consistent < 20_000 && Date.now() < until) {
        const n = table.read(into, time);
        if (n === 0) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const g = time[0] as number;
        assert.equal(n, (g % 7) + 1, `generation ${g} wrote ${(g % 7) + 1} boxes, read ${n}`);
        for (let i = 0; i < n * BOX_FIELDS; i++) assert.equal(into[i], g, `field ${i} of generation ${g}`);
        consistent++;
      }
    } finally {
      Atomics.store(new Int32Array(stop), 0, 1);
      await new Promise((resolve) => writer.once('exit', resolve));
    }
    assert.ok(consistent >= 1000, `consistent reads while the writer ran: ${consistent}`);
  });
});
