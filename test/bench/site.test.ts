/**
 * The site bench in quick mode through the harness, with --profile: the gateway started by the CLI and
 * the Python/OpenCV peer both handle frames of both scenes, the ratio is printed and kept in the uniform
 * cases, and the gateway's threads leave CPU profiles whose summary covers the hold. The numbers of a
 * quick run mean nothing; their shape is what is checked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { SiteReport } from '../../bench/site.ts';
import { runQuickBench } from './quick-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-bench-site-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the site bench runs in quick mode: Panoptes and the OpenCV peer analyse both scenes, the ratio is printed, --profile profiles every thread', () => {
  const { stdout, run } = runQuickBench('site', 400_000, ['--profile', '--results-dir', dir]);
  const report = run.reports['site'] as SiteReport;
  assert.equal(report.quick, true);
  assert.deepEqual(
    report.levels.map((l) => [l.scene, l.cameras]),
    [
      ['typical', 2],
      ['busy', 2],
    ],
  );
  for (const l of report.levels) {
    const what = `${l.scene} N=${l.cameras}`;
    assert.ok(l.panoptes.analysed > 0 && l.panoptes.analysedFps > 0, `${what}: the gateway analysed frames in the hold`);
    assert.ok(l.panoptes.cpuPercentPerCamera > 0 && Number.isFinite(l.panoptes.msPerFrame), `${what}: gateway CPU measured`);
    assert.ok(l.panoptes.rssMb > 0, `${what}: gateway RSS read`);
    assert.ok(l.peer.processed > 0 && l.peer.achievedFps > 0, `${what}: the peer processed frames in the hold`);
    assert.ok(l.peer.cpuPercentPerCamera > 0, `${what}: peer CPU measured`);
    assert.ok(Number.isFinite(l.ratio) && l.ratio > 0, `${what}: ratio ${l.ratio}`);
    // The gateway ran its channel workers and inference pool: a profile each, plus the main thread.
    assert.ok((l.profile?.threads.length ?? 0) >= 3, `${what}: ${l.profile?.threads.length} thread profiles`);
    assert.ok((l.profile?.top.length ?? 0) > 0 && (l.profile?.top.length ?? 0) <= 15, `${what}: top functions`);
    assert.ok(!l.profile?.top.some((t) => t.fn === 'atomicsWaitLoop'), `${what}: waiting in Atomics.wait is not counted as CPU`);
    // The CPU by thread: the coordinator, the named channel workers (one a core by default) and the rest.
    const t = l.panoptes.threads;
    assert.ok(t, `${what}: CPU split by thread`);
    assert.ok(t.coordinator.percent > 0 && t.coordinator.threads === 1, `${what}: coordinator ${JSON.stringify(t.coordinator)}`);
    assert.ok(t.channel.threads >= 1 && t.channel.percent > 0, `${what}: channel workers ${JSON.stringify(t.channel)}`);
    assert.ok(t.other.threads > 0, `${what}: V8 and libuv threads`);
  }
  // busy (testsrc2) moves on every frame: its regions reach the inference pool.
  assert.ok((report.levels[1]?.panoptes.results ?? 0) > 0, 'busy: inference results in the hold');
  assert.ok(report.profileDir?.startsWith(dir), `profiles under --results-dir: ${report.profileDir}`);
  const profiles = readdirSync(path.join(report.profileDir as string, 'busy-2')).filter((f) => f.endsWith('.cpuprofile'));
  assert.equal(profiles.length, report.levels[1]?.profile?.threads.length);
  assert.ok(
    readdirSync(dir).some((f) => /^site-\d{4}-\d\d-\d\d\.json$/.test(f)),
    'the report was written beside them',
  );

  const cases = run.cases.filter((c) => c.scenario === 'site' && c.headline);
  assert.equal(cases.length, 4);
  const ours = cases.filter((c) => c.impl === 'panoptes-site');
  assert.deepEqual(
    ours.map((c) => c.baseline),
    ['opencv-process-per-camera', 'opencv-process-per-camera'],
  );
  for (const c of ours) assert.ok(typeof c.ratio === 'number' && c.ratio > 0, `${c.case}: ratio to the peer`);
  assert.match(stdout, /peer\/panoptes/);
  assert.match(stdout, /typical N=2 by thread, % of one core: coordinator \d+\.\d\d, channel workers \d+\.\d\d \(\d+ threads\)/);
  assert.match(stdout, /typical +2 .* [\d.]+x/);
  assert.match(stdout, /profile busy N=2: .*site-profile-/);
});
