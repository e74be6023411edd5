/**
 * The player's HLS fallback in Chromium (which plays HLS natively): Media Source Extensions removed
 * from the page before its scripts run, API auth on; the bare player page must open an HLS session with
 * the token in a header and play it, with no token in any URL the page fetched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { startSite } from '../../src/cli/run-site.ts';
import { parseConfig } from '../../src/config/load.ts';
import { launchChromium, withScreenshot } from '../support/browser.ts';
import { waitFor } from '../support/wait.ts';

const TOKEN = 'hls-fallback-token-2c9d';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-hls-browser-'));
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('without Media Source Extensions the player plays the camera over HLS, the token only in a header', async () => {
  const config = parseConfig(
    JSON.stringify({
      mqtt: { url: null, embeddedPort: 0, outbox: { dir: path.join(dir, 'outbox') } },
      storage: { dir: path.join(dir, 'storage') },
      http: { host: '127.0.0.1', port: 0, tokens: [TOKEN] },
      inference: { backend: { type: 'motion' } },
      cameras: [
        { id: 'yard', channel: 1, streams: { primary: 'lavfi:testsrc2=size=320x240:rate=10' }, ai: { width: 320, height: 240, fps: 5 } },
      ],
    }),
    { env: {} },
  );
  const running = await startSite(config, pino({ level: 'silent' }));
  cleanups.push(() => running.stop());
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  const urls: string[] = [];
  page.on('request', (request) => void urls.push(request.url()));
  await page.evaluateOnNewDocument(`delete window.MediaSource; sessionStorage.setItem('panoptes.token', ${JSON.stringify(TOKEN)});`);
  await page.goto(`http://127.0.0.1:${running.http.port}/ui/live.html?camera=yard`);
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
