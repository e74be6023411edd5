/**
 * The HLS fallback against real components: a GStreamer RTSP camera (H.264, a key frame a second) copied
 * by the restream, sessions opened with the token, and ffmpeg's own HLS demuxer as the player (it
 * reloads the live playlist and fetches init and segments as a native player does).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { startRtspServer, type RtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';
import { LIVE_TOKEN, source, startLiveServer, type LiveServer } from './live-server.ts';

const run = promisify(execFile);
const auth = { authorization: `Bearer ${LIVE_TOKEN}` };

let rtsp: RtspServer;
let server: LiveServer;

before(async () => {
  rtsp = await startRtspServer({ width: 320, height: 240, fps: 10, keyInterval: 10 });
  server = await startLiveServer(
    { gate: source(rtsp.url(0)), off: 'disabled' },
    { tokens: [LIVE_TOKEN], settings: { hlsIdleMs: 5000, maxViewersPerCamera: 2 } },
  );
});

after(async () => {
  await server?.close();
  await rtsp?.stop();
});

async function openSession(camera: string): Promise<Response> {
  return fetch(`${server.base}/api/v1/cameras/${camera}/live/hls`, { method: 'POST', headers: auth });
}

test('a session opened with the token serves a live fMP4 playlist that ffmpeg plays, and no URL holds the token', async () => {
  const opened = await openSession('gate');
  assert.equal(opened.status, 201);
  const { playlist } = (await opened.json()) as { playlist: string };
  assert.match(playlist, /^\/api\/v1\/live\/hls\/[\w-]{22}\/index\.m3u8$/);
  assert.equal(opened.headers.get('location'), playlist);
  assert.ok(!playlist.includes(LIVE_TOKEN));

  const text = await (await fetch(`${server.base}${playlist}`)).text();
  assert.match(text, /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:\d+\n#EXT-X-MEDIA-SEQUENCE:\d+\n/);
  assert.match(text, /#EXT-X-MAP:URI="init\.mp4"/);
  const durations = [...text.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
  assert.ok(durations.length >= 1);
  // One segment a key frame interval (1 s at the camera's 10 frames).
  for (const d of durations) assert.ok(d > 0.5 && d < 1.5, `segment of ${d} s`);
  assert.doesNotMatch(text, /#EXT-X-ENDLIST/);

  const ffmpeg = resolveFfmpeg().path;
  // framecrc: a line a decoded frame on stdout.
  const { stdout, stderr } = await run(
    ffmpeg,
    ['-hide_banner', '-nostdin', '-i', `${server.base}${playlist}`, '-t', '4', '-map', '0:v', '-f', 'framecrc', '-'],
    { timeout: 60_000 },
  );
  const frames = stdout.split('\n').filter((line) => /^\d+,/.test(line)).length;
  assert.ok(frames >= 30, `ffmpeg played ${frames} frames of 4 s at 10 fps`);
  assert.match(stderr, /Video: h264/);
});

test('refusals: no token 401, unknown camera 404, disabled camera 409, over the viewer limit 503; an idle session closes and its restream stops', async () => {
  assert.equal((await fetch(`${server.base}/api/v1/cameras/gate/live/hls`, { method: 'POST' })).status, 401);
  assert.equal((await openSession('nope')).status, 404);
  const disabled = await openSession('off');
  assert.equal(disabled.status, 409);
  assert.equal(((await disabled.json()) as { error: { code: string } }).error.code, 'E_CAMERA_DISABLED');
  assert.equal((await fetch(`${server.base}/api/v1/live/hls/not-a-session/index.m3u8`)).status, 404);

  // Sessions of the first test have idled out by now or will: wait until the camera has no viewer.
  await waitFor('earlier sessions to close', () => server.live.stats().cameras['gate']?.viewers === 0);
  const first = (await (await openSession('gate')).json()) as { playlist: string };
  assert.equal((await openSession('gate')).status, 201);
  const third = await openSession('gate');
  assert.equal(third.status, 503);
  assert.equal(((await third.json()) as { error: { code: string } }).error.code, 'E_BUSY');

  // Unfetched for hlsIdleMs (5 s), the sessions close (fetching one would keep it open): the viewers
  // leave, the session's URLs answer 404, and the restream stops.
  await waitFor('the idle sessions to close', () => server.live.stats().cameras['gate']?.viewers === 0, 30_000);
  assert.equal((await fetch(`${server.base}${first.playlist}`)).status, 404);
  await waitFor('the restream to stop', () => server.live.pidOf('gate') === undefined, 30_000);
});
