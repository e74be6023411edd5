/**
 * The density scenario through the bench command line, in --quick mode (two levels of a few cameras for
 * a couple of seconds): it runs, and writes its JSON, its SVG and the run file to the results dir given.
 * Checks the shape of what it wrote, never its timings.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { DensityReport } from '../../bench/density.ts';
import { resultPath } from '../../bench/lib/report.ts';
import type { RunFile } from '../../bench/lib/results.ts';
import { parseSvg } from './xml.ts';

const RUNNER = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-density-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('density --quick ramps two levels and writes its JSON and SVG to the results dir, and the run file with its cases', () => {
  const runFile = path.join(dir, 'run.json');
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', RUNNER, 'density', '--quick', '--results-dir', dir, '--json', runFile, '--markdown'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 180_000,
    },
  );
  const json = resultPath('density', 'json', dir);
  const svg = resultPath('density', 'svg', dir);
  assert.ok(existsSync(json) && existsSync(svg), `wrote ${json} and ${svg}`);

  const report = JSON.parse(readFileSync(json, 'utf8')) as DensityReport;
  assert.equal(report.scenario, 'density');
  assert.equal(report.quick, true);
  assert.deepEqual(report.plan.levels, [2, 4]);
  assert.equal(report.svg, svg);
  for (const level of report.levels) {
    assert.equal(level.completed, true, `N=${level.cameras} completed: ${level.failures.join('; ')}`);
    assert.ok(level.published > 0 && level.latency.count > 0, 'frames were published and analysed');
    assert.equal(level.pipedCameras, level.cameras, "every camera's frames came through its frame pipe");
    assert.equal(level.sustained, level.failures.length === 0);
  }
  const [capacity] = report.capacity;
  assert.ok(capacity, 'a capacity a worker count');
  assert.ok([0, 2, 4].includes(capacity.maxSustained));
  assert.match(report.answer, /^Capacity \(synthetic 640x360 @ 5 fps, W=\d+\): /);
  for (const key of ['cpu', 'cores', 'node', 'simd', 'ffmpeg', 'onnxruntime', 'gitCommit', 'gitDirty'])
    assert.ok(key in report.machine, `machine.${key}`);

  assert.deepEqual(parseSvg(readFileSync(svg, 'utf8')).series, ['p99 capture-to-result ms', 'dropped %']);

  const run = JSON.parse(readFileSync(runFile, 'utf8')) as RunFile;
  assert.equal(run.format, 'panoptes-bench-run/1');
  assert.deepEqual(Object.keys(run.reports), ['density']);
  assert.ok(run.cases.some((c) => c.scenario === 'density' && c.metric === 'cameras' && c.headline));
  assert.ok(run.cases.some((c) => c.metric === 'p99 ms' && c.samples === report.plan.windows));
  assert.match(stdout, /^\| case \| impl \| metric \| median \(min-max\) \| vs peer \|$/m, 'the --markdown results table');
});
