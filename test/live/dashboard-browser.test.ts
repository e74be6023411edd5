/**
 * The dashboard pages in Chromium against one real site (motion backend, auth on) with two RTSP
 * cameras (GStreamer videotestsrc balls) and three still lavfi ones: the camera grid shows the cameras
 * with their state and fps and plays four tiles live, no more, and a camera's stream stopped and
 * started shows in its tile; the events page lists the balls' events, its camera filter narrows the
 * list, and an opened event shows its best shot and plays its clip (the balls record continuously);
 * the health page lists the cameras and the inference backend. The tests share the site and the
 * signed-in tab, and run in order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { Browser, Page } from 'puppeteer-core';
import { startSite, type RunningSite } from '../../src/cli/run-site.ts';
import { parseConfig } from '../../src/config/load.ts';
import { launchChromium, signedInPage, withScreenshot } from '../support/browser.ts';
import { startRtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';

const TOKEN = 'dashboard-token-5d2e';
const CAMERAS = ['north', 'south'];
/** Still lavfi cameras after the two balls, so that the grid has more tiles in view than MAX_LIVE (4). */
const STILLS = ['still1', 'still2', 'still3'];

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-dashboard-'));
const cleanups: Array<() => Promise<void>> = [];
let running: RunningSite;
let base: string;
let browser: Browser;
let page: Page;

before(async () => {
  const rtsp = await startRtspServer({ mounts: 2, width: 320, height: 240, fps: 10, keyInterval: 10 });
  cleanups.push(() => rtsp.stop());
  const config = parseConfig(
    JSON.stringify({
      mqtt: { url: null, embeddedPort: 0, outbox: { dir: path.join(dir, 'outbox') } },
      storage: { dir: path.join(dir, 'storage') },
      recordings: { dir: path.join(dir, 'recordings'), diskGuard: { minFreeMiB: 0, minFreePercent: 0 } },
      http: { host: '127.0.0.1', port: 0, tokens: [TOKEN] },
      inference: { backend: { type: 'motion' } },
      cameras: [
        ...CAMERAS.map((id, i) => ({
          id,
          name: `${id} gate`,
          channel: i + 1,
          streams: { primary: rtsp.url(i) },
          ai: { width: 320, height: 240, fps: 10 },
          recording: { mode: 'continuous', segmentSeconds: 2 },
        })),
        ...STILLS.map((id, i) => ({
          id,
          name: id,
          channel: 10 + i,
          streams: { primary: 'lavfi:color=c=gray:size=160x120:rate=5' },
          ai: { width: 160, height: 120, fps: 5 },
        })),
      ],
    }),
    { env: {} },
  );
  running = await startSite(config, pino({ level: 'silent' }));
  cleanups.push(() => running.stop());
  base = `http://127.0.0.1:${running.http.port}`;
  browser = await launchChromium();
  cleanups.push(() => browser.close());
  page = await signedInPage(browser, base, TOKEN);
  // Wide enough for every tile to be in view at once.
  await page.setViewport({ width: 1600, height: 1000 });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const text = async (selector: string): Promise<string> =>
  (await page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`)) as string;

/** A tile's state badge, fps text and live video time. */
async function tile(id: string): Promise<{ state: string; fps: number; time: number }> {
  const sel = `li.tile[data-camera="${id}"]`;
  const fps = /^([\d.]+) fps/.exec(await text(`${sel} .state span:nth-child(2)`));
  return {
    state: await text(`${sel} .badge`),
    fps: fps ? Number(fps[1]) : -1,
    time: (await page.evaluate(`document.querySelector('${sel} video')?.currentTime ?? 0`)) as number,
  };
}

test('the grid shows every camera with its state and fps, plays four tiles live and no more, and follows a stream stopped and started', async () => {
  await withScreenshot(page, 'dashboard-grid', async () => {
    for (const id of CAMERAS) {
      await waitFor(`${id}'s tile ONLINE with its fps`, async () => {
        const t = await tile(id);
        return t.state === 'ONLINE' && t.fps > 0;
      });
    }
    assert.equal(await text('li.tile[data-camera="north"] a.name'), 'north gate');
    // The balls are the first tiles in the grid: they play, and keep playing.
    for (const id of CAMERAS) {
      await waitFor(`${id}'s tile playing`, async () => (await tile(id)).time > 0.5);
      const start = (await tile(id)).time;
      await waitFor(`${id}'s tile advancing`, async () => (await tile(id)).time > start + 1);
    }
    // Five cameras in view: the first four play, the fifth shows its picture; the gateway has four viewers.
    const live = async (): Promise<string[]> => (await page.evaluate('[...window.panoptesGrid.players.keys()]')) as string[];
    await waitFor('four tiles live', async () => (await live()).length === 4);
    assert.deepEqual((await live()).sort(), ['north', 'south', 'still1', 'still2']);
    const viewers = async (): Promise<number> => {
      const metrics = await (await fetch(`${base}/api/v1/metrics`)).text();
      return [...metrics.matchAll(/^panoptes_live_viewers\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    await waitFor('four live viewers at the gateway', async () => (await viewers()) === 4);
    // The tile not playing shows its camera's newest frame (latest.jpg through an object URL).
    await waitFor(
      'still3 showing its newest frame',
      async () =>
        (await page.evaluate(
          `(() => { const img = document.querySelector('li.tile[data-camera="still3"] img'); return img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:'); })()`,
        )) as boolean,
    );
    // Starting a fifth by hand stops the last of the others.
    await page.click('li.tile[data-camera="still3"] .live-toggle');
    await waitFor('still3 live instead of still2', async () => {
      const now = await live();
      return now.length === 4 && now.includes('still3') && !now.includes('still2');
    });
    await waitFor('still3 playing', async () => (await tile('still3')).time > 0.5);
    assert.ok((await viewers()) <= 4, 'never more than four viewers');
    // A stream stopped shows in its tile (from /ws or the next poll), and so does its start.
    await running.site.setStreaming('south', false);
    await waitFor("south's tile no longer ONLINE", async () => (await tile('south')).state !== 'ONLINE', 30_000);
    assert.equal((await tile('north')).state, 'ONLINE');
    await running.site.setStreaming('south', true);
    await waitFor("south's tile ONLINE again", async () => (await tile('south')).state === 'ONLINE');
    // Back ONLINE, it takes its place among the tiles playing again.
    await waitFor('south live again', async () => (await live()).includes('south'));
    assert.deepEqual((await live()).sort(), ['north', 'south', 'still1', 'still3']);
    // The tile's picture opens the camera page.
    await Promise.all([page.waitForNavigation(), page.click('li.tile[data-camera="north"] .view')]);
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/ui/camera.html?camera=north');
  });
});

test('the events page lists the balls, its camera filter narrows the list, and an opened event shows its best shot and plays its clip', async () => {
  await withScreenshot(page, 'dashboard-events', async () => {
    // The balls never leave the picture: a restart of each camera's analysis ends its running event.
    for (const id of CAMERAS) await waitFor(`an event on ${id}`, () => running.site.events({ camera: id, limit: 1 }).events.length > 0);
    for (const id of CAMERAS) await running.site.restartCamera(id);
    for (const id of CAMERAS)
      await waitFor(`an ended event with a best shot on ${id}`, () =>
        running.site.events({ camera: id, limit: 10 }).events.some((e) => e.endMs !== null && e.bestShot !== null),
      );
    // One of south's ended events with its clip recorded (2 s segments).
    let opened = '';
    await waitFor('an ended event with a best shot and a clip on south', () => {
      const event = running.site
        .events({ camera: 'south', limit: 20 })
        .events.find((e) => e.endMs !== null && e.bestShot !== null && e.clip !== null);
      opened = event?.id ?? '';
      return event !== undefined;
    });
    await page.goto(`${base}/ui/events.html`);
    const rowCameras = async (): Promise<string[]> =>
      (await page.evaluate(`[...document.querySelectorAll('#events li')].map((li) => li.dataset.camera)`)) as string[];
    await waitFor('events of both cameras listed', async () => {
      const cameras = await rowCameras();
      return CAMERAS.every((id) => cameras.includes(id));
    });
    await page.select('#filters select[name="camera"]', 'south');
    await page.click('#filters button[type="submit"]');
    await waitFor('only south listed', async () => {
      const cameras = await rowCameras();
      return cameras.length > 0 && cameras.every((id) => id === 'south');
    });
    assert.match(page.url(), /\?camera=south$/);
    assert.doesNotMatch(page.url(), new RegExp(TOKEN));
    await page.click(`#events li[data-id="${opened}"]`);
    await waitFor(
      "the event's best shot loaded from an object URL",
      async () =>
        (await page.evaluate(
          `(() => { const img = document.getElementById('detail-snapshot'); return !document.getElementById('detail').hidden && img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:'); })()`,
        )) as boolean,
    );
    assert.match(await text('#detail-title'), /^south · /);
    // Its clip, fetched with the token into an object URL, plays.
    const clipTime = (): Promise<number> =>
      page.evaluate(
        `(() => { const v = document.getElementById('detail-clip'); return !v.hidden && v.src.startsWith('blob:') ? v.currentTime : -1; })()`,
      ) as Promise<number>;
    await waitFor('the clip playing', async () => (await clipTime()) > 0.3);
  });
});

test('the health page lists the cameras with their state and the inference backend', async () => {
  await withScreenshot(page, 'dashboard-health', async () => {
    await page.goto(`${base}/ui/health.html`);
    await waitFor('both cameras listed ONLINE', async () => {
      const rows = (await page.evaluate(
        `[...document.querySelectorAll('#cameras tbody tr')].map((tr) => [tr.dataset.camera, tr.children[1].textContent, tr.children[0].textContent])`,
      )) as Array<[string, string, string]>;
      return CAMERAS.every((id) =>
        rows.some(([camera, state, name]) => camera === id && state === 'ONLINE' && name === `${id} gate (${id})`),
      );
    });
    await waitFor('the inference facts', async () => /backend\s*motion/.test(await text('#inference')));
    assert.match(await text('#inference'), /utilisation[\d.]+ %/);
    assert.match(await text('#by-state'), /ONLINE 5/);
    assert.match(await text('#outputs'), /MQTT/);
  });
});
