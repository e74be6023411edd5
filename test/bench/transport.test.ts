/**
 * The transport bench's harness, in --quick mode: it runs, covers every transport at every size, and
 * reports well-formed, positive figures. Never a timing assertion: the numbers are not compared.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport, measure, type TransportRow } from '../../bench/transport.ts';

const SIZES = [
  ['640x360 gray', 640 * 360],
  ['1920x1080 yuv420p', 1920 * 1080 * 1.5],
] as const;
const TRANSPORTS = ['ring', 'copy', 'transfer'];

function assertPositiveSummary(s: { median: number; min: number; max: number; samples: number[] }, what: string): void {
  assert.ok(s.samples.length > 0, `${what}: samples`);
  for (const v of [s.median, s.min, s.max, ...s.samples]) assert.ok(Number.isFinite(v) && v > 0, `${what}: ${v} is a positive number`);
  assert.ok(s.min <= s.median && s.median <= s.max, `${what}: min <= median <= max`);
}

test('the quick transport bench reports ring, copy and transfer at both frame sizes with positive figures', async () => {
  const report = await measure({ quick: true });
  assert.equal(report.scenario, 'transport');
  assert.equal(report.quick, true);
  for (const [size, bytes] of SIZES) {
    const rows = report.rows.filter((r) => r.size === size);
    const transports = rows.filter(
      (r): r is TransportRow & { allocation: NonNullable<TransportRow['allocation']> } => r.allocation !== null,
    );
    assert.deepEqual(
      transports.map((r) => r.transport),
      TRANSPORTS,
      `${size}: one row per transport`,
    );
    for (const row of rows) {
      const what = `${size} ${row.transport}`;
      assert.equal(row.frameBytes, bytes, `${what}: frame bytes`);
      assertPositiveSummary(row.latencyUs, `${what} latency`);
      assertPositiveSummary(row.mainBusyUs, `${what} main busy`);
      assert.ok(Number.isFinite(row.latencyRatioToRing) && row.latencyRatioToRing > 0, `${what}: ratio to the ring`);
    }
    for (const row of transports) {
      const what = `${size} ${row.transport}`;
      assertPositiveSummary(row.framesPerSecond as NonNullable<TransportRow['framesPerSecond']>, `${what} frames/s`);
      for (const side of [row.allocation.main, row.allocation.worker]) {
        assert.ok(Number.isFinite(side.bytesPerFrame), `${what}: bytes a frame is a number`);
        assert.ok(side.frames > 0 && side.windows > 0, `${what}: allocation windows were run`);
      }
      // The harness's own flow control: a torn frame or a ring_full drop would mean it overran the medium.
      assert.equal(row.torn, 0, `${what}: torn frames`);
      assert.equal(row.droppedFull, 0, `${what}: ring_full drops`);
    }
    assert.equal(rows.find((r) => r.transport === 'ring')?.latencyRatioToRing, 1);
  }
  assert.equal(typeof report.goal.met, 'boolean');
  assert.ok(report.goal.measured > 0);
  const text = formatReport(report);
  assert.match(text, /goal (met|missed)/);
  for (const row of report.rows) assert.ok(text.includes(row.transport), `the table names ${row.transport}`);
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'the report survives the JSON the harness writes');
});
