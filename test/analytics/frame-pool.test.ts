/**
 * The site's pool of spare whole-frame buffers (src/analytics/frame-pool.ts): reuse by size, a bound on
 * the bytes kept, and decay of buffers that sat unused a whole period, so a burst's leftovers do not
 * stay for the life of the process.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FramePool } from '../../src/analytics/frame-pool.ts';

const SIZE = 1000;

/** A pool on a clock the test moves. */
function poolAt(options: { maxBytes?: number; decayMs?: number } = {}) {
  const clock = { ms: 0 };
  const pool = new FramePool({ decayMs: 1000, ...options, now: () => clock.ms });
  return { pool, clock };
}

describe('FramePool', () => {
  test('hands a given buffer out again for the same size only', () => {
    const { pool } = poolAt();
    const a = pool.take(SIZE);
    pool.give(a);
    assert.notEqual(pool.take(SIZE * 2), a, 'another size gets a new buffer');
    assert.equal(pool.take(SIZE), a);
    assert.deepEqual(pool.stats, { allocated: 2, reused: 1, decayed: 0, overflowed: 0 });
    assert.equal(pool.freeBytes, 0);
  });

  test('keeps at most maxBytes of free buffers', () => {
    const { pool } = poolAt({ maxBytes: 2.5 * SIZE });
    const taken = [pool.take(SIZE), pool.take(SIZE), pool.take(SIZE)];
    for (const b of taken) pool.give(b);
    assert.equal(pool.free, 2);
    assert.equal(pool.freeBytes, 2 * SIZE);
    assert.equal(pool.stats.overflowed, 1);
  });

  test('a burst’s leftovers go within two periods; buffers in steady use stay', () => {
    const { pool, clock } = poolAt();
    // A burst: eight frames held at once, then all given back.
    const burst = Array.from({ length: 8 }, () => pool.take(SIZE));
    for (const b of burst) pool.give(b);
    assert.equal(pool.free, 8);
    // Steady use afterwards: two copies alive at a time, recycled every 100 ms.
    const step = () => {
      clock.ms += 100;
      const a = pool.take(SIZE),
        b = pool.take(SIZE);
      pool.give(a);
      pool.give(b);
    };
    for (let i = 0; i < 10; i++) step(); // first period: no history yet
    assert.equal(pool.free, 8, 'nothing decays before a full period of history');
    for (let i = 0; i < 10; i++) step(); // second period: six of eight were never taken
    assert.equal(pool.free, 2, 'the six unused buffers went, the two in use stayed');
    assert.equal(pool.stats.decayed, 6);
    for (let i = 0; i < 30; i++) step();
    assert.equal(pool.free, 2, 'steady use keeps its buffers');
    assert.equal(pool.stats.allocated, 8, 'and needs no new ones');
  });

  test('an idle pool empties on the timer’s decayWhenDue', () => {
    const { pool, clock } = poolAt();
    pool.give(pool.take(SIZE));
    clock.ms += 1000;
    pool.decayWhenDue();
    clock.ms += 1000;
    pool.decayWhenDue();
    assert.deepEqual([pool.free, pool.freeBytes, pool.stats.decayed], [0, 0, 1]);
  });
});
