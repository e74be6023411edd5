/**
 * A full recordings disk (a real tmpfs filled to ENOSPC) under a recording camera: the recorder fails
 * and says so, analysis never stops, and recording resumes by itself once there is space again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../../src/config/load.ts';
import { resolveFfmpeg } from '../../../src/ingest/ffmpeg-path.ts';
import { Site } from '../../../src/site/site.ts';
import { startRtspServer, type RtspServer } from '../../support/rtsp-server.ts';
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../../support/tmpfs.ts';
import { waitFor } from '../../support/wait.ts';
import { storageYaml } from '../../support/storage-dir.ts';

const noTmpfs = tmpfsUnavailable();
let rtsp: RtspServer | undefined;
let site: Site | undefined;
let tmpfs: Tmpfs | undefined;

before(async () => {
  if (noTmpfs) return;
  rtsp = await startRtspServer({ mounts: 1, width: 320, height: 180, fps: 10, keyInterval: 10, pattern: 'smpte' });
  tmpfs = mountTmpfs(8 * 1024 * 1024);
  const config = parseConfig(
    `
gateway: { workers: 1 }
inference: { pool: { threads: 1 } }
${storageYaml()}
recordings: { dir: "${tmpfs.dir}/rec", diskGuard: { minFreeMiB: 0, minFreePercent: 0 } }
cameras:
  - id: gate
    channel: 1
    streams: { primary: "${rtsp.url(0)}" }
    ai: { fps: 5, width: 320, height: 180, format: gray }
    recording: { mode: continuous, segmentSeconds: 1 }
`,
    { env: {} },
  );
  site = await Site.start(config, { ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }) });
});

after(async () => {
  await site?.stop();
  await rtsp?.stop();
  tmpfs?.unmount();
});

test('a full disk fails the recorder, not the camera, and recording resumes once space is freed', { skip: noTmpfs ?? false }, async () => {
  const running = site as Site;
  const recorder = () => running.recordingsNow()?.recorders()[0];
  const failures = () => Object.values(recorder()?.failures ?? {}).reduce((a, b) => a + b, 0);
  const frames = () => running.cameraMetrics('gate')?.framesIn ?? 0;
  await waitFor('a first segment', () => (recorder()?.segments ?? 0) >= 1, 60_000);

  (tmpfs as Tmpfs).fill();
  await waitFor('the recorder to report a failure', () => failures() > 0, 60_000);
  const before = frames();
  await waitFor('frames still analysed on a full disk', () => frames() >= before + 10, 30_000);
  assert.equal(running.camera('gate')?.state, 'ONLINE');
  const health = running.health();
  assert.equal(health.recording?.cameras[0]?.state, 'failing');
  assert.ok(
    health.reasons.some((r) => r.startsWith('recording failing on 1 camera(s): gate')),
    health.reasons.join('; '),
  );

  (tmpfs as Tmpfs).free();
  const filed = recorder()?.segments ?? 0;
  await waitFor('segments again once there is space', () => (recorder()?.segments ?? 0) >= filed + 2, 60_000);
});
