/**
 * The player page in a real browser: Debian's Chromium (headless, via puppeteer-core) signs in with
 * the API token, opens a camera from the list (its camera page) and plays its live video through Media Source
 * Extensions; the video advances and stays near the live edge. A screenshot goes to the test's
 * temporary directory when an assertion fails.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium, signedInPage as signIn, withScreenshot } from '../support/browser.ts';
import { RecordingSite } from '../support/recording-site.ts';
import { startRtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';
import { source, startLiveServer, type LiveServer } from './live-server.ts';

const TOKEN = 'browser-live-token-41c2';

interface VideoState {
  currentTime: number;
  bufferedEnd: number | null;
  paused: boolean;
  status: string;
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function launch(): Promise<Browser> {
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  return browser;
}

/** Evaluated in the page (a string: this project's TypeScript has no DOM types). */
const VIDEO_STATE = `(() => {
  const video = document.querySelector('video');
  const buffered = video.buffered;
  return {
    currentTime: video.currentTime,
    bufferedEnd: buffered.length > 0 ? buffered.end(buffered.length - 1) : null,
    paused: video.paused,
    status: document.getElementById('status')?.textContent ?? '',
  };
})()`;

function videoState(page: Page): Promise<VideoState> {
  return page.evaluate(VIDEO_STATE) as Promise<VideoState>;
}

/** Plays for a while and checks the video advances and never drifts from the live edge. */
async function assertLive(page: Page): Promise<string> {
  await waitFor('the video to start playing', async () => (await videoState(page)).currentTime > 0.5);
  const start = await videoState(page);
  await waitFor('the video to advance 3 s', async () => (await videoState(page)).currentTime > start.currentTime + 3);
  const lags: number[] = [];
  while (lags.length < 10) {
    const state = await videoState(page);
    assert.equal(state.paused, false, `playing (${state.status})`);
    lags.push((state.bufferedEnd as number) - state.currentTime);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  lags.sort((a, b) => a - b);
  assert.ok((lags[5] as number) <= 1.5, `median lag behind the live edge within 1.5 s: ${lags.map((l) => l.toFixed(2)).join(' ')}`);
  // The player jumps once it is 1.5 s behind, checked on every timeupdate (about 4 a second) and append:
  // a sample may land just before a check, so the bound allows one check interval and an append burst.
  assert.ok((lags.at(-1) as number) <= 2, `never much more than 1.5 s behind the live edge: ${lags.map((l) => l.toFixed(2)).join(' ')}`);
  return `lag behind the buffered live edge (s, sorted): ${lags.map((l) => l.toFixed(2)).join(' ')}`;
}

function signedInPage(browser: Browser, t: LiveServer): Promise<Page> {
  return signIn(browser, t.base, TOKEN);
}

test('the camera list signs in with the token and opens a lavfi camera playing live in Chromium, near the live edge', async (tc) => {
  const site = new RecordingSite();
  await site.addCamera({ id: 'synth', name: 'Synthetic pattern', channel: 1, streams: { primary: 'lavfi:testsrc2=size=320x240:rate=15' } });
  const t = await startLiveServer({ synth: source('lavfi:testsrc2=size=320x240:rate=15') }, { tokens: [TOKEN], site });
  cleanups.push(() => t.close());
  const browser = await launch();
  const page = await signedInPage(browser, t);
  await withScreenshot(page, 'lavfi', async () => {
    const link = await page.waitForSelector('a[href="/ui/camera.html?camera=synth"]', { timeout: 60_000 });
    assert.equal(await page.evaluate(`document.querySelector('a[href="/ui/camera.html?camera=synth"]').textContent`), 'Synthetic pattern');
    await Promise.all([page.waitForNavigation(), link?.click()]);
    tc.diagnostic(await assertLive(page));
    // A player that fell 3 s behind (a stalled tab, a slow decoder; here a seek back) jumps to the live edge by itself.
    const jumps = (await page.evaluate('window.panoptesPlayer.stats.jumps')) as number;
    await page.evaluate(
      `(() => { const v = document.querySelector('video'); v.currentTime = Math.max(v.buffered.start(0), v.currentTime - 3); })()`,
    );
    await waitFor('the player to jump back to the live edge', async () => {
      const state = await videoState(page);
      const jumped = (await page.evaluate('window.panoptesPlayer.stats.jumps')) as number;
      return jumped > jumps && !state.paused && (state.bufferedEnd as number) - state.currentTime < 1.5;
    });
    // The restream ends under the player (the camera changed): it reconnects and plays again.
    t.live.cameraChanged('synth');
    await waitFor('a second restream for the reconnected player', () => t.live.stats().cameras['synth']?.starts === 2);
    tc.diagnostic(`after reconnecting: ${await assertLive(page)}`);
    const codec = (await page.evaluate('window.panoptesPlayer.stats.codec')) as string;
    assert.match(codec, /^avc1\./);
    assert.ok(!t.logs.join('').includes(TOKEN), 'the token never reaches the log');
  });
});

test('an RTSP camera plays live in Chromium from its copied H.264', async (tc) => {
  const rtsp = await startRtspServer({ width: 320, height: 240, fps: 10, keyInterval: 10 });
  cleanups.push(() => rtsp.stop());
  const t = await startLiveServer({ door: source(rtsp.url(0)) }, { tokens: [TOKEN] });
  cleanups.push(() => t.close());
  const browser = await launch();
  const page = await signedInPage(browser, t);
  await withScreenshot(page, 'rtsp', async () => {
    await page.goto(`${t.base}/ui/live.html?camera=door`);
    tc.diagnostic(await assertLive(page));
  });
});
