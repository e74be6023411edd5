/**
 * Glass-to-glass latency on localhost, in a real browser: a lavfi camera whose every frame carries the
 * wall clock at the moment it was made, burnt in as a bar code (22 black or white blocks, the low 22 bits
 * of epoch milliseconds), so the page can read it back exactly from the pixels it shows. The source is
 * made by the restream's own ffmpeg (x264 encode, fragmented MP4, the gateway's WebSocket, MSE), so the
 * latency covers encode, delivery, the player's buffer and display: on every shown frame
 * (requestVideoFrameCallback), the frame's expected display time minus the time in its pixels.
 *
 * The blocks are read from the decoded picture, so a wrong decode shows as clocks that do not advance
 * by the frame interval from one frame to the next: the test requires most of them to.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startBrowserSite } from '../support/browser.ts';
import { waitFor } from '../support/wait.ts';

const FPS = 25;
const BITS = 22;
const BLOCK = { x0: 8, width: 26, height: 40 };

/**
 * testsrc2 with the clock strip. `realtime` releases each frame at its time (without it lavfi makes
 * frames ahead in bursts and `-re` holds them back afterwards, so their clocks would be early); then the
 * time base is set to milliseconds and the timestamp to the wall clock (RTCTIME, µs) while the blocks
 * are drawn (drawbox's `enable` sees `t`, the timestamp in seconds), and set back to N frame intervals.
 */
export function clockSource(width = 640, height = 360): string {
  const bits = Array.from(
    { length: BITS },
    (_, k) =>
      `drawbox=x=${BLOCK.x0 + k * BLOCK.width}:y=0:w=${BLOCK.width}:h=${BLOCK.height}:color=white:t=fill:enable='mod(floor(t*1000/${2 ** k}),2)'`,
  );
  return [
    `testsrc2=size=${width}x${height}:rate=${FPS}`,
    'realtime',
    'settb=expr=1/1000',
    'setpts=RTCTIME/1000',
    `drawbox=x=0:y=0:w=${width}:h=${BLOCK.height}:color=black:t=fill`,
    ...bits,
    `setpts=N*${1000 / FPS}`,
  ].join(',');
}

/** In the page: on every shown frame, its expected display time (epoch ms) and the clock in its pixels. */
const MEASURE = `(() => {
  const video = document.querySelector('video');
  const scratch = document.createElement('canvas');
  window.clocks = [];
  const step = (_now, meta) => {
    const w = video.videoWidth, h = video.videoHeight;
    if (w > 0) {
      scratch.width = w; scratch.height = h;
      const ctx = scratch.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, w, h);
      const row = ctx.getImageData(0, ${BLOCK.height / 2}, w, 1).data;
      let clock = 0;
      for (let k = 0; k < ${BITS}; k++) {
        const x = Math.round((${BLOCK.x0} + k * ${BLOCK.width} + ${BLOCK.width / 2}) * w / 640);
        if (row[x * 4] > 128) clock += 2 ** k;
      }
      window.clocks.push({ shownMs: performance.timeOrigin + meta.expectedDisplayTime, clock, mediaTime: meta.mediaTime });
    }
    video.requestVideoFrameCallback(step);
  };
  video.requestVideoFrameCallback(step);
})()`;

/** Frames from the page's start (25 fps: 2 s) before the steady state is measured. */
const STARTUP_FRAMES = 50;

/** How far behind the display time a frame's burnt-in clock is, in ms (the clock holds 22 bits of epoch ms). */
function behindMs(s: Clock): number {
  const behind = (Math.round(s.shownMs) - s.clock + 2 ** BITS) % 2 ** BITS;
  return behind > 2 ** (BITS - 1) ? behind - 2 ** BITS : behind;
}

interface Clock {
  shownMs: number;
  clock: number;
  mediaTime: number;
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('glass to glass: the clock burnt into each shown frame is under a second behind the display time', async (tc) => {
  const site = await startBrowserSite(
    [{ id: 'clock', channel: 1, streams: { primary: `lavfi:${clockSource()}` }, ai: { width: 320, height: 180, fps: 5 } }],
    [],
  );
  cleanups.push(() => site.close());
  const { base, browser } = site;
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(`${base}/ui/camera.html?camera=clock`);
  await waitFor(
    'the video to play',
    async () => ((await page.evaluate(`document.querySelector('video')?.currentTime ?? 0`)) as number) > 1,
    60_000,
  );
  await page.evaluate(MEASURE);
  await waitFor('200 shown frames', async () => ((await page.evaluate('window.clocks.length')) as number) >= 200, 120_000);
  const samples = (await page.evaluate('window.clocks')) as Clock[];

  // The bar code reads right: from one shown frame to the next the clock moves by whole frame intervals.
  const interval = 1000 / FPS;
  let advancing = 0;
  for (let i = 1; i < samples.length; i += 1) {
    const step = ((samples[i] as Clock).clock - (samples[i - 1] as Clock).clock + 2 ** BITS) % 2 ** BITS;
    const frames = step / interval;
    if (frames >= 0.5 && frames <= 4.5 && Math.abs(frames - Math.round(frames)) * interval <= 8) advancing += 1;
  }
  assert.ok(
    advancing >= (samples.length - 1) * 0.8,
    `the clock advances by whole frame intervals in ${advancing} of ${samples.length - 1} steps`,
  );

  // The first two seconds are the player's start: it begins at the first key frame it got, which the
  // restream's ffmpeg sent late (it reads the source while probing it), then catches up to the live edge.
  const start = samples.slice(0, STARTUP_FRAMES).map(behindMs);
  const steady = samples
    .slice(STARTUP_FRAMES)
    .map(behindMs)
    .sort((a, b) => a - b);
  const at = (q: number): number => steady[Math.min(steady.length - 1, Math.floor(steady.length * q))] as number;
  tc.diagnostic(
    `glass to glass over ${steady.length} shown frames after the first ${STARTUP_FRAMES}: min ${at(0)} ms, median ${at(0.5)} ms, 90th percentile ${at(0.9)} ms, max ${at(1)} ms; the first ${STARTUP_FRAMES}: ${Math.min(...start)}-${Math.max(...start)} ms`,
  );
  assert.ok(at(0) > 0, `no frame shown before it was made (min ${at(0)} ms)`);
  assert.ok(at(0.5) < 1000, `median glass to glass ${at(0.5)} ms, expected under 1 s`);
});
