/**
 * The coordinator's shared ticker (src/coordinator/shared-ticker.ts): checks of one period share one
 * timer, each runs every period until stopped, the timer goes with the last check, and a check that
 * throws neither stops the others nor is swallowed.
 */
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { SharedTicker } from '../../src/coordinator/shared-ticker.ts';

test('checks of one period run together from one timer, each every period, until stopped', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const ticker = new SharedTicker();
  const runs = { a: 0, b: 0, c: 0 };
  const stopA = ticker.every(1000, () => runs.a++);
  const stopB = ticker.every(1000, () => runs.b++);
  const stopC = ticker.every(250, () => runs.c++);
  assert.equal(ticker.timers, 2, 'one timer a period');
  t.mock.timers.tick(1000);
  assert.deepEqual(runs, { a: 1, b: 1, c: 4 });
  stopA();
  t.mock.timers.tick(1000);
  assert.deepEqual(runs, { a: 1, b: 2, c: 8 });
  stopB();
  stopC();
  assert.equal(ticker.timers, 0, 'the last check of a period takes its timer with it');
  t.mock.timers.tick(5000);
  assert.deepEqual(runs, { a: 1, b: 2, c: 8 });
});

test('the same function added twice runs twice a tick, and each stop ends one of them', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const ticker = new SharedTicker();
  let runs = 0;
  const check = (): void => {
    runs++;
  };
  const stopFirst = ticker.every(500, check);
  ticker.every(500, check);
  t.mock.timers.tick(500);
  assert.equal(runs, 2);
  stopFirst();
  stopFirst();
  t.mock.timers.tick(500);
  assert.equal(runs, 3, 'a second stop of the same check does not stop the other');
  assert.equal(ticker.timers, 1);
});

test('a check that throws: the others still run, and its error is thrown from the tick', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const ticker = new SharedTicker();
  const after = mock.fn();
  ticker.every(1000, () => {
    throw new Error('watchdog broke');
  });
  ticker.every(1000, after);
  assert.throws(() => t.mock.timers.tick(1000), /watchdog broke/);
  assert.equal(after.mock.callCount(), 1);
});

test('a check may stop itself or another while the tick runs', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const ticker = new SharedTicker();
  let runsB = 0;
  const stopB = ticker.every(1000, () => runsB++);
  const stopA = ticker.every(1000, () => {
    stopA();
    stopB();
  });
  t.mock.timers.tick(1000);
  t.mock.timers.tick(1000);
  assert.equal(runsB, 1, 'B ran in the first tick (before A stopped it), not after');
  assert.equal(ticker.timers, 0);
});
