/**
 * GET /api/v1/cameras/{id}/latest.jpg on the runner's site: a lavfi camera showing a plain orange picture
 * in colour (yuv420p ingest), its newest frame as a JPEG of that colour with its capture time; an
 * unknown camera 404, and the token required.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import sharp from 'sharp';
import { startSite } from '../../src/cli/run-site.ts';
import { parseConfig } from '../../src/config/load.ts';
import { waitFor } from '../support/wait.ts';

const TOKEN = 'latest-frame-token-91c2';
const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-latest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the newest frame of a camera as a colour JPEG with its capture time; 404 for an unknown camera; 401 without the token', async () => {
  const config = parseConfig(
    JSON.stringify({
      mqtt: { url: null, embeddedPort: 0, outbox: { dir: path.join(dir, 'outbox') } },
      storage: { dir: path.join(dir, 'storage') },
      http: { host: '127.0.0.1', port: 0, tokens: [TOKEN] },
      inference: { backend: { type: 'motion' } },
      cameras: [
        {
          id: 'wall',
          channel: 1,
          streams: { primary: 'lavfi:color=c=0xff8000:size=320x240:rate=5' },
          ai: { width: 320, height: 240, fps: 5 },
        },
      ],
    }),
    { env: {} },
  );
  const running = await startSite(config, pino({ level: 'silent' }));
  try {
    const base = `http://127.0.0.1:${running.http.port}/api/v1/cameras`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    let answer: Response | undefined;
    await waitFor('a frame of wall', async () => {
      answer = await fetch(`${base}/wall/latest.jpg`, { headers: auth });
      return answer.status === 200;
    });
    const res = answer as Response;
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const captureMs = Number(res.headers.get('x-capture-ms'));
    assert.ok(Math.abs(Date.now() - captureMs) < 10_000, `captured ${Date.now() - captureMs} ms ago`);
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [320, 240, 3]);
    const mean = [0, 1, 2].map((c) => {
      let sum = 0;
      for (let i = c; i < data.length; i += 3) sum += data[i] as number;
      return sum / (data.length / 3);
    });
    // Orange (255, 128, 0) through BT.601 yuv420p and JPEG: within a few levels.
    assert.ok(
      Math.abs((mean[0] as number) - 255) < 12 && Math.abs((mean[1] as number) - 128) < 12 && (mean[2] as number) < 12,
      `mean ${mean}`,
    );

    const unknown = await fetch(`${base}/nope/latest.jpg`, { headers: auth });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'E_CAMERA_NOT_FOUND');
    assert.equal((await fetch(`${base}/wall/latest.jpg`)).status, 401);
  } finally {
    await running.stop();
  }
});
