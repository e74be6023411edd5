/**
 * A camera analysed from its sub-stream and recorded from its main stream, each on its own GStreamer
 * RTSP server, so the main stream can fail alone: the recorder runs in an ffmpeg of its own, and the
 * main stream going down never touches analysis (same ffmpeg, frames flowing, no reconnect), while
 * the recorder counts its failed runs, retries with backoff and resumes when the stream returns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../../src/config/load.ts';
import { resolveFfmpeg } from '../../../src/ingest/ffmpeg-path.ts';
import { Site } from '../../../src/site/site.ts';
import { createSiteMetrics } from '../../../src/site/site-metrics.ts';
import type { Recorder } from '../../../src/storage/recording/recorder.ts';
import type { Segment } from '../../../src/storage/recording/segment-name.ts';
import { startRtspServer, type RtspServer } from '../../support/rtsp-server.ts';
import { storageYaml } from '../../support/storage-dir.ts';
import { waitFor } from '../../support/wait.ts';

const PASSWORD = 'main-s3cret:p@ss';
// Every log line at debug (both ffmpegs' stderr included) is kept to check that the password never leaks.
const logLines: string[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);

let sub: RtspServer;
let main: RtspServer;
let site: Site;
let dir: string;
/** Between the `frozen` camera's recorder and the main server: pausing it stalls that stream alone. */
let proxy: Server;
let frozen = false;
const upstreams = new Set<Socket>();

const segments = (): readonly Segment[] => site.recordingsNow()?.store.segments('dual') ?? [];
const recorder = (camera = 'dual'): Recorder | undefined =>
  site
    .recordingsNow()
    ?.recorders()
    .find((r) => r.camera === camera);
const analysis = () => site.gateway.camera('dual');

before(async () => {
  [sub, main] = await Promise.all([
    startRtspServer({ mounts: 1, width: 320, height: 180, fps: 10, keyInterval: 10, pattern: 'smpte' }),
    startRtspServer({ mounts: 1, width: 480, height: 270, fps: 10, keyInterval: 10, pattern: 'smpte', user: 'rec', password: PASSWORD }),
  ]);
  dir = mkdtempSync(path.join(tmpdir(), 'panoptes-mainrec-'));
  proxy = createServer((client) => {
    const upstream = connect(main.port, '127.0.0.1');
    upstreams.add(upstream);
    if (frozen) upstream.pause();
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      upstreams.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyPort = (proxy.address() as { port: number }).port;
  const viaProxy = main.url(0, { user: 'rec', password: PASSWORD }).replace(`:${main.port}/`, `:${proxyPort}/`);
  const config = parseConfig(
    `
gateway: { workers: 1 }
inference: { pool: { threads: 1 } }
${storageYaml()}
recordings: { dir: "${dir}", diskGuard: { minFreeMiB: 0, minFreePercent: 0 } }
cameras:
  - id: dual
    channel: 1
    streams: { primary: "${main.url(0, { user: 'rec', password: PASSWORD })}", secondary: "${sub.url(0)}" }
    ai: { fps: 5, width: 320, height: 180, format: gray }
    lifecycle: { ioTimeoutMs: 2000, backoff: { initialMs: 300, maxMs: 1500 } }
    recording: { mode: continuous, segmentSeconds: 2 }
  - id: frozen
    channel: 2
    streams: { primary: "${viaProxy}", secondary: "${sub.url(0)}" }
    ai: { fps: 2, width: 320, height: 180, format: gray }
    # The socket timeout above the stall timeout: a stream that stops without closing is a stall.
    lifecycle: { ioTimeoutMs: 60000, stallTimeoutMs: 3000, backoff: { initialMs: 300, maxMs: 1500 } }
    recording: { mode: continuous, segmentSeconds: 2 }
`,
    { env: {} },
  );
  site = await Site.start(config, { ffmpeg: resolveFfmpeg(), logger, recordingDecisionLagMs: 1000 });
});

after(async () => {
  await site?.stop();
  proxy?.close();
  for (const s of upstreams) s.destroy();
  await Promise.all([sub?.stop(), main?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

test('the main stream is recorded by an ffmpeg of its own, beside the analysis ffmpeg on the sub-stream', async () => {
  await waitFor('a segment of the main stream', () => segments().length >= 1, 90_000);
  const camera = analysis();
  assert.ok(camera?.tapProcess, 'the recorder runs in its own process');
  assert.notEqual(camera.tapProcess.pid, undefined);
  assert.notEqual(camera.tapProcess.pid, camera.actor.pid);
  assert.equal(camera.actor.stream?.width, 320, 'analysis reads the sub-stream');
});

test('a main stream that stops sending is a recorder stall, killed and retried, and analysis goes on', async () => {
  await waitFor('frozen recording', () => (recorder('frozen')?.segments ?? 0) >= 1, 90_000);
  const camera = site.gateway.camera('frozen');
  assert.ok(camera?.tapProcess);
  const [pid, reconnects] = [camera.actor.pid, camera.actor.reconnects];
  frozen = true;
  for (const s of upstreams) s.pause();
  await waitFor('a stall counted', () => (recorder('frozen')?.failures.stall ?? 0) >= 1, 60_000);
  assert.match(recorder('frozen')?.lastFailure ?? '', /^recorded stream: no packet for \d+ s; retrying in \d+ ms$/);
  const frames = camera.actor.frames;
  await waitFor('frames still arriving', () => camera.actor.frames >= frames + 4, 60_000);
  assert.equal(camera.actor.pid, pid);
  assert.equal(camera.actor.reconnects, reconnects);
  frozen = false;
  const thawedMs = Date.now();
  await waitFor('frozen recording after the thaw', () => (recorder('frozen')?.lastSegmentEndMs ?? 0) > thawedMs + 1000, 90_000);
  await site.removeCamera('frozen');
});

test('the main stream failing leaves analysis running and counts recorder failures until it returns', async () => {
  await waitFor('dual online', () => analysis()?.actor.state === 'ONLINE', 60_000);
  const camera = analysis();
  assert.ok(camera?.tapProcess);
  const pid = camera.actor.pid;
  const reconnects = camera.actor.reconnects;
  const before = { ...(recorder() as Recorder).failures };

  await main.stop();
  // Several failed runs: the recorder retries after its backoff, each retry failing while the server is down.
  await waitFor('three failed recorder runs', () => (recorder()?.failures.input ?? 0) >= before.input + 3, 60_000);
  const frames = camera.actor.frames;
  await waitFor('frames still arriving from the sub-stream', () => camera.actor.frames >= frames + 10, 60_000);
  assert.equal(camera.actor.pid, pid, 'the analysis ffmpeg is the same process');
  assert.equal(camera.actor.reconnects, reconnects, 'analysis did not reconnect');
  assert.equal(camera.actor.state, 'ONLINE');
  assert.ok(camera.tapProcess.failures >= 3);

  const health = site.health();
  const rec = health.recording?.cameras.find((c) => c.id === 'dual');
  assert.equal(rec?.state, 'failing');
  assert.match(rec?.lastFailure ?? '', /^recorded stream: .*; retrying in \d+ ms$/);
  assert.ok(health.reasons.some((r) => r.startsWith('recording failing on 1 camera(s): dual (recorded stream: ')));
  const metrics = await createSiteMetrics(site).metrics();
  const input = /panoptes_recording_failures_total\{camera="dual",reason="input"\} (\d+)/.exec(metrics);
  assert.ok(input && Number(input[1]) >= 3, 'failures counted in the recording metrics');

  const returnedMs = Date.now();
  await main.restart();
  await waitFor('a main-stream segment after its return, indexed', () => segments().some((s) => s.startMs > returnedMs), 90_000);
  const resumed = segments().find((s) => s.startMs > returnedMs) as Segment;
  site.storage.segments.flush();
  const row = site.storage.events.db
    .prepare('SELECT camera FROM segments WHERE path = ?')
    .get(path.relative(dir, site.recordingsNow()?.store.pathOf(resumed) as string));
  assert.deepEqual(row, { camera: 'dual' });
  assert.equal(camera.actor.pid, pid, 'analysis still on its first ffmpeg');
  assert.equal(camera.actor.reconnects, reconnects);
});

test('the recorder process stops with its camera', async () => {
  const pid = analysis()?.tapProcess?.pid;
  assert.ok(pid !== undefined);
  await site.setEnabled('dual', false);
  assert.equal(analysis(), undefined);
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the recorder ffmpeg is gone');
});

test('the main stream password never reaches the logs', () => {
  const all = logLines.join('');
  assert.ok(all.includes('recorded stream'), 'the recorder logged its failures');
  assert.ok(!all.includes(PASSWORD) && !all.includes(encodeURIComponent(PASSWORD)), 'the password is masked');
});
