/**
 * The live bench in quick mode through the harness: both sides run (the gateway's restream over its
 * WebSocket route, ffmpeg HLS behind nginx), every viewer receives video, and the uniform cases name
 * ffmpeg-hls as the peer. The numbers of a quick run mean nothing; their shape is what is checked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveReport } from '../../bench/live.ts';
import { runQuickBench } from './quick-run.ts';

test('the live bench runs in quick mode: Panoptes and ffmpeg HLS viewers receive video, with CPU a viewer, lag and the ratio printed', () => {
  const { stdout, run } = runQuickBench('live', 300_000);
  const report = run.reports['live'] as LiveReport;
  assert.equal(report.quick, true);
  assert.deepEqual(
    report.rows.map((r) => [r.side, r.viewers]),
    [
      ['panoptes', 4],
      ['ffmpeg-hls', 4],
    ],
  );
  for (const r of report.rows) {
    assert.ok(r.unitsPerSecond.median > 0 && r.mbitPerSecond.median > 0, `${r.side}: video delivered`);
    assert.equal(r.silent, 0, `${r.side}: every viewer received something in the hold`);
    assert.equal(r.lost, 0, `${r.side}: no viewer lost`);
    assert.ok(r.p50Ms.median >= 0 && r.p50Ms.median <= r.p99Ms.median, `${r.side}: 0 <= p50 <= p99`);
    // A quick hold is 3 s: two ffmpegs copying a small stream may take less than one 10 ms clock tick in it
    // (seen beside a CPU hog), so only that the figure was measured is checked, not that it is above 0.
    assert.ok(Number.isFinite(r.ffmpegPercent.median) && r.ffmpegPercent.median >= 0, `${r.side}: its ffmpegs were measured`);
  }
  // A fragment is one frame, a segment a whole second: the segment's oldest frame waits at least that long.
  const [ours, theirs] = report.rows;
  assert.ok((theirs?.p50Ms.median ?? 0) >= 1000, `HLS p50 ${theirs?.p50Ms.median} ms covers a 1 s segment`);
  assert.ok((ours?.p50Ms.median ?? Infinity) < 1000, `Panoptes p50 ${ours?.p50Ms.median} ms is below a segment`);
  const cases = run.cases.filter((c) => c.scenario === 'live');
  assert.equal(cases.length, 6);
  for (const c of cases.filter((x) => x.impl === 'panoptes')) {
    assert.equal(c.baseline, 'ffmpeg-hls', `${c.case}: names its peer`);
    // A 3 s hold beside a CPU hog may see no clock tick of the HLS side's CPU: no ratio then, never Infinity.
    const peerCpuZero = /cpu a viewer/.test(c.case) && (theirs?.perViewerPercent.median ?? 0) <= 0;
    assert.equal(typeof c.ratio, peerCpuZero ? 'object' : 'number', `${c.case}: ratio ${c.ratio}`);
  }
  assert.match(stdout, /CPU a viewer: panoptes \/ ffmpeg-hls = ([\d.e+-]+x|n\/a \(ffmpeg-hls measured 0 in the hold\))/);
  assert.match(stdout, /p99 lag: panoptes \/ ffmpeg-hls = [\d.e+-]+x/);
});
