/**
 * The soak bench in quick mode through the harness: the gateway started by the CLI with two cameras of
 * the typical scene, sampled every second for 20 s, every series read, each series' trend printed with a
 * verdict and kept in the report and the uniform cases. A quick run's trends mean nothing; their shape
 * is what is checked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SoakReport } from '../../bench/soak.ts';
import { runQuickBench } from './quick-run.ts';

test('the soak bench runs in quick mode: the gateway is sampled through the hold and every series gets a trend and a verdict', () => {
  const { stdout, run } = runQuickBench('soak', 300_000);
  const report = run.reports['soak'] as SoakReport;
  assert.equal(report.quick, true);
  assert.deepEqual([report.plan.cameras, report.plan.holdS, report.plan.warmupS], [2, 20, 4]);
  assert.ok(report.samples.length >= 15, `${report.samples.length} samples in 20 s`);
  for (const s of report.samples) {
    assert.ok(s.rssMb > 0 && s.rssAnonMb > 0 && s.rssAnonMb < s.rssMb, `RSS ${s.rssMb} MB, anonymous ${s.rssAnonMb} MB`);
    assert.ok(s.heapUsedMb > 0 && s.externalMb > 0 && s.heapUsedMb < s.rssMb, `heap ${s.heapUsedMb} MB, external ${s.externalMb} MB`);
    // stdio, the cameras' pipes and FIFOs, the database, sockets; the main thread, workers, libuv's pool.
    assert.ok(s.fds > 10 && s.threads > 4, `${s.fds} fds, ${s.threads} threads`);
  }
  assert.equal(report.window.analysing, 2, 'both cameras analysed to the end');
  assert.ok(report.window.analysedFps > 0, `${report.window.analysedFps} frames analysed a second a camera`);

  assert.deepEqual(
    report.trends.map((t) => t.series),
    ['rssMb', 'rssAnonMb', 'heapUsedMb', 'externalMb', 'fds', 'threads'],
  );
  for (const t of report.trends) {
    assert.ok(t.n >= 12 && t.n < report.samples.length, `${t.label}: ${t.n} samples after the warm-up`);
    assert.ok(Number.isFinite(t.perHour) && Number.isFinite(t.from) && Number.isFinite(t.to), `${t.label}: a fitted trend`);
    assert.match(t.verdict, /^(flat|GROWS|unclear)$/);
  }
  // A short hold whose RSS only climbs or falls has too few independent samples for an interval ('-').
  assert.match(stdout, /^ *RSS +MB +[\d.]+ +[\d.]+ +[-+]?[\d.]+ ± ([\d.]+ +< 5 +(flat|GROWS|unclear)|- +< 5 +unclear)$/m);
  assert.match(stdout, /2 of 2 cameras analysing at the end/);

  const cases = run.cases.filter((c) => c.scenario === 'soak');
  assert.equal(cases.length, 6);
  assert.deepEqual(
    cases.filter((c) => c.headline).map((c) => [c.case, c.metric]),
    [['RSS, N=2, trend', 'MB/h']],
  );
});
