/** The full-frame scenario in --quick mode: every step measured, and the slab the same size either way. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '../../bench/full-frame.ts';
import { casesOf } from '../../bench/lib/adapters.ts';

test('the full-frame bench measures each step and finds whole snapshots cost no extra shared memory', async () => {
  const report = await run({ quick: true });
  assert.deepEqual(
    [...new Set(report.rows.map((r) => r.impl))],
    [
      'panoptes-region-snapshot',
      'panoptes-whole-snapshot',
      'panoptes-frame-hold',
      'panoptes-frame-convert',
      'panoptes-frame-convert-640',
      'panoptes-crop-encode',
      'panoptes-frame-encode',
      'panoptes-frame-encode-640',
    ],
  );
  for (const row of report.rows) assert.ok(row.usPerCall.median > 0, `${row.impl} was timed`);
  for (const m of report.memory) assert.equal(m.slabBytesWhole, m.slabBytesRegion);
  const frameJpeg = report.rows.find((r) => r.impl === 'panoptes-frame-encode');
  assert.ok(frameJpeg?.bytes && frameJpeg.bytes > 0, 'the frame JPEG has bytes');
  assert.equal(casesOf('full-frame', report).length, report.rows.length);
});
