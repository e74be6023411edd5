import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { CameraSpec } from '../../src/coordinator/camera.ts';
import type { CameraTransition } from '../../src/coordinator/camera-state.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { cameraSpec } from '../support/cameras.ts';
import { waitFor } from '../support/wait.ts';
import { standaloneActor } from '../support/timer-pipes.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-sampling-'));
const clip = path.join(dir, 'gop10.mp4');

before(() => {
  // 4 s at 25 fps with a key frame every 10 frames: 100 frames, 10 of them key frames.
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=25',
    '-t',
    '4',
    '-c:v',
    'libx264',
    '-g',
    '10',
    '-keyint_min',
    '10',
    '-sc_threshold',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-y',
    clip,
  ]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Plays the clip once through a camera actor and returns how many frames reached its ring. */
async function framesFor(overrides: Partial<CameraSpec>): Promise<number> {
  const transitions: CameraTransition[] = [];
  const actor = standaloneActor(cameraSpec(`s-${overrides.sampling ?? 'x'}`, clip, { ringSlots: 8, ...overrides }), {
    ffmpeg: resolveFfmpeg(),
    logger: pino({ level: 'silent' }),
    onTransition: (t) => transitions.push(t),
  });
  actor.start();
  await waitFor('the clip to end', () => transitions.some((t) => t.to === 'OFFLINE'), 60_000);
  const frames = actor.frames;
  await actor.stop();
  assert.match(transitions.find((t) => t.to === 'OFFLINE')?.reason ?? '', /stream ended/);
  return frames;
}

test('fixed_fps samples a 25 fps clip at the analysis rate', async () => {
  const frames = await framesFor({ sampling: 'fixed_fps', fps: 5 });
  assert.ok(frames >= 19 && frames <= 21, `5 fps over 4 s: ${frames}`);
});

test('keyframe_only decodes only the key frames', async () => {
  assert.equal(await framesFor({ sampling: 'keyframe_only', fps: 5 }), 10);
});

test('hybrid keeps every key frame plus enough others to hold the minimum rate', async () => {
  const frames = await framesFor({ sampling: 'hybrid', fps: 5, minFps: 5 });
  // Key frames every 0.4 s and a gap never above 0.2 s: about 5 frames a second.
  assert.ok(frames >= 19 && frames <= 22, `hybrid at minFps 5 over 4 s: ${frames}`);
});

test('a looping file camera plays on past its end without going offline', async () => {
  const transitions: CameraTransition[] = [];
  const actor = standaloneActor(cameraSpec('loop', clip, { loop: true, fps: 10 }), {
    ffmpeg: resolveFfmpeg(),
    logger: pino({ level: 'silent' }),
    onTransition: (t) => transitions.push(t),
  });
  actor.start();
  // The clip lasts 4 s: 50 frames at 10 fps means it wrapped at least once.
  await waitFor('frames past the end of the clip', () => actor.frames >= 50, 60_000);
  assert.deepEqual(
    transitions.map((t) => t.to),
    ['CONNECTING', 'ONLINE'],
  );
  await actor.stop();
});
