import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '../../bench/pipeline.ts';

// The scenario in --quick mode (tiny N, seconds): checks that every part runs and reports; never timing.
test('the pipeline bench runs its synthetic ramp, placements and RTSP ramp in quick mode and reports each level', async () => {
  const report = await run({ quick: true });
  assert.equal(report.scenario, 'pipeline');
  assert.equal(report.quick, true);

  const [synthetic] = report.synthetic.levels;
  assert.ok(synthetic, 'one synthetic level');
  assert.equal(synthetic.cameras, 2);
  assert.equal(
    synthetic.placement.reduce((a, b) => a + b, 0),
    2,
    'every camera placed on a worker',
  );
  assert.ok(synthetic.published > 0 && synthetic.latency.count > 0, 'frames were published and analysed');
  assert.equal(synthetic.pipedCameras, 2, "every camera's worker read frames from the camera's frame pipe");
  assert.equal(synthetic.pipesEnded, 0, 'no pipe ended before the level detached it');
  assert.ok(synthetic.feederWritten > 0, 'the feeder process wrote frames into the pipes');
  // A ring gets frames only from its pipe: never more than the feeder wrote, give or take the frames in flight at the hold's edges.
  assert.ok(
    synthetic.published <= synthetic.feederWritten + synthetic.cameras,
    `published ${synthetic.published} <= written ${synthetic.feederWritten} + ${synthetic.cameras}`,
  );
  assert.equal(typeof synthetic.feederCpuPercent.median, 'number');
  assert.equal(synthetic.analysedFps > 0, true);
  assert.ok(synthetic.cropsPerCameraS > 0, "candidates were cropped into the cameras' crop slabs, as the site does");
  for (const key of ['median', 'min', 'max'] as const) assert.equal(typeof synthetic.cpuPercent[key], 'number');
  assert.equal(typeof synthetic.rssPerCameraMB, 'number');
  assert.equal(synthetic.sustained, synthetic.failures.length === 0);
  assert.equal(report.synthetic.workers.length, report.plan.synthetic.workers.length);

  assert.deepEqual(
    report.placement.map((p) => p.workers),
    report.plan.placement.workers,
  );
  assert.ok(report.placement.some((p) => p.label === 'one per camera'));
  for (const p of report.placement) assert.equal(p.runs.length, report.plan.placement.rounds);

  const [rtsp] = report.rtsp.levels;
  assert.ok(rtsp, 'one RTSP level');
  assert.equal(rtsp.cameras, 2);
  assert.ok(rtsp.published > 0, 'ffmpeg delivered frames from the RTSP server');
  assert.ok(rtsp.ffmpegCpuPercent.median >= 0 && rtsp.serverCpuPercent.median >= 0);
  assert.match(rtsp.encoder, /\w+/);

  assert.equal(report.targets.synthetic.met, false, 'quick mode never claims a target');
  assert.match(report.recommendation, /^Recommendation: /);
});
