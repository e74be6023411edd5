/**
 * The player's HLS fallback in Chromium (which plays HLS natively): Media Source Extensions removed
 * from the page before its scripts run, API auth on; the bare player page must open an HLS session with
 * the token in a header and play it, with no token in any URL the page fetched.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startBrowserSite, withScreenshot } from '../support/browser.ts';
import { waitFor } from '../support/wait.ts';

const TOKEN = 'hls-fallback-token-2c9d';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('without Media Source Extensions the player plays the camera over HLS, the token only in a header', async () => {
  const site = await startBrowserSite(
    [{ id: 'yard', channel: 1, streams: { primary: 'lavfi:testsrc2=size=320x240:rate=10' }, ai: { width: 320, height: 240, fps: 5 } }],
    [TOKEN],
  );
  cleanups.push(() => site.close());
  const { base, browser } = site;
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  const urls: string[] = [];
  page.on('request', (request) => void urls.push(request.url()));
  await page.evaluateOnNewDocument(`delete window.MediaSource; sessionStorage.setItem('panoptes.token', ${JSON.stringify(TOKEN)});`);
  await page.goto(`${base}/ui/live.html?camera=yard`);
  await withScreenshot(page, 'hls-fallback', async () => {
    assert.equal(await page.evaluate(`'MediaSource' in window`), false);
    await waitFor(
      'the video to play 3 s over HLS',
      async () => ((await page.evaluate(`document.querySelector('video').currentTime`)) as number) > 3,
      90_000,
    );
    assert.equal(await page.evaluate('window.panoptesPlayer.mode'), 'hls');
    assert.match((await page.evaluate(`document.querySelector('video').src`)) as string, /\/api\/v1\/live\/hls\/[\w-]{22}\/index\.m3u8$/);
    assert.ok(
      urls.some((u) => /\/live\/hls\/[\w-]+\/seg-\d+\.m4s$/.test(u)),
      'segments fetched',
    );
    assert.ok(
      urls.every((u) => !u.includes(TOKEN)),
      'no URL holds the token',
    );
  });
});
