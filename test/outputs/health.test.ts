import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { CameraState } from '../../src/coordinator/camera-state.ts';
import {
  assessHealth,
  defaultHealthThresholds,
  systemSnapshot,
  type HealthInput,
  type HealthThresholds,
} from '../../src/outputs/health.ts';

const GiB = 1024 ** 3;
const THRESHOLDS: HealthThresholds = defaultHealthThresholds(16 * GiB);

/** A calm machine: 1 GiB resident, 50 GiB free, load 1 on 4 cores. */
function input(states: CameraState[], overrides: Partial<HealthInput> = {}): HealthInput {
  return {
    cameras: states.map((state, i) => ({ id: `cam${i}`, state, enabled: true })),
    inference: { backend: 'onnx', degraded: false, atCapacity: false, reason: null },
    system: { rssBytes: GiB, heapUsedBytes: GiB / 4, loadAverage1m: 1, cores: 4, diskFreeBytes: 50 * GiB },
    uptimeMs: 1234,
    ...overrides,
  };
}

const withSystem = (system: Partial<HealthInput['system']>): HealthInput => {
  const base = input(['ONLINE']);
  return { ...base, system: { ...base.system, ...system } };
};

test('a site with every enabled stream online and a calm machine is healthy with no reasons', () => {
  const report = assessHealth(input(['ONLINE', 'ONLINE']), THRESHOLDS);
  assert.equal(report.status, 'healthy');
  assert.deepEqual(report.reasons, []);
  assert.deepEqual(report.streams, { online: 2, total: 2, enabled: 2 });
  assert.equal(report.uptimeMs, 1234);
  assert.deepEqual(report.cameras, [
    { id: 'cam0', state: 'ONLINE', health: 'healthy' },
    { id: 'cam1', state: 'ONLINE', health: 'healthy' },
  ]);
});

test('no enabled stream online is critical', () => {
  const report = assessHealth(input(['OFFLINE', 'CIRCUIT_OPEN', 'DISABLED']), THRESHOLDS);
  assert.equal(report.status, 'critical');
  assert.deepEqual(report.reasons, ['no enabled stream is online (0 of 2)']);
  assert.deepEqual(report.streams, { online: 0, total: 3, enabled: 2 });
});

test('one stream online out of several is degraded, not critical, and names the others', () => {
  const report = assessHealth(input(['ONLINE', 'STALLED', 'CIRCUIT_OPEN']), THRESHOLDS);
  assert.equal(report.status, 'degraded');
  assert.deepEqual(report.reasons, ['2 of 3 enabled streams not online: cam1 STALLED, cam2 CIRCUIT_OPEN']);
});

test('the not-online reason names a few cameras and counts the rest', () => {
  const report = assessHealth(input(['ONLINE', ...Array<CameraState>(12).fill('OFFLINE')]), THRESHOLDS);
  assert.match(report.reasons[0] ?? '', /^12 of 13 enabled streams not online: cam1 OFFLINE, .*cam8 OFFLINE and 4 more$/);
});

test('disabled cameras and cameras not expected to stream are listed but never counted', () => {
  const base = input(['ONLINE', 'DISABLED']);
  const cameras = [...base.cameras, { id: 'paused', state: 'OFFLINE' as const, enabled: false }];
  const report = assessHealth({ ...base, cameras }, THRESHOLDS);
  assert.equal(report.status, 'healthy');
  assert.deepEqual(report.streams, { online: 1, total: 3, enabled: 1 });
  assert.deepEqual(
    report.cameras.map((c) => c.health),
    ['healthy', 'healthy', 'healthy'],
  );
});

test('a site with no enabled camera is not critical', () => {
  assert.equal(assessHealth(input(['DISABLED']), THRESHOLDS).status, 'healthy');
  assert.equal(assessHealth(input([]), THRESHOLDS).status, 'healthy');
});

test('per camera: ONLINE is healthy, CONNECTING and STALLED degraded, OFFLINE and CIRCUIT_OPEN critical', () => {
  const report = assessHealth(input(['ONLINE', 'CONNECTING', 'STALLED', 'OFFLINE', 'CIRCUIT_OPEN']), THRESHOLDS);
  assert.deepEqual(
    report.cameras.map((c) => c.health),
    ['healthy', 'degraded', 'degraded', 'critical', 'critical'],
  );
  assert.equal(report.status, 'degraded', 'one critical camera does not make the site critical');
});

test('degraded inference makes the site degraded and says events are motion-only', () => {
  const degraded = { backend: 'onnx', degraded: true, atCapacity: false, reason: 'model failed to load' };
  const report = assessHealth(input(['ONLINE'], { inference: degraded }), THRESHOLDS);
  assert.equal(report.status, 'degraded');
  assert.deepEqual(report.reasons, ['inference backend onnx is degraded: events are motion-only until it recovers (model failed to load)']);
  assert.deepEqual(report.inference, degraded);
});

test("inference at capacity makes the site degraded with the governor's reason", () => {
  const reason = 'inference at capacity: queue wait 900 ms > 500 ms';
  const report = assessHealth(input(['ONLINE'], { inference: { backend: 'onnx', degraded: false, atCapacity: true, reason } }), THRESHOLDS);
  assert.equal(report.status, 'degraded');
  assert.deepEqual(report.reasons, [reason]);
});

test('a site without inference reports backend none and stays healthy', () => {
  const report = assessHealth(input(['ONLINE'], { inference: null }), THRESHOLDS);
  assert.equal(report.status, 'healthy');
  assert.deepEqual(report.inference, { backend: 'none', degraded: false, atCapacity: false, reason: null });
});

test('memory above the warning limit is degraded and above the critical limit is critical', () => {
  assert.equal(assessHealth(withSystem({ rssBytes: 11 * GiB }), THRESHOLDS).status, 'healthy', '11 of 16 GiB is under 75%');
  const warn = assessHealth(withSystem({ rssBytes: 13 * GiB }), THRESHOLDS);
  assert.equal(warn.status, 'degraded');
  assert.deepEqual(warn.reasons, ['memory: resident set 13.0 GiB is above the warning limit 12.0 GiB']);
  const critical = assessHealth(withSystem({ rssBytes: 15 * GiB }), THRESHOLDS);
  assert.equal(critical.status, 'critical');
  assert.deepEqual(critical.reasons, ['memory: resident set 15.0 GiB is above the critical limit 14.4 GiB']);
});

test('low free disk is degraded, very low free disk is critical, and an unknown disk is not judged', () => {
  assert.equal(assessHealth(withSystem({ diskFreeBytes: 2 * GiB }), THRESHOLDS).status, 'healthy');
  const warn = assessHealth(withSystem({ diskFreeBytes: 512 * 1024 ** 2 }), THRESHOLDS);
  assert.equal(warn.status, 'degraded');
  assert.deepEqual(warn.reasons, ['disk: 512 MiB free, below the warning minimum 1.0 GiB']);
  const critical = assessHealth(withSystem({ diskFreeBytes: 50 * 1024 ** 2 }), THRESHOLDS);
  assert.equal(critical.status, 'critical');
  assert.deepEqual(critical.reasons, ['disk: 50 MiB free, below the critical minimum 100 MiB']);
  assert.equal(assessHealth(withSystem({ diskFreeBytes: null }), THRESHOLDS).status, 'healthy');
});

test('a load average above the per-core limit is degraded', () => {
  assert.equal(assessHealth(withSystem({ loadAverage1m: 6, cores: 4 }), THRESHOLDS).status, 'healthy', '1.5 a core exactly is the limit');
  const busy = assessHealth(withSystem({ loadAverage1m: 6.4, cores: 4 }), THRESHOLDS);
  assert.equal(busy.status, 'degraded');
  assert.deepEqual(busy.reasons, ['CPU: load average 6.4 on 4 cores is above 1.5 a core']);
});

test('a problem an output reports (a degraded MQTT outbox) raises the status to its level with its reason', () => {
  const reason = 'mqtt outbox data/outbox cannot be written (ENOSPC: no space left on device, write)';
  const report = assessHealth(input(['ONLINE'], { problems: [{ level: 'degraded', reason }] }), THRESHOLDS);
  assert.equal(report.status, 'degraded');
  assert.deepEqual(report.reasons, [reason]);
  assert.equal(assessHealth(input(['ONLINE'], { problems: [] }), THRESHOLDS).status, 'healthy');
});

test('the status is the worst of all rules and every reason is kept', () => {
  const base = input(['ONLINE', 'STALLED'], { inference: { backend: 'onnx', degraded: false, atCapacity: true, reason: null } });
  const report = assessHealth({ ...base, system: { ...base.system, diskFreeBytes: 10 * 1024 ** 2 } }, THRESHOLDS);
  assert.equal(report.status, 'critical');
  assert.deepEqual(report.reasons, [
    '1 of 2 enabled streams not online: cam1 STALLED',
    'inference at capacity: analysis rates are lowered',
    'disk: 10 MiB free, below the critical minimum 100 MiB',
  ]);
});

test('the system snapshot reads this process, the machine and the free space of a directory', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-health-'));
  try {
    const snapshot = systemSnapshot(dir);
    assert.ok(snapshot.rssBytes > 0 && snapshot.heapUsedBytes > 0 && snapshot.heapUsedBytes < snapshot.rssBytes);
    assert.ok(snapshot.cores >= 1 && snapshot.loadAverage1m >= 0);
    const fs = await statfs(dir);
    const free = fs.bavail * fs.bsize;
    assert.ok(
      snapshot.diskFreeBytes !== null && Math.abs(snapshot.diskFreeBytes - free) < 256 * 1024 ** 2,
      'matches statfs of the directory',
    );
    assert.equal(systemSnapshot(path.join(dir, 'missing')).diskFreeBytes, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
