/** The recording bench in quick mode through the harness: its five contenders, and uniform cases that name the baseline. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { RecordingReport } from '../../bench/recording.ts';
import type { RunFile } from '../../bench/lib/results.ts';

const RUNNER = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-bench-recording-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the recording bench runs in quick mode: recorder, ingest alone, plain ffmpeg and the two main-stream layouts, each with CPU and disk a camera', () => {
  const file = path.join(dir, 'recording.json');
  execFileSync(process.execPath, ['--import', 'tsx', RUNNER, 'recording', '--quick', '--json', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  });
  const run = JSON.parse(readFileSync(file, 'utf8')) as RunFile;
  const report = run.reports['recording'] as RecordingReport;
  assert.equal(report.cameras, 2);
  assert.deepEqual(
    report.rows.map((r) => r.impl),
    ['panoptes-recording', 'panoptes-analysis-only', 'ffmpeg-segment', 'panoptes-dual-own-process', 'panoptes-dual-one-ffmpeg'],
  );
  const disk = Object.fromEntries(report.rows.map((r) => [r.impl, r.diskMbPerMin.median]));
  assert.ok((disk['panoptes-recording'] ?? 0) > 0, 'the recorder wrote segments');
  assert.ok((disk['ffmpeg-segment'] ?? 0) > 0, 'plain ffmpeg wrote segments');
  assert.equal(disk['panoptes-analysis-only'], 0, 'analysis alone writes nothing');
  assert.ok((disk['panoptes-dual-own-process'] ?? 0) > 0, 'the main-stream recorder in its own ffmpeg wrote segments');
  assert.ok((disk['panoptes-dual-one-ffmpeg'] ?? 0) > 0, 'the one-ffmpeg layout wrote segments');
  const added = run.cases.find((c) => c.scenario === 'recording' && c.impl === 'panoptes-recording-added');
  assert.equal(added?.baseline, 'ffmpeg-segment');
  assert.equal(added?.headline, true);
});
