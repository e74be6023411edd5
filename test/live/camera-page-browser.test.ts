/**
 * The camera page in Chromium against the real runner (motion backend, auth on): an RTSP camera
 * (videotestsrc's white ball moving over black, one shared live stream for the analysis ffmpeg and the
 * restream). The page draws the detections over the live video; the test reads, for each shown frame,
 * where the ball is in the video's own pixels and where the nearest drawn box is, so the misalignment
 * is measured end to end (restream clock, media time to capture time, nearest detections, scaling), in
 * pixels and, over the ball's measured speed, in milliseconds. The page also lists the camera's recent
 * events with their best-shot snapshots, fetched with the token in a header.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { signedInPage, startBrowserSite, withScreenshot } from '../support/browser.ts';
import { startRtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';

const TOKEN = 'camera-page-token-7a1f';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * Installed in the page: on every shown frame (after the overlay drew it), the ball's centre in the
 * video's pixels (centroid of bright pixels), the centre of the drawn box nearest it in the same
 * pixels, the frame's media time, and whether the overlay canvas has box pixels around the ball.
 */
const MEASURE = `(() => {
  const video = document.querySelector('video');
  const overlay = window.panoptesOverlay;
  const canvas = document.getElementById('overlay');
  const scratch = document.createElement('canvas');
  window.alignment = [];
  const step = (_now, meta) => {
    const w = video.videoWidth, h = video.videoHeight;
    if (w > 0 && overlay.last.boxes.length > 0) {
      scratch.width = w; scratch.height = h;
      const ctx = scratch.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, w, h);
      const data = ctx.getImageData(0, 0, w, h).data;
      let sx = 0, sy = 0, n = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (data[(y * w + x) * 4] > 160) { sx += x; sy += y; n++; }
      if (n >= 30) {
        const ball = [sx / n, sy / n];
        const [fw, fh] = overlay.last.frameSize;
        const boxes = overlay.last.boxes.map((b) => ({ x: b.x * w / fw, y: b.y * h / fh, width: b.width * w / fw, height: b.height * h / fh }));
        const centre = (b) => [b.x + b.width / 2, b.y + b.height / 2];
        const dist = (b) => Math.hypot(centre(b)[0] - ball[0], centre(b)[1] - ball[1]);
        const box = boxes.reduce((best, b) => dist(b) < dist(best) ? b : best);
        const drawn = centre(box);
        const inside = ball[0] >= box.x && ball[0] <= box.x + box.width && ball[1] >= box.y && ball[1] <= box.y + box.height;
        const scale = Math.min(canvas.width / w, canvas.height / h);
        const left = (canvas.width - w * scale) / 2, top = (canvas.height - h * scale) / 2;
        const r = Math.sqrt(n / Math.PI) + 12;
        const x0 = Math.max(0, Math.round(left + (ball[0] - r) * scale)), y0 = Math.max(0, Math.round(top + (ball[1] - r) * scale));
        const pixels = canvas.getContext('2d').getImageData(x0, y0, Math.max(1, Math.round(2 * r * scale)), Math.max(1, Math.round(2 * r * scale))).data;
        let drawnPixels = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawnPixels++;
        window.alignment.push({ t: meta.mediaTime, ball, drawn, error: dist(box), inside, drawnPixels, dt: overlay.last.captureMs - overlay.last.drawnMs });
      }
    }
    video.requestVideoFrameCallback(step);
  };
  video.requestVideoFrameCallback(step);
})()`;

interface Sample {
  t: number;
  ball: [number, number];
  drawn: [number, number];
  error: number;
  inside: boolean;
  drawnPixels: number;
  /** The shown frame's capture time minus that of the detections drawn over it (ms). */
  dt: number;
}

test('the camera page draws the boxes over the moving ball, aligned by capture time, and lists events with snapshots', async (tc) => {
  const rtsp = await startRtspServer({ width: 320, height: 240, fps: 10, keyInterval: 10 });
  cleanups.push(() => rtsp.stop());
  const site = await startBrowserSite(
    [{ id: 'mover', channel: 1, streams: { primary: rtsp.url(0) }, ai: { width: 320, height: 240, fps: 10 } }],
    [TOKEN],
  );
  cleanups.push(() => site.close());
  const { running, base, browser } = site;
  const page = await signedInPage(browser, base, TOKEN);
  await withScreenshot(page, 'camera-page', async () => {
    const link = await page.waitForSelector('a[href="/ui/camera.html?camera=mover"]', { timeout: 60_000 });
    await Promise.all([page.waitForNavigation(), link?.click()]);
    // State, fps, drops and stage latencies from REST (the token in a header).
    await waitFor('the camera facts', async () =>
      /ONLINE · input [\d.]+ fps · analysed [\d.]+ fps · drops \d+ · capture_to_ring p50/.test(
        (await page.evaluate(`document.getElementById('facts').textContent`)) as string,
      ),
    );
    await waitFor('the video to play', async () => ((await page.evaluate(`document.querySelector('video').currentTime`)) as number) > 0.5);
    await page.evaluate(MEASURE);
    await waitFor(
      '60 frames with the square and a drawn box',
      async () => ((await page.evaluate('window.alignment.length')) as number) >= 60,
      120_000,
    );
    const samples = (await page.evaluate('window.alignment')) as Sample[];
    // The ball's speed from consecutive shown frames, to put the pixel error in milliseconds.
    const speeds: number[] = [];
    for (let i = 1; i < samples.length; i += 1) {
      const [p, q] = [samples[i - 1] as Sample, samples[i] as Sample];
      if (q.t > p.t) speeds.push(Math.hypot(q.ball[0] - p.ball[0], q.ball[1] - p.ball[1]) / (q.t - p.t));
    }
    const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
    const errors = samples.map((s) => s.error).sort((x, y) => x - y);
    const speed = median(speeds);
    const p50 = median(errors);
    const p90 = errors[Math.floor(errors.length * 0.9)] as number;
    const inside = samples.filter((s) => s.inside).length;
    const withPixels = samples.filter((s) => s.drawnPixels > 0).length;
    const dts = samples.map((s) => Math.abs(s.dt)).sort((x, y) => x - y);
    tc.diagnostic(
      `shown frame's capture time to the drawn detections' capture time: median ${median(dts).toFixed(0)} ms, 90th percentile ${(dts[Math.floor(dts.length * 0.9)] as number).toFixed(0)} ms`,
    );
    tc.diagnostic(
      `over ${samples.length} shown frames: the ball's centre inside the drawn box in ${inside}, box pixels around the ball in ${withPixels}; drawn box centre to the ball's centre median ${p50.toFixed(1)} px, 90th percentile ${p90.toFixed(1)} px; the ball moves ${speed.toFixed(0)} px/s (${((p50 / speed) * 1000).toFixed(0)} ms, ${((p90 / speed) * 1000).toFixed(0)} ms)`,
    );
    // The motion backend's box spans the ball and the trail it left since the background was last
    // updated, so its centre is not the ball's: the ball inside the box is what the overlay promises.
    assert.ok(inside >= samples.length * 0.7, `the ball inside the drawn box in ${inside} of ${samples.length} frames`);
    assert.ok(withPixels >= samples.length * 0.9, `box pixels around the ball in ${withPixels} of ${samples.length} frames`);
    // A restart of the camera's analysis ends its running events, which then show their best shots.
    await running.site.restartCamera('mover');
    // Recent events: the square's passes, a best shot loaded from an object URL (the token in a header).
    await waitFor(
      'an event with its snapshot loaded',
      async () =>
        (await page.evaluate(
          `[...document.querySelectorAll('#events img')].some((img) => img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:'))`,
        )) as boolean,
      120_000,
    );
  });
});
