/**
 * The reconnect backoff as a camera actor lives it, against a real MJPEG camera that the test makes
 * refuse, stream, or cut its stream: delays grow across failures and start again at the initial delay
 * only after a connection has stayed up for stableAfterMs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { CameraTransition } from '../../src/coordinator/camera-state.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { cameraSpec } from '../support/cameras.ts';
import { startMjpegServer } from '../support/mjpeg-server.ts';
import { sleep, waitFor } from '../support/wait.ts';
import { standaloneActor } from '../support/timer-pipes.ts';

const STABLE_AFTER_MS = 1000;

/** The delay an OFFLINE transition announces ("...; reconnecting in 400 ms"). */
const announcedDelay = (t: CameraTransition): number => Number(/reconnecting in (\d+) ms$/.exec(t.reason)?.[1] ?? NaN);

test('the reconnect delay grows across failures and returns to the initial delay only after a stable connection', async () => {
  const camera = await startMjpegServer({ width: 160, height: 90, fps: 10 });
  const transitions: CameraTransition[] = [];
  const offline = (): CameraTransition[] => transitions.filter((t) => t.to === 'OFFLINE');
  const online = (): number => transitions.filter((t) => t.to === 'ONLINE').length;
  // Scripted in the transition callback, so each step happens before the actor's next attempt.
  const onTransition = (t: CameraTransition): void => {
    transitions.push(t);
    // Three refused attempts, then the camera answers.
    if (t.to === 'OFFLINE' && offline().length === 3) camera.mode = 'stream';
    // The first connection is cut at once: far shorter than stableAfterMs.
    if (t.to === 'ONLINE' && online() === 1) camera.cutStreams();
  };
  const actor = standaloneActor(
    cameraSpec('cam', camera.url, {
      width: 160,
      height: 90,
      stableAfterMs: STABLE_AFTER_MS,
      stallTimeoutMs: 10_000,
      backoff: { initialMs: 200, factor: 2, maxMs: 10_000, jitter: 0 },
      circuit: { failureThreshold: 100, openMs: 1000, halfOpenMaxTrials: 1, successThreshold: 1 },
    }),
    { ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }), onTransition },
  );
  camera.mode = 'refusing';
  try {
    actor.start();
    await waitFor('online a second time', () => online() === 2, 60_000);
    // Online for longer than stableAfterMs, then the stream is cut again.
    await sleep(STABLE_AFTER_MS * 1.5);
    camera.cutStreams();
    await waitFor('online a third time', () => online() === 3, 60_000);

    const reasons = offline().map((t) => t.reason.replace(/; reconnecting in \d+ ms$/, ''));
    assert.deepEqual(offline().map(announcedDelay), [200, 400, 800, 1600, 200], reasons.join(' | '));
    assert.ok(
      reasons.slice(0, 3).every((r) => /5XX|503/.test(r)),
      `refusals: ${reasons.join(' | ')}`,
    );
    assert.deepEqual(reasons.slice(3), ['stream ended', 'stream ended'], 'an ended stream is not blamed on an earlier error');
    // Each announced delay is the one the actor waited before its next attempt. libuv counts a timer
    // from its loop time, cached before the transition was stamped, so it may fire a few ms early.
    for (const t of offline()) {
      const next = transitions[transitions.indexOf(t) + 1];
      assert.equal(next?.to, 'CONNECTING');
      assert.ok(next.atMs - t.atMs >= announcedDelay(t) - 20, `waited ${next.atMs - t.atMs} ms after "${t.reason}"`);
    }
  } finally {
    await actor.stop();
    await camera.stop();
  }
});
