import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../src/coordinator/backoff.ts';

test('reconnect delays double from 1 s up to the 30 s cap without jitter', () => {
  const backoff = new Backoff({ jitter: 0 });
  const delays = Array.from({ length: 8 }, () => backoff.next());
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('jitter keeps every delay within 10% of the exponential schedule', () => {
  for (const r of [0, 0.25, 0.5, 0.999]) {
    const backoff = new Backoff({}, () => r);
    const delays = Array.from({ length: 7 }, () => backoff.next());
    const bases = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
    delays.forEach((d, i) => {
      const base = bases[i] as number;
      assert.ok(d >= base * 0.9 && d <= base * 1.1, `delay ${d} vs base ${base}`);
    });
  }
  assert.equal(new Backoff({}, () => 0).next(), 900);
  assert.equal(new Backoff({}, () => 1).next(), 1100);
});

test('a reset starts the schedule again at the initial delay', () => {
  const backoff = new Backoff({ jitter: 0 });
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.next(), 1000);
  assert.equal(backoff.attempts, 1);
});
