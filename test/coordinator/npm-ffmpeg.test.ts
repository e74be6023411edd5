/**
 * The ffmpeg shipped in the npm package (@ffmpeg-installer, a 2018 build) is what a machine without a
 * system ffmpeg runs: every kind of camera must still come ONLINE and be analysed with it. An option
 * newer than that build (`-stats_period` once was) makes it refuse the whole command line.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { Gateway } from '../../src/coordinator/gateway.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { analysis, cameraSpec, lavfiSpec } from '../support/cameras.ts';
import { startMjpegServer, type MjpegServer } from '../support/mjpeg-server.ts';
import { startRtspServer, type RtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';

const npmFfmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
let gateway: Gateway;
let rtsp: RtspServer;
let mjpeg: MjpegServer;

before(async () => {
  rtsp = await startRtspServer({ mounts: 1, width: 320, height: 180, fps: 10, keyInterval: 10 });
  mjpeg = await startMjpegServer({ width: 320, height: 180 });
  gateway = new Gateway({ ffmpeg: resolveFfmpeg(npmFfmpeg), logger: pino({ level: 'silent' }), workers: 1 });
  gateway.start();
});
after(async () => {
  await gateway.stop();
  await mjpeg.stop();
  await rtsp.stop();
});

test('the npm package ffmpeg is an old build (major 4), and lavfi, file, RTSP and HTTP cameras are analysed with it', async () => {
  const ffmpeg = resolveFfmpeg(npmFfmpeg);
  assert.equal(ffmpeg.major, 4, `version ${ffmpeg.version}`);
  const cameras = await Promise.all([
    gateway.addCamera(lavfiSpec('synthetic'), analysis()),
    gateway.addCamera(cameraSpec('file', 'data/demo/crossing.mp4', { loop: true }), analysis()),
    gateway.addCamera(cameraSpec('rtsp', rtsp.url(0)), analysis()),
    gateway.addCamera(cameraSpec('mjpeg', mjpeg.url), analysis()),
  ]);
  for (const camera of cameras) {
    const id = camera.actor.spec.id;
    await waitFor(`${id} ONLINE with 10 frames`, () => camera.actor.state === 'ONLINE' && camera.actor.frames >= 10, 60_000);
  }
  for (const camera of cameras) assert.equal(camera.actor.state, 'ONLINE', camera.actor.spec.id);
});
