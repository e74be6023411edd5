import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TrackGate } from '../../src/channel/track-gate.ts';
import { BOX_FIELDS, MAX_TRACKED_BOXES, TrackedBoxes } from '../../src/channel/tracked-boxes.ts';
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
    assert.equal(gate.explains(limbs, 200), true);
    assert.equal(gate.explains(limbs, 400), true);
    // 590 ms after the last detection (capture jitter): nearer the interval than the next frame would be.
    assert.equal(gate.explains(limbs, 590), false);
  });

  test('motion outside every tracked box goes at once', () => {
    const gate = gateWith(600, [person]);
    assert.equal(gate.explains([...limbs, { x: 400, y: 50, width: 30, height: 60 }], 200), false);
    assert.equal(gate.explains([{ x: 130, y: 100, width: 60, height: 100 }], 400), false, 'half outside the person');
  });

  test('tracked boxes move with their velocity to the frame time', () => {
    // The person walks right at 100 px/s; the table is 400 ms old: they are 40 px further on.
    const moved = limbs.map((b) => ({ ...b, x: b.x + 40 }));
    assert.equal(gateWith(1000, [{ ...person, vx: 100 }]).explains(moved, 400), true);
    const farther = limbs.map((b) => ({ ...b, x: b.x + 60 }));
    assert.equal(gateWith(1000, [{ ...person, vx: 0 }]).explains(farther, 400), false, 'standing still they would not be there');
  });

  test('late tracks (results seconds behind) still explain motion along their path', () => {
    // The pool is 2 s behind: sending every frame of a walker now would triple the demand that made it late.
    const walked = limbs.map((b) => ({ ...b, x: b.x + 200 }));
    assert.equal(gateWith(5000, [{ ...person, vx: 100 }], 0).explains(walked, 2000), true);
    assert.equal(
      gateWith(5000, [{ ...person, vx: 100 }], 0).explains([{ x: 500, y: 100, width: 30, height: 60 }], 2000),
      false,
      'new motion elsewhere',
    );
  });

  test('no tracks, stale tracks or interval 0 explain nothing', () => {
    const empty = new TrackGate(new TrackedBoxes(), 600);
    empty.sent(0);
    assert.equal(empty.explains(limbs, 200), false);
    assert.equal(gateWith(10_000, [person], 0).explains(limbs, 5100), false, 'tracks written 5.1 s before the frame');
    assert.equal(gateWith(0, [person]).explains(limbs, 200), false);
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
