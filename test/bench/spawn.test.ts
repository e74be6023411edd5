/** The spawn scenario in --quick mode: both ways of starting a camera's ffmpeg timed, with the ratio to ours. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { casesOf } from '../../bench/lib/adapters.ts';
import { run } from '../../bench/spawn.ts';

test('the spawn bench times posix_spawn and Node spawn of the camera command line, with the ratio to ours', async () => {
  const report = await run({ quick: true });
  assert.deepEqual(
    report.rows.map((r) => r.impl),
    ['panoptes-posix-spawn', 'node-child-process-spawn'],
  );
  for (const row of report.rows) {
    assert.ok(row.msPerSpawn.median > 0 && row.msPerSpawn.min <= row.msPerSpawn.median, `${row.impl} was timed`);
    assert.ok(row.rssMb > 0);
  }
  assert.equal(report.rows[0]?.ratio, 1);
  const node = report.rows[1];
  assert.ok(node && Math.abs(node.ratio - node.msPerSpawn.median / (report.rows[0]?.msPerSpawn.median ?? 1)) < 1e-9);
  const cases = casesOf('spawn', report);
  assert.equal(cases.length, 2);
  assert.equal(cases[1]?.baseline, 'panoptes-posix-spawn');
});
