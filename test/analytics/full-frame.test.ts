/**
 * Whole-frame copies for best shots (src/analytics/full-frame.ts): shared by the shots of one frame,
 * back in the pool once the last holder lets go, and every way a best shot is dropped lets go.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BestShotSelector, type ShotFrame } from '../../src/analytics/best-shot.ts';
import { FramePool } from '../../src/analytics/frame-pool.ts';
import { FrameHold } from '../../src/analytics/full-frame.ts';

const W = 64,
  H = 36;

/** A gray frame filled with `value`, as a crop slab's whole snapshot holds it. */
const frameOf = (timeMs: number, value: number): ShotFrame => ({
  data: new Uint8Array(W * H).fill(value),
  format: 'gray',
  width: W,
  height: H,
  timeMs,
  whole: true,
});

describe('FrameHold', () => {
  test("one copy a frame, shared by its shots; the buffer is reused only after the last holder's release", () => {
    const pool = new FramePool();
    const hold = new FrameHold(pool);
    const a = hold.hold(frameOf(1, 10));
    const b = hold.hold(frameOf(1, 10));
    assert.equal(a, b, 'the same frame is copied once');
    assert.equal(a.refs, 2);
    a.release();
    assert.equal(pool.free, 0, 'one shot still holds it');
    assert.equal(b.data[0], 10);
    b.release();
    assert.equal(pool.free, 1);
    assert.equal(b.data.length, 0, 'a released copy reads empty, never the next frame');
    const c = hold.hold(frameOf(1, 30));
    assert.notEqual(c, a, 'a released copy is not handed out again, even for the same frame time');
    assert.equal(c.data[0], 30);
    assert.deepEqual([hold.copies, pool.stats.reused, pool.free], [2, 1, 0]);
    assert.throws(() => a.release(), /released more often than held/);
  });

  test('cameras share the pool: a buffer one camera let go serves the next copy of another', () => {
    const pool = new FramePool();
    const gate = new FrameHold(pool),
      yard = new FrameHold(pool);
    gate.hold(frameOf(1, 1)).release();
    const copy = yard.hold(frameOf(1, 2));
    assert.deepEqual([pool.stats.allocated, pool.stats.reused, pool.free], [1, 1, 0]);
    assert.equal(copy.data[0], 2);
  });
});

describe('best shots release their frames', () => {
  const subject = { box: { x: 8, y: 8, width: 20, height: 20 }, score: 0.9 };

  test('a replaced best shot, a rejected candidate, a dropped capture and a discarded track each let go', () => {
    const pool = new FramePool();
    const hold = new FrameHold(pool);
    const selector = new BestShotSelector();
    // A frame held for later regions (settle, undecided) copies its shots at once.
    const first = selector.capture(subject, frameOf(1, 1), hold);
    selector.settle([first], false);
    assert.equal(first?.frame?.refs, 1);
    assert.ok(selector.consider(1, first!), 'the first view is the best');
    assert.equal(first?.frame, null, "the candidate took the capture's frame");
    const best = selector.best(1)!;
    // A weaker view of the same track: its frame goes back at once.
    const weak = selector.capture({ ...subject, score: 0.3 }, frameOf(2, 2), hold);
    selector.settle([weak], false);
    assert.equal(selector.consider(1, weak!), false);
    assert.equal(pool.free, 1, 'the rejected view released its copy');
    // A better view replaces the best: the old best's frame goes back.
    const strong = selector.capture({ ...subject, score: 1 }, frameOf(3, 3), hold);
    assert.ok(selector.consider(1, strong!));
    assert.equal(best.frame, null);
    assert.equal(selector.best(1)?.frame?.data[0], 3, 'the new best holds its own frame');
    assert.equal(pool.free, 1, 'one buffer reused for frame 3, the replaced one freed');
    // A capture that matched no confirmed track.
    const stray = selector.capture(subject, frameOf(4, 4), hold);
    selector.settle([stray], false);
    selector.drop([stray, null]);
    assert.equal(stray?.frame, null);
    selector.discard(1);
    assert.deepEqual([pool.free, hold.copies, pool.stats.reused], [2, 4, 2], 'four copies in two buffers, both back');
    assert.equal(selector.size, 0);
  });
});
