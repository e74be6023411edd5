/**
 * Every input kind a camera URL can name, each against a real server started here: rtsps:// (GStreamer
 * over TLS), RTSP with the TCP -> UDP fallback, HLS and MJPEG over HTTP. Cameras run in a real gateway,
 * so "analysed" means frames reached a channel worker through the ring.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Counter } from '../../src/channel/stats.ts';
import type { CameraTransition } from '../../src/coordinator/camera-state.ts';
import { Gateway, type GatewayCamera } from '../../src/coordinator/gateway.ts';
import { ffmpegArgs, type IngestSpec } from '../../src/ingest/ffmpeg-args.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { analysis, cameraSpec } from '../support/cameras.ts';
import { startLiveHls, writeHlsVod } from '../support/hls.ts';
import { startMjpegServer } from '../support/mjpeg-server.ts';
import { startRtspServer, type RtspServer } from '../support/rtsp-server.ts';
import { startStaticHttpServer } from '../support/static-http-server.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import { waitFor } from '../support/wait.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-inputs-'));
const logLines: string[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);
const transitions: CameraTransition[] = [];
const of = (id: string): CameraTransition[] => transitions.filter((t) => t.camera === id);
const statesOf = (id: string): string =>
  of(id)
    .map((t) => t.to)
    .join(' > ');
let gateway: Gateway;

before(() => {
  gateway = new Gateway({ ffmpeg: resolveFfmpeg(), logger, workers: 1 });
  gateway.onTransition((t) => transitions.push(t));
  gateway.start();
});
after(async () => {
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Retries every 100 ms without the circuit opening, to count failed attempts quickly. */
const QUICK_RETRIES = {
  backoff: { initialMs: 100, factor: 1, maxMs: 100, jitter: 0 },
  circuit: { failureThreshold: 100, openMs: 1000, halfOpenMaxTrials: 1, successThreshold: 1 },
};

async function analysed(cam: GatewayCamera, frames: number): Promise<void> {
  const from = cam.stats.get(Counter.Analysed);
  await waitFor(`${frames} frames analysed`, () => cam.stats.get(Counter.Analysed) >= from + frames, 60_000);
}

describe('rtsps:// (a GStreamer RTSP server over TLS with a self-signed certificate)', () => {
  let server: RtspServer;
  before(async () => {
    server = await startRtspServer({ width: 320, height: 180, fps: 10, tls: selfSignedCertificate(dir) });
  });
  after(() => server.stop());

  test('an rtsps:// camera goes ONLINE and its frames are analysed', async () => {
    assert.match(server.url(0), /^rtsps:\/\//);
    const cam = await gateway.addCamera(cameraSpec('tls', server.url(0)), analysis());
    await waitFor('online over TLS', () => cam.actor.state === 'ONLINE', 60_000);
    assert.equal(cam.actor.stream?.codec, 'h264');
    await analysed(cam, 10);
    await gateway.removeCamera('tls');
  });

  test('an rtsps:// camera never falls back to UDP, which RTSP over TLS cannot carry', async () => {
    // A mount that does not exist fails every attempt over TLS.
    const missing = server.url(0).replace(/cam0$/, 'nothing');
    const cam = await gateway.addCamera(cameraSpec('tlsfail', missing, { udpFallbackAfter: 1, ...QUICK_RETRIES }), analysis());
    await waitFor('three failed attempts', () => of('tlsfail').filter((t) => t.to === 'OFFLINE').length >= 3, 60_000);
    assert.equal(cam.actor.lastError?.kind, 'not_found');
    assert.equal(cam.actor.transport, 'tcp');
    assert.ok(!of('tlsfail').some((t) => /UDP/.test(t.reason)), statesOf('tlsfail'));
    await gateway.removeCamera('tlsfail');
  });
});

describe('an RTSP server that refuses TCP (SETUP over TCP gets 461 Unsupported transport)', () => {
  let server: RtspServer;
  before(async () => {
    server = await startRtspServer({ width: 320, height: 180, fps: 10, transports: 'udp' });
  });
  after(() => server.stop());

  test('a TCP camera falls back to UDP after udpFallbackAfter failures and goes ONLINE', async () => {
    const spec = cameraSpec('fallback', server.url(0), {
      transport: 'tcp',
      udpFallbackAfter: 2,
      backoff: { initialMs: 100, factor: 2, maxMs: 1000, jitter: 0 },
    });
    const cam = await gateway.addCamera(spec, analysis());
    await waitFor('online after the fallback', () => cam.actor.state === 'ONLINE', 60_000);
    assert.equal(cam.actor.transport, 'udp');
    const connecting = of('fallback')
      .filter((t) => t.to === 'CONNECTING')
      .map((t) => t.reason);
    assert.deepEqual(connecting, ['connecting', 'connecting', 'connecting over UDP'], statesOf('fallback'));
    assert.equal(of('fallback').filter((t) => t.to === 'OFFLINE').length, 2, statesOf('fallback'));
    assert.ok(logLines.some((l) => l.includes('"camera":"fallback"') && l.includes('falling back to RTSP over UDP')));
    await analysed(cam, 10);
    await gateway.removeCamera('fallback');
  });

  test('a camera configured for UDP goes ONLINE on its first attempt', async () => {
    const cam = await gateway.addCamera(cameraSpec('udp', server.url(0), { transport: 'udp' }), analysis());
    await waitFor('online over UDP', () => cam.actor.state === 'ONLINE', 60_000);
    assert.deepEqual(
      of('udp').map((t) => t.to),
      ['CONNECTING', 'ONLINE'],
    );
    await analysed(cam, 10);
    await gateway.removeCamera('udp');
  });

  test('with udpFallbackAfter 0 a TCP camera keeps retrying over TCP and never switches', async () => {
    const cam = await gateway.addCamera(cameraSpec('tcponly', server.url(0), { udpFallbackAfter: 0, ...QUICK_RETRIES }), analysis());
    await waitFor('four failed attempts', () => of('tcponly').filter((t) => t.to === 'OFFLINE').length >= 4, 60_000);
    assert.equal(cam.actor.transport, 'tcp');
    assert.ok(!of('tcponly').some((t) => t.to === 'ONLINE' || /UDP/.test(t.reason)), statesOf('tcponly'));
    await gateway.removeCamera('tcponly');
  });
});

test('a live HLS stream over HTTP goes ONLINE and its frames are analysed', async (ctx) => {
  const hlsDir = mkdtempSync(path.join(dir, 'live-'));
  const live = await startLiveHls(hlsDir);
  const http = await startStaticHttpServer(hlsDir);
  ctx.after(() => Promise.all([live.stop(), http.stop()]));
  const cam = await gateway.addCamera(cameraSpec('hls', http.url(live.name)), analysis());
  await waitFor('online', () => cam.actor.state === 'ONLINE', 60_000);
  assert.equal(cam.actor.stream?.codec, 'h264');
  assert.deepEqual([cam.actor.stream?.width, cam.actor.stream?.height], [320, 180]);
  // ffmpeg joins three segments (30 frames) before the live edge; more than that means the playlist
  // is being reloaded and followed.
  await analysed(cam, 45);
  assert.equal(cam.actor.state, 'ONLINE', statesOf('hls'));
  await gateway.removeCamera('hls');
});

test('an HLS VOD playlist that ends takes the camera OFFLINE and it plays again on reconnect (looping is for files)', async (ctx) => {
  const vodDir = mkdtempSync(path.join(dir, 'vod-'));
  writeHlsVod(vodDir, 2);
  const http = await startStaticHttpServer(vodDir);
  ctx.after(() => http.stop());
  // loop: true is documented for files only: an HTTP input is not looped by ffmpeg, the actor reconnects.
  const cam = await gateway.addCamera(cameraSpec('vod', http.url('vod.m3u8'), { loop: true }), analysis());
  await waitFor('played twice', () => of('vod').filter((t) => t.to === 'ONLINE').length >= 2, 60_000);
  const ended = of('vod').find((t) => t.to === 'OFFLINE');
  assert.match(ended?.reason ?? '', /^stream ended; reconnecting in \d+ ms$/, statesOf('vod'));
  assert.ok(cam.actor.frames >= 20, `${cam.actor.frames} frames from two plays of a 2 s clip`);
  await gateway.removeCamera('vod');
});

test('an MJPEG camera that freezes goes STALLED or OFFLINE and comes back ONLINE when frames flow again', async (ctx) => {
  const camera = await startMjpegServer({ width: 320, height: 180, fps: 10 });
  ctx.after(() => camera.stop());
  const cam = await gateway.addCamera(
    cameraSpec('mjpeg', camera.url, {
      stallTimeoutMs: 1500,
      ioTimeoutMs: 1500,
      backoff: { initialMs: 200, factor: 2, maxMs: 1000, jitter: 0 },
    }),
    analysis(),
  );
  await waitFor('online', () => cam.actor.state === 'ONLINE', 60_000);
  assert.equal(cam.actor.stream?.codec, 'mjpeg');
  await analysed(cam, 10);

  camera.mode = 'frozen';
  await waitFor('the freeze is noticed', () => cam.actor.state !== 'ONLINE', 60_000);
  const lost = of('mjpeg').at(-1) as CameraTransition;
  assert.ok(lost.to === 'STALLED' || lost.to === 'OFFLINE', statesOf('mjpeg'));

  camera.mode = 'stream';
  await waitFor('back online', () => cam.actor.state === 'ONLINE', 60_000);
  await analysed(cam, 10);
  await gateway.removeCamera('mjpeg');
});

test('an MJPEG camera is sampled at the rate it sends, though its frames carry no timestamps', async (ctx) => {
  const camera = await startMjpegServer({ width: 320, height: 180, fps: 10 });
  ctx.after(() => camera.stop());
  // Analysis at the camera's own 10 fps: every frame sent should come through. With ffmpeg's
  // assumed 25 fps as the frames' times, the fps filter kept 4 in 10.
  const cam = await gateway.addCamera(cameraSpec('mjpegrate', camera.url, { fps: 10, stallTimeoutMs: 20_000 }), analysis());
  await waitFor('online', () => cam.actor.state === 'ONLINE', 60_000);
  await waitFor('a few frames', () => cam.actor.frames >= 5);
  const before = cam.actor.frames;
  await camera.sendThenFreeze(40);
  // The fps filter may hold the last frame or two until the next one arrives (which it never does).
  await waitFor('36 of the 40 frames sent', () => cam.actor.frames - before >= 36, 60_000);
  await gateway.removeCamera('mjpegrate');
});

test('HTTP inputs take the arrival time as frame time, except HLS playlists, which keep their own', () => {
  const spec: IngestSpec = {
    url: '',
    transport: 'tcp',
    loop: false,
    width: 320,
    height: 180,
    fps: 10,
    format: 'gray',
    sampling: 'fixed_fps',
    minFps: 1,
    ioTimeoutMs: 3000,
    ffmpegMajor: 5,
  };
  const wallclock = (url: string): boolean => ffmpegArgs({ ...spec, url }).includes('-use_wallclock_as_timestamps');
  assert.equal(wallclock('http://cam/video.mjpg'), true);
  assert.equal(wallclock('https://cam/cgi-bin/mjpg/video.cgi?channel=1'), true);
  assert.equal(wallclock('http://cdn/live/stream.m3u8'), false);
  assert.equal(wallclock('https://cdn/live/stream.M3U8?token=x'), false);
  assert.equal(wallclock('rtsp://cam/stream'), false);
});
