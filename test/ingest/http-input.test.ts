import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { cameraSpec } from '../support/cameras.ts';
import { waitFor } from '../support/wait.ts';
import { standaloneActor } from '../support/timer-pipes.ts';

test('an MJPEG-over-HTTP camera (multipart/x-mixed-replace, as IP cameras serve it) comes online', async () => {
  // Each client gets a live multipart JPEG stream encoded by a real ffmpeg.
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace;boundary=ffmpeg' });
    const encoder = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=10',
        '-f',
        'mpjpeg',
        '-q:v',
        '5',
        'pipe:1',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    encoder.stdout.pipe(res);
    req.on('close', () => encoder.kill('SIGKILL'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const actor = standaloneActor(cameraSpec('mjpeg', `http://127.0.0.1:${port}/video.mjpg`, { fps: 5, width: 160, height: 120 }), {
    ffmpeg: resolveFfmpeg(),
    logger: pino({ level: 'silent' }),
    onTransition: () => undefined,
  });
  actor.start();
  await waitFor('online', () => actor.state === 'ONLINE', 60_000);
  await waitFor('frames', () => actor.frames >= 5, 60_000);
  assert.equal(actor.stream?.codec, 'mjpeg');
  assert.deepEqual([actor.stream?.width, actor.stream?.height], [320, 240]);
  await actor.stop();
  server.closeAllConnections();
  server.close();
});
