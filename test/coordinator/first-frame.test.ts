/**
 * The first frame has its own deadline (lifecycle.firstFrameTimeoutMs), separate from the stall timeout:
 * a client joining a camera's stream decodes nothing until the next key frame, which long-GOP ("smart
 * codec") cameras send every 4-10 s.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { CameraTransition } from '../../src/coordinator/camera-state.ts';
import { Gateway } from '../../src/coordinator/gateway.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { analysis, cameraSpec } from '../support/cameras.ts';
import { startRtspServer, type RtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';

const FPS = 10;
/** One key frame every 10 s, as a camera with a smart codec sends them. */
const KEY_INTERVAL = 10 * FPS;
let gateway: Gateway;
let rtsp: RtspServer;
let silent: Server;
let silentTimer: NodeJS.Timeout | undefined;
const transitions: CameraTransition[] = [];
const of = (id: string): CameraTransition[] => transitions.filter((t) => t.camera === id);

before(async () => {
  rtsp = await startRtspServer({ mounts: 1, width: 320, height: 180, fps: FPS, keyInterval: KEY_INTERVAL });
  // An HTTP camera that answers and keeps the connection alive with a byte a second, but never sends a
  // frame: no I/O timeout ends the run, only the first-frame deadline does.
  silent = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=frame' });
    silentTimer = setInterval(() => res.write('\r\n'), 1000);
    res.on('close', () => clearInterval(silentTimer));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  gateway = new Gateway({ ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }), workers: 1 });
  gateway.onTransition((t) => transitions.push(t));
  gateway.start();
});
after(async () => {
  await gateway.stop();
  clearInterval(silentTimer);
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
  await rtsp.stop();
});

test('a camera whose first key frame comes after the stall timeout goes ONLINE without stalling', async () => {
  // The first client starts the shared media at a key frame; a second one joining later waits for the next.
  const first = await gateway.addCamera(cameraSpec('leader', rtsp.url(0)), analysis());
  await waitFor('the first client online', () => first.actor.state === 'ONLINE', 60_000);
  const stallTimeoutMs = 1000;
  const late = await gateway.addCamera(cameraSpec('joiner', rtsp.url(0), { stallTimeoutMs, firstFrameTimeoutMs: 30_000 }), analysis());
  await waitFor('the joining client online', () => late.actor.state === 'ONLINE', 60_000);
  const states = of('joiner').map((t) => t.to);
  assert.deepEqual(states, ['CONNECTING', 'ONLINE'], `transitions: ${states.join(' > ')}`);
  const connecting = of('joiner')[0] as CameraTransition;
  const online = of('joiner')[1] as CameraTransition;
  // The case under test happened: the first frame took longer than the stall timeout.
  assert.ok(online.atMs - connecting.atMs > stallTimeoutMs, `first frame after ${online.atMs - connecting.atMs} ms`);
  assert.equal(late.actor.breaker.consecutiveFailures, 0);
  await Promise.all([gateway.removeCamera('leader'), gateway.removeCamera('joiner')]);
});

test('a camera that never sends a frame counts exactly one breaker failure per attempt, none a stall', async () => {
  const firstFrameTimeoutMs = 1500;
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/video.mjpg`;
  const cam = await gateway.addCamera(
    cameraSpec('silent', url, {
      stallTimeoutMs: 300,
      firstFrameTimeoutMs,
      ioTimeoutMs: 10_000,
      backoff: { initialMs: 100, factor: 1, maxMs: 100, jitter: 0 },
      circuit: { failureThreshold: 3, openMs: 600_000, halfOpenMaxTrials: 1, successThreshold: 1 },
    }),
    analysis(),
  );
  const failuresAt: number[] = [];
  const stop = gateway.onTransition((t) => {
    if (t.camera === 'silent' && t.from === 'CONNECTING') failuresAt.push(cam.actor.breaker.consecutiveFailures);
  });
  await waitFor('the circuit open', () => cam.actor.state === 'CIRCUIT_OPEN', 90_000);
  stop();
  const seen = of('silent');
  assert.deepEqual(
    seen.map((t) => t.to),
    ['CONNECTING', 'OFFLINE', 'CONNECTING', 'OFFLINE', 'CONNECTING', 'CIRCUIT_OPEN'],
  );
  assert.deepEqual(failuresAt, [1, 2, 3], 'one failure per attempt');
  for (let i = 0; i < seen.length; i += 2) {
    const attempt = seen[i] as CameraTransition;
    const end = seen[i + 1] as CameraTransition;
    assert.match(end.reason, /no first frame within 1500 ms/);
    assert.ok(end.atMs - attempt.atMs >= firstFrameTimeoutMs, `attempt ${i / 2} given up after ${end.atMs - attempt.atMs} ms`);
  }
  assert.equal(cam.actor.lastError?.kind, 'timeout');
  await gateway.removeCamera('silent');
});
