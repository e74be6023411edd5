/**
 * Uploads in a running site: a camera on the GStreamer RTSP server recording in events mode, an event
 * published on the site's bus, and its clip uploaded to nginx once the post-roll is recorded; the REST
 * API shows the upload on the event and /metrics counts it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { DetectionEvent } from '../../../src/analytics/events.ts';
import type { EventDetail } from '../../../src/outputs/site.ts';
import type { Site } from '../../../src/site/site.ts';
import { type NginxDav, startNginxDav } from '../../support/nginx-dav.ts';
import { startRtspServer, type RtspServer } from '../../support/rtsp-server.ts';
import { type StorageSite, startStorageSite } from '../../support/storage-site.ts';
import { waitFor } from '../../support/wait.ts';

const TOKEN = 'site-tok-77Zq';
let rtsp: RtspServer;
let nginx: NginxDav;
let running: StorageSite;
let site: Site;
let base: string;

before(async () => {
  rtsp = await startRtspServer({ mounts: 1, width: 320, height: 180, fps: 10, keyInterval: 10, pattern: 'smpte' });
  nginx = await startNginxDav(TOKEN);
  running = await startStorageSite({
    storage: `upload: { enabled: true, target: { type: http, url: "${nginx.base}{key}", token: "\${UPLOAD_TOKEN}" }, retry: { initialSeconds: 0.5, maxSeconds: 2 } }`,
    recordingsPrefix: 'panoptes-upload-rec-',
    config: `
gateway: { workers: 1 }
inference: { pool: { threads: 1 } }
cameras:
  - id: ev
    channel: 1
    streams: { primary: "${rtsp.url(0)}" }
    ai: { fps: 5, width: 320, height: 180, format: gray }
    recording: { mode: events, segmentSeconds: 2, preRollSeconds: 2, postRollSeconds: 2 }
`,
    env: { UPLOAD_TOKEN: TOKEN },
    site: { recordingDecisionLagMs: 1000 },
  });
  ({ site, base } = running);
});

after(async () => {
  await running?.stop();
  await rtsp?.stop();
  await nginx?.dispose();
});

test("an event's clip is uploaded once its post-roll is recorded; the event shows the upload and the metrics count it", async () => {
  const filed = () => site.recordingsNow()?.recorders()[0]?.segments ?? 0;
  await waitFor('two segments filed', () => filed() >= 2, 90_000);
  const startMs = Date.now();
  const event: DetectionEvent = {
    id: `${startMs}-up1`,
    camera: 'ev',
    label: 'person',
    score: 0.9,
    box: { x: 0, y: 0, width: 10, height: 10 },
    trackId: 1,
    startMs,
    endMs: null,
    bestShot: null,
    zones: [],
    face: null,
  };
  site.bus.publish({ type: 'start', event });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const endMs = Date.now();
  site.bus.publish({ type: 'end', event: { ...event, endMs } });
  const detail = async () => (await (await fetch(`${base}/events/${event.id}`)).json()) as EventDetail;
  await waitFor('the clip upload', async () => (await detail()).uploads[0]?.state === 'done', 120_000, 500);
  const [upload] = (await detail()).uploads;
  assert.equal(upload?.kind, 'clip');
  const day = new Date(startMs).toISOString().slice(0, 10);
  assert.equal(upload?.remote, `${nginx.base}ev/${day}/${event.id}.mp4`);
  const stored = path.join(nginx.root, 'uploads', 'ev', day, `${event.id}.mp4`);
  assert.equal(createHash('sha256').update(readFileSync(stored)).digest('hex'), upload?.sha256);
  const duration = Number(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', stored], { encoding: 'utf8' }).trim(),
  );
  const asked = (endMs - startMs) / 1000 + 4;
  // Whole: pre-roll, the event and the post-roll, give or take a key-frame interval and a segment edge.
  assert.ok(duration >= asked - 1.5 && duration <= asked + 2.5, `clip of ${duration} s for ${asked} s`);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^panoptes_upload_uploaded_total\{kind="clip"\} 1$/m);
  assert.match(metrics, /^panoptes_upload_queue_depth\{state="pending"\} 0$/m);
  assert.match(metrics, /^panoptes_upload_verified_total\{method="sha256-read-back"\} 1$/m, 'nginx answers no digest: read back');
  assert.ok(!metrics.includes(TOKEN));
});
