/**
 * The first seconds of a run, as `panoptes start` runs them: one file camera on the motion backend
 * through the real runner (embedded MQTT broker, HTTP API, inference pool, channel workers). Start-up
 * work must neither drop the clip's first frames to `ring_full` nor read as "inference at capacity".
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { startSite, type RunningSite } from '../../src/cli/run-site.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { CameraTransition } from '../../src/coordinator/camera-state.ts';
import { ffmpegPath } from '../support/video.ts';
import { waitFor } from '../support/wait.ts';

const CLIP_SECONDS = 8;
/** The default analysis rate, as the outside trial ran it. */
const FPS = 5;
const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-start-'));
const clip = path.join(dir, 'clip.mp4');
const lines: Array<{ msg: string; atMs: number; raw: string }> = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      const raw = chunk.toString();
      const entry = JSON.parse(raw) as { msg: string; time: number };
      lines.push({ msg: entry.msg, atMs: entry.time, raw });
      done();
    },
  }),
);
let running: RunningSite;
let warmUpMs = 0;
const transitions: CameraTransition[] = [];

before(async () => {
  // A moving 720p clip (the camera decodes and scales it like a main stream), a key frame a second.
  execFileSync(ffmpegPath(), [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=25',
    '-t',
    String(CLIP_SECONDS),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    clip,
  ]);
  const config = parseConfig(
    JSON.stringify({
      mqtt: { url: null, embeddedPort: 0, outbox: { dir: path.join(dir, 'outbox') } },
      storage: { dir: path.join(dir, 'storage') },
      http: { host: '127.0.0.1', port: 0 },
      inference: { backend: { type: 'motion' } },
      cameras: [{ id: 'clip', channel: 1, streams: { primary: clip } }],
    }),
    { env: {} },
  );
  warmUpMs = config.inference.overload.warmUpMs;
  running = await startSite(config, logger);
  running.site.onTransition((t) => transitions.push(t));
});
after(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a short clip is analysed whole from its first frame: no ring_full drop, and no false capacity alarm while the pool warms up', async () => {
  // The clip plays once (then the file camera reconnects): wait for its end.
  await waitFor('the clip played to its end', () => transitions.some((t) => t.from === 'ONLINE' && /stream ended/.test(t.reason)), 120_000);
  const m = running.site.cameraMetrics('clip');
  assert.ok(m);
  assert.ok(m.framesIn >= CLIP_SECONDS * FPS - 2, `${m.framesIn} frames of about ${CLIP_SECONDS * FPS}`);
  assert.deepEqual(m.drops, { ring_full: 0, incomplete: 0 });
  await waitFor('every frame analysed', () => (running.site.cameraMetrics('clip')?.framesAnalysed ?? 0) === m.framesIn, 60_000);
  // The warm-up starts with the camera's first crop, after it went ONLINE: no alarm before its end,
  // neither a slow first queue, nor a busy cold pool, nor the drops of a start-up burst.
  const online = transitions.find((t) => t.to === 'ONLINE') as CameraTransition;
  const warmUpEnd = online.atMs + warmUpMs;
  const early = lines.filter((l) => /at capacity/.test(l.msg) && l.atMs <= warmUpEnd).map((l) => JSON.parse(l.raw) as { reason: string });
  assert.deepEqual(early, []);
});

test('cameras start only once the outputs are up, so their start-up cannot stall the first frames', () => {
  const at = (msg: string): number => lines.find((l) => l.msg === msg)?.atMs ?? Number.NaN;
  const connecting = lines.find((l) => /^camera CONNECTING/.test(l.msg))?.atMs ?? Number.NaN;
  assert.ok(at('mqtt output started') <= connecting, 'MQTT before the camera');
  assert.ok(at('HTTP API listening') <= connecting, 'HTTP before the camera');
  assert.ok(connecting <= at('panoptes is running'), 'the runner reports running once the cameras started');
});
