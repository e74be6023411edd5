/**
 * Live video as `panoptes start` wires it: the real runner (site, gateway, HTTP server, metrics) with
 * a lavfi camera on the motion backend and a disabled one. The camera is watched from its main
 * stream, the restream shows in /metrics, and removing the camera lets its viewers go.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { startSite, type RunningSite } from '../../src/cli/run-site.ts';
import { parseConfig } from '../../src/config/load.ts';
import { FeedClient } from '../outputs/ws/feed-client.ts';
import { waitFor } from '../support/wait.ts';
import { assertPlayable, readStream } from './fragments.ts';

const TOKEN = 'site-live-token-9d3e';
const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-live-site-'));
let running: RunningSite;
let base = '';

before(async () => {
  const config = parseConfig(
    JSON.stringify({
      mqtt: { url: null, embeddedPort: 0, outbox: { dir: path.join(dir, 'outbox') } },
      storage: { dir: path.join(dir, 'storage') },
      http: { host: '127.0.0.1', port: 0, tokens: [TOKEN], live: { idleStopMs: 200 } },
      inference: { backend: { type: 'motion' } },
      cameras: [
        { id: 'synth', channel: 1, streams: { primary: 'lavfi:testsrc2=size=320x240:rate=10' }, ai: { width: 320, height: 240 } },
        { id: 'off', channel: 2, enabled: false, streams: { primary: 'lavfi:testsrc2=size=160x120:rate=5' } },
      ],
    }),
    { env: {} },
  );
  running = await startSite(config, pino({ level: 'silent' }));
  base = `127.0.0.1:${running.http.port}`;
});
after(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function viewer(camera: string): Promise<FeedClient> {
  const client = await FeedClient.open(`ws://${base}/api/v1/cameras/${camera}/live.mp4`);
  client.send({ type: 'auth', token: TOKEN });
  return client;
}

async function metrics(): Promise<string> {
  return (await fetch(`http://${base}/api/v1/metrics`)).text();
}

test('a camera of the running site plays live from its main stream, and the restream shows in /metrics', async () => {
  const client = await viewer('synth');
  await assertPlayable(await readStream(client, 15));
  const text = await metrics();
  assert.match(text, /^panoptes_live_viewers\{camera="synth"\} 1$/m);
  assert.match(text, /^panoptes_live_restream_running\{camera="synth"\} 1$/m);
  client.close();
  await waitFor('the restream to stop', async () => /^panoptes_live_restream_running\{camera="synth"\} 0$/m.test(await metrics()));
});

test('a disabled camera is refused with E_CAMERA_DISABLED; a camera removed while watched lets its viewer go', async () => {
  const off = await viewer('off');
  assert.equal(((await off.nextJson())['error'] as { code: string }).code, 'E_CAMERA_DISABLED');
  assert.equal((await off.closed).code, 4409);
  const client = await viewer('synth');
  await readStream(client, 3);
  await running.site.removeCamera('synth');
  const closed = await client.closed;
  assert.equal(closed.code, 1011);
  const error = client.received.find((item) => item.kind === 'json' && item.message['type'] === 'error');
  assert.ok(error?.kind === 'json');
  assert.equal((error.message['error'] as { code: string }).code, 'E_LIVE_SOURCE');
});
