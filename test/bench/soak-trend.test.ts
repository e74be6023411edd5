/**
 * The soak bench's trend (bench/fixtures/soak-trend.ts): the least-squares slope per hour, its interval
 * widened for autocorrelated samples, and the three verdicts against a threshold.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitTrend, verdictOf } from '../../bench/fixtures/soak-trend.ts';

/** Samples every 10 s for `minutes`, value = f(seconds). */
function series(minutes: number, f: (s: number) => number): Array<{ atS: number; value: number }> {
  return Array.from({ length: (minutes * 60) / 10 + 1 }, (_, i) => ({ atS: i * 10, value: f(i * 10) }));
}

/** Deterministic noise in (-1, 1): the Park-Miller sequence (exact in doubles). */
function noise(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 16_807) % 2_147_483_647;
    return x / 1_073_741_823.5 - 1;
  };
}

test('a straight line of 30 MB an hour is fitted exactly, from its value after warm-up to its value at the end', () => {
  const t = fitTrend(series(60, (s) => 400 + (30 * s) / 3600));
  assert.ok(Math.abs(t.perHour - 30) < 1e-9, `${t.perHour}`);
  assert.ok(Math.abs(t.from - 400) < 1e-9 && Math.abs(t.to - 430) < 1e-9, `${t.from} ${t.to}`);
  assert.equal(t.ci95PerHour, 0);
  assert.equal(verdictOf(t, 5), 'GROWS');
});

test('noise around a flat level gives a small trend whose interval lies below 5 MB an hour', () => {
  const r = noise(7);
  const t = fitTrend(series(60, () => 450 + 3 * r()));
  assert.ok(Math.abs(t.perHour) < 2, `${t.perHour}`);
  assert.ok(t.ci95PerHour > 0 && t.ci95PerHour < 3, `${t.ci95PerHour}`);
  assert.equal(verdictOf(t, 5), 'flat');
});

test('slowly wandering samples widen the interval, so a short hold of them is not called flat', () => {
  const r = noise(3);
  let level = 450;
  // A random walk: each sample is the previous one plus noise (strongly autocorrelated, like RSS).
  const walk = series(8, () => {
    level += 2 * r();
    return level;
  });
  const t = fitTrend(walk);
  assert.ok(t.r1 > 0.5, `lag-1 autocorrelation ${t.r1}`);
  assert.notEqual(verdictOf(t, 5), 'flat');
});

test('fewer than three points give no trend and an unclear verdict', () => {
  const t = fitTrend(series(0, () => 1));
  assert.equal(t.n, 1);
  assert.ok(Number.isNaN(t.perHour));
  assert.equal(verdictOf(t, 5), 'unclear');
});

test('a short fall that wobbles in long swings has too few independent samples for an interval: unclear', () => {
  // 16 samples a second apart, 24 MB down with a swing and a half on top (like RSS after a free): the
  // residuals keep their sign for runs of 5 samples, so r1 > (n - 2) / (n + 2) and n (1 - r) / (1 + r) <= 2.
  const n = 16;
  const fall = Array.from({ length: n }, (_, i) => ({
    atS: 4 + i,
    value: 234 - (24 * i) / (n - 1) + 8 * Math.sin((3 * Math.PI * (i + 1)) / (n + 1)),
  }));
  const t = fitTrend(fall);
  assert.ok(Math.abs(t.perHour + 5760) < 1e-6, `${t.perHour}`);
  assert.ok(t.r1 > (n - 2) / (n + 2), `lag-1 autocorrelation ${t.r1}`);
  assert.equal(t.ci95PerHour, Number.POSITIVE_INFINITY);
  assert.equal(verdictOf(t, 5), 'unclear');
});
