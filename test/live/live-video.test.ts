/**
 * Live video over the real server with real ffmpeg: a lavfi source (encoded once while watched) and a
 * GStreamer RTSP camera (copied): codec, init, fragments starting on a key frame that ffprobe plays;
 * one ffmpeg shared by every viewer and stopped after the last leaves.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { registerLiveMetrics } from '../../src/outputs/metrics/live.ts';
import { startRtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';
import { assertPlayable, readStream } from './fragments.ts';
import { openViewer, source, startLiveServer } from './live-server.ts';

const run = promisify(execFile);

/** ffmpeg processes whose command line holds `marker` (setpriv execs ffmpeg, so one a restream). */
function ffmpegsWith(marker: string): number {
  let count = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('ffmpeg') && cmdline.includes(marker)) count += 1;
    } catch {
      // The process ended while being listed.
    }
  }
  return count;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('a lavfi camera is encoded while watched: codec, init, then key-frame-first fragments ffprobe plays; two viewers share one ffmpeg, stopped after the last leaves', async () => {
  const marker = 'testsrc2=size=320x240:rate=15';
  const t = await startLiveServer({ synth: source(`lavfi:${marker}`) });
  cleanups.push(() => t.close());
  const first = await openViewer(t, 'synth');
  const stream = await readStream(first, 30);
  assert.match(stream.codec, /^avc1\.42/, 'baseline H.264 from the encoder');
  await assertPlayable(stream);

  const second = await openViewer(t, 'synth');
  const joined = await readStream(second, 5);
  // The second viewer is sent the group since the last key frame at once: it starts on a key frame too.
  await assertPlayable(joined);
  const stats = t.live.stats().cameras['synth'];
  assert.equal(stats?.viewers, 2);
  assert.equal(stats?.starts, 1, 'one restream for both viewers');
  assert.equal(ffmpegsWith(marker), 1, 'one ffmpeg for both viewers');

  const pid = t.live.pidOf('synth') as number;
  assert.ok(pid > 0);
  first.close();
  await waitFor('the first viewer to be gone', () => t.live.stats().cameras['synth']?.viewers === 1);
  assert.ok(alive(pid), 'ffmpeg keeps running for the other viewer');
  second.close();
  await waitFor('ffmpeg to stop after the last viewer left', () => !alive(pid) && t.live.pidOf('synth') === undefined);
  await waitFor('no ffmpeg left', () => ffmpegsWith(marker) === 0);
  assert.equal(t.live.stats().cameras['synth']?.viewers, 0);
  assert.equal(t.live.stats().cameras['synth']?.running, false);
});

test('viewers arriving together before the stream has started still share one ffmpeg', async () => {
  const marker = 'testsrc2=size=176x144:rate=10';
  const t = await startLiveServer({ burst: source(`lavfi:${marker}`) });
  cleanups.push(() => t.close());
  const viewers = await Promise.all([1, 2, 3].map(() => openViewer(t, 'burst')));
  for (const viewer of viewers) await assertPlayable(await readStream(viewer, 5));
  assert.equal(ffmpegsWith(marker), 1);
  assert.equal(t.live.stats().cameras['burst']?.starts, 1);
  for (const viewer of viewers) viewer.close();
});

test('an RTSP camera is copied, not re-encoded: the viewer gets its H.264 from a key frame and ffprobe plays it', async () => {
  const rtsp = await startRtspServer({ width: 320, height: 240, fps: 10, keyInterval: 10 });
  cleanups.push(() => rtsp.stop());
  const t = await startLiveServer({ door: source(rtsp.url(0)) });
  cleanups.push(() => t.close());
  const viewer = await openViewer(t, 'door');
  const stream = await readStream(viewer, 25);
  assert.match(stream.codec, /^avc1\./);
  await assertPlayable(stream);
  const cmdline = readFileSync(`/proc/${t.live.pidOf('door')}/cmdline`, 'utf8').split('\0');
  assert.ok(cmdline.includes('copy') && !cmdline.includes('libx264'), 'the stream is copied (-c:v copy)');
  viewer.close();
});

test('an unknown camera, a disabled camera and a viewer over the limit are refused with a code and a reason', async () => {
  const t = await startLiveServer(
    { synth: source('lavfi:testsrc2=size=160x120:rate=10'), off: 'disabled' },
    { settings: { maxViewersPerCamera: 1 } },
  );
  cleanups.push(() => t.close());
  const unknown = await openViewer(t, 'nope');
  assert.deepEqual((await unknown.nextJson())['error'], {
    code: 'E_CAMERA_NOT_FOUND',
    message: "No camera with id 'nope'; GET /api/v1/cameras lists the cameras",
  });
  assert.equal((await unknown.closed).code, 4404);
  const off = await openViewer(t, 'off');
  assert.equal(((await off.nextJson())['error'] as { code: string }).code, 'E_CAMERA_DISABLED');
  assert.equal((await off.closed).code, 4409);
  const one = await openViewer(t, 'synth');
  await readStream(one, 1);
  const two = await openViewer(t, 'synth');
  const refusal = (await two.nextJson())['error'] as { code: string; message: string };
  assert.equal(refusal.code, 'E_BUSY');
  assert.match(refusal.message, /http\.live\.maxViewersPerCamera/);
  assert.equal((await two.closed).code, 4429);
  assert.deepEqual(t.live.stats().refused, { unknown_camera: 1, disabled: 1, limit: 1 });
  one.close();
});

test('with a token configured a viewer must authenticate by its first message; a wrong token is closed with 4401', async () => {
  const t = await startLiveServer({ synth: source('lavfi:testsrc2=size=160x120:rate=10') }, { tokens: ['live-secret-1'] });
  cleanups.push(() => t.close());
  const wrong = await openViewer(t, 'synth', 'not-the-token');
  assert.equal(((await wrong.nextJson())['error'] as { code: string }).code, 'E_UNAUTHORIZED');
  assert.equal((await wrong.closed).code, 4401);
  const silent = await openViewer(t, 'synth');
  assert.equal((await silent.closed).code, 4401, 'no auth message within the timeout');
  assert.equal(t.live.stats().cameras['synth']?.starts ?? 0, 0, 'nothing started for unauthenticated viewers');
  const right = await openViewer(t, 'synth', 'live-secret-1');
  await assertPlayable(await readStream(right, 10));
  right.close();
  assert.ok(!t.logs.join('').includes('live-secret-1'), 'the token never reaches the log');
});

test('a viewer that stops reading is skipped ahead, then dropped, while the other viewer keeps receiving fragments', async () => {
  // 720p noise-free test pattern at 25 fps: enough bytes a second to fill loopback buffers within seconds.
  const t = await startLiveServer(
    { busy: source('lavfi:testsrc2=size=1280x720:rate=25') },
    { settings: { maxBufferedBytes: 64 * 1024, maxBehindKeyFrames: 2 } },
  );
  cleanups.push(() => t.close());
  const reader = await openViewer(t, 'busy');
  const stalled = await openViewer(t, 'busy');
  await readStream(reader, 1);
  await readStream(stalled, 1);
  // Stop reading: the kernel buffers fill, then uWS holds bytes for this viewer and pacing takes over.
  stalled.socket.pause();
  let fragments = 0;
  const counting = (async () => {
    for (;;) {
      const item = await reader.next().catch(() => null);
      if (item === null) return;
      fragments += 1;
    }
  })();
  // Filling the loopback buffers takes about 10 s here; a loaded machine encodes slower, so the deadline is long.
  await waitFor('the stalled viewer to be skipped ahead', () => (t.live.stats().cameras['busy']?.skips ?? 0) >= 1, 180_000);
  await waitFor('the stalled viewer to be dropped', () => t.live.stats().cameras['busy']?.dropped === 1);
  const atDrop = fragments;
  await waitFor('the reading viewer to receive 25 more fragments after the drop', () => fragments >= atDrop + 25);
  assert.equal(t.live.stats().cameras['busy']?.viewers, 1, 'only the reader is left');
  assert.equal(t.live.stats().cameras['busy']?.starts, 1, 'the restream never restarted');
  const registry = new Registry();
  registerLiveMetrics(registry, () => t.live.stats());
  const text = await registry.metrics();
  assert.match(text, /^panoptes_live_viewers_dropped_total\{camera="busy"\} 1$/m);
  assert.match(text, /^panoptes_live_viewer_skips_total\{camera="busy"\} [1-9]\d*$/m);
  assert.match(text, /^panoptes_live_viewers\{camera="busy"\} 1$/m);
  assert.match(text, /^panoptes_live_restream_running\{camera="busy"\} 1$/m);
  reader.close();
  stalled.close();
  await counting;
});

test('a looping file camera (the demo) is copied across its loop with timestamps that keep advancing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-live-file-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const clip = path.join(dir, 'clip.mp4');
  // A 2 s H.264 clip with a key frame a second: 25 fragments at 10 fps cross the loop at least once.
  await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=10',
    '-t',
    '2',
    '-c:v',
    'libx264',
    '-g',
    '10',
    '-pix_fmt',
    'yuv420p',
    clip,
  ]);
  const t = await startLiveServer({ demo: source(clip, { loop: true }) });
  cleanups.push(() => t.close());
  const viewer = await openViewer(t, 'demo');
  const stream = await readStream(viewer, 30);
  await assertPlayable(stream);
  viewer.close();
});

test('camera credentials stay secret: a ${VAR} password plays, a wrong literal one fails with a masked reason, and neither reaches the log', async () => {
  const rtsp = await startRtspServer({ width: 320, height: 240, fps: 10, keyInterval: 10, user: 'viewer', password: 'Sup3r-s3cret' });
  cleanups.push(() => rtsp.stop());
  process.env['PANOPTES_LIVE_TEST_PASSWORD'] = 'Sup3r-s3cret';
  const good = rtsp.url(0).replace('rtsp://', 'rtsp://viewer:${PANOPTES_LIVE_TEST_PASSWORD}@');
  const bad = rtsp.url(0, { user: 'viewer', password: 'Wr0ng-h1dden' });
  const t = await startLiveServer({ good: source(good), bad: source(bad, { firstFrameTimeoutMs: 20_000 }) });
  cleanups.push(() => t.close());
  const viewer = await openViewer(t, 'good');
  await assertPlayable(await readStream(viewer, 10));
  viewer.close();
  const refused = await openViewer(t, 'bad');
  const error = (await refused.nextJson())['error'] as { code: string; message: string };
  assert.equal(error.code, 'E_LIVE_SOURCE');
  assert.match(error.message, /^the live stream ended: /);
  assert.equal((await refused.closed).code, 1011);
  // A plain GET of the route (no upgrade) is an ordinary JSON 404, not a hang.
  const plain = await fetch(`${t.base}/api/v1/cameras/good/live.mp4`);
  assert.equal(plain.status, 404);
  assert.equal(((await plain.json()) as { error: { code: string } }).error.code, 'E_NOT_FOUND');
  const seen = t.logs.join('') + error.message;
  for (const secret of ['Sup3r-s3cret', 'Wr0ng-h1dden']) assert.ok(!seen.includes(secret), `${secret} never shown`);
  assert.match(t.logs.join(''), /rtsp:\/\/\*\*\*:\*\*\*@127\.0\.0\.1/, 'the log names the masked URL');
});
