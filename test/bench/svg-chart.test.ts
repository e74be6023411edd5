/** The density chart (bench/lib/svg-chart.ts, densityChart): well-formed SVG with both series, axes and the budget. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { densityChart, densityPlan, type DensityLevel } from '../../bench/density.ts';
import { escapeXml, lineChart, niceTicks } from '../../bench/lib/svg-chart.ts';
import { parseSvg } from './xml.ts';

function level(cameras: number, p99Ms: number, dropShare: number, completed = true): DensityLevel {
  const zero = { median: 0, min: 0, max: 0 };
  return {
    workers: 2,
    cameras,
    holdS: 10,
    offeredFps: 5,
    analysedFps: 5,
    published: 1,
    dropped: 0,
    dropShare,
    cropsPerCameraS: 4,
    latency: { p50Ms: 1, p99Ms, meanMs: 1, count: 100, over50: 0 },
    p99PerWindowMs: zero,
    cpuPercent: zero,
    otherCpuPercent: zero,
    loopLagP99Ms: zero,
    loopLagMaxMs: 0,
    rssPerCameraMB: 4,
    sustained: p99Ms < 50,
    failures: [],
    completed,
    windows: 5,
    settleS: 1,
    cpuPercentPerCamera: 0.1,
    pipedCameras: completed ? cameras : null,
  };
}

test('the density chart is well-formed XML with the p99 and drops series, the budget line and axis labels', () => {
  const plan = densityPlan({ from: 200, step: 200, max: 1400, budgetMs: 50 }, false, 2);
  const svg = densityChart(plan, [
    level(200, 1, 0),
    level(400, 12, 0),
    level(600, 37, 0.002),
    level(800, 553, 0.12),
    level(1000, 0, 0, false),
  ]);
  const parsed = parseSvg(svg);
  assert.equal(parsed.root, '{http://www.w3.org/2000/svg}svg');
  assert.deepEqual(parsed.series, ['p99 capture-to-result ms', 'dropped %']);
  assert.match(svg, />budget 50 ms</);
  assert.match(svg, />1% dropped</);
  assert.match(svg, />cameras</);
  assert.match(svg, /p99 capture-to-result \(ms\)/);
  // Four completed levels: four markers a series; the level that did not complete leaves a gap.
  assert.equal(svg.match(/<circle /g)?.length, 8);
});

test('text in a chart is escaped, so a title with markup stays well-formed', () => {
  const svg = lineChart({
    title: 'a < b & "c"',
    xLabel: 'x',
    leftLabel: 'l',
    rightLabel: 'r',
    x: [1, 2],
    series: [
      { name: "o'k", values: [1, null], axis: 'left', color: 'red' },
      { name: 'r', values: [3, 4], axis: 'right', color: 'blue' },
    ],
  });
  assert.deepEqual(parseSvg(svg).series, ["o'k", 'r']);
  assert.equal(escapeXml('<&>"\''), '&lt;&amp;&gt;&quot;&apos;');
});

test('axis ticks are round numbers that cover the data', () => {
  assert.deepEqual(niceTicks(0, 1400), [0, 500, 1000, 1500]);
  assert.deepEqual(niceTicks(0, 0.42), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.deepEqual(niceTicks(0, 50 * 1.05), [0, 20, 40, 60]);
});
