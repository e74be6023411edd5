/**
 * The detect scenario through the bench command line, in --quick mode (one level of two RTSP cameras
 * a pipeline, a few seconds held): both pipelines run through the real site and the shipped detector,
 * and the report and its cases come out whole. Checks the shape and what must hold at any speed
 * (frames were analysed, the detector ran, the naive pipeline sent every analysed frame whole), never
 * timings or verdicts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectReport } from '../../bench/detect.ts';
import { runQuickBench } from './quick-run.ts';

test('detect --quick runs the gated and the naive pipeline over RTSP clips with the shipped detector and reports both capacities', () => {
  const { stdout, run } = runQuickBench('detect', 240_000);
  const report = run.reports['detect'] as DetectReport;
  assert.equal(report.scenario, 'detect');
  assert.equal(report.quick, true);
  assert.deepEqual(report.plan.levels, [2]);
  assert.deepEqual(report.levels.map((l) => l.pipeline).sort(), ['gated', 'naive'], 'both pipelines ran the level');
  for (const l of report.levels) {
    assert.equal(l.completed, true, `${l.pipeline} completed: ${l.failures.join('; ')}`);
    assert.equal(l.cameras, 2);
    assert.ok(l.analysedFpsPerCamera > 0, `${l.pipeline}: frames were analysed`);
    assert.ok(l.inferencesPerSecond > 0, `${l.pipeline}: the detector ran`);
    assert.ok(l.regionsWanted > 0 && l.lost !== null);
    assert.equal(l.sustained, l.failures.length === 0);
    assert.ok(l.cpuPercent.own > 0 && l.cpuPercent.ffmpeg > 0, `${l.pipeline}: CPU of the process and its ffmpegs measured`);
  }
  const naive = report.levels.find((l) => l.pipeline === 'naive');
  // Gating off: every analysed frame is one full-frame region (sent, skipped by the governor, or dropped), none from motion.
  assert.equal(naive?.lost?.maxRegions, 0);
  assert.deepEqual(
    report.capacity.map((c) => c.pipeline),
    ['gated', 'naive'],
  );
  assert.match(report.answer, /^Capacity \(640x360 H\.264 @ 5 fps, \d+% of cameras busy\): gated: .*; naive: .*/);
  assert.ok(Array.isArray(report.machine['loadAverageBefore']), 'the load average is part of the report');

  const capacity = run.cases.filter((c) => c.scenario === 'detect' && c.metric === 'cameras' && c.headline);
  assert.deepEqual(
    capacity.map((c) => c.impl),
    ['gated', 'naive'],
  );
  assert.equal(capacity[0]?.baseline, 'naive');
  assert.match(stdout, /^ {2}pipeline +N +settle s/m, 'the level table');
});
