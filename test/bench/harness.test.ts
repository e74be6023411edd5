/**
 * The harness end to end on the scenarios no other bench test runs (kernels, jpeg, detect-size), in --quick mode:
 * each runs through bench/run.ts, every report turns into uniform cases, and the end-of-run table
 * lists them. (transport, pipeline and density have their own tests; inference is its own issue's.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { RunFile } from '../../bench/lib/results.ts';

const RUNNER = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-harness-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('kernels and jpeg run in quick mode through the harness, and their results come back as cases with a peer', () => {
  const file = path.join(dir, 'run.json');
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', RUNNER, 'kernels', 'jpeg', '--quick', '--json', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  });
  const run = JSON.parse(readFileSync(file, 'utf8')) as RunFile;
  assert.deepEqual(Object.keys(run.reports), ['kernels', 'jpeg']);
  assert.equal(run.quick, true);
  assert.match(String(run.machine.simd?.active), /^(scalar|avx2|avx512|neon)$/);
  for (const scenario of ['kernels', 'jpeg']) {
    const mine = run.cases.filter((c) => c.scenario === scenario);
    assert.ok(mine.length > 0, `${scenario} has cases`);
    for (const c of mine) {
      assert.ok(c.min <= c.median && c.median <= c.max, `${c.case} ${c.impl}: min <= median <= max`);
      assert.ok(c.samples >= 3, `${c.case} ${c.impl}: repeated trials`);
      assert.notEqual(c.baseline, null, `${c.case} ${c.impl}: names its peer`);
    }
  }
  assert.match(stdout, /^Results \(/m);
  assert.match(stdout, /x (faster|SLOWER) than opencv-/);
});

test('detect-size runs in quick mode through the harness: ring bytes, motion a frame against the whole plane, ffmpeg a frame, per size', () => {
  const file = path.join(dir, 'detect-size.json');
  execFileSync(process.execPath, ['--import', 'tsx', RUNNER, 'detect-size', '--quick', '--json', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  });
  const run = JSON.parse(readFileSync(file, 'utf8')) as RunFile;
  const report = run.reports['detect-size'] as { rows: Array<{ size: string; ringBytes: number }> };
  assert.deepEqual(
    report.rows.map((r) => r.size),
    ['640x360', '960x540', '1280x720'],
  );
  // Four yuv420p slots (1.5 bytes a pixel) plus the ring's small header.
  for (const r of report.rows) {
    const [w, h] = r.size.split('x').map(Number) as [number, number];
    assert.ok(r.ringBytes >= 4 * w * h * 1.5 && r.ringBytes < 4 * w * h * 1.5 + 4096, `${r.size}: ${r.ringBytes} bytes`);
  }
  const cases = run.cases.filter((c) => c.scenario === 'detect-size');
  assert.equal(cases.length, 9);
  for (const c of cases) {
    assert.ok(c.min <= c.median && c.median <= c.max && c.samples >= 3, `${c.case} ${c.impl}`);
    if (c.headline) assert.notEqual(c.baseline, null, `${c.case} ${c.impl}: names its peer`);
  }
});
