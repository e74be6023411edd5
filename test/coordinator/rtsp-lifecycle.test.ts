import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { Counter } from '../../src/channel/stats.ts';
import type { CameraTransition } from '../../src/coordinator/camera-state.ts';
import { Gateway } from '../../src/coordinator/gateway.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { analysis, cameraSpec } from '../support/cameras.ts';
import { startRtspServer, type RtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';

// Every log line at debug (ffmpeg's stderr included) is kept to check that no credential leaks.
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
let gateway: Gateway;
let server: RtspServer;
let secured: RtspServer;
const transitions: CameraTransition[] = [];
const of = (id: string): CameraTransition[] => transitions.filter((t) => t.camera === id);

before(async () => {
  [server, secured] = await Promise.all([
    startRtspServer({ mounts: 4, width: 320, height: 180, fps: 10 }),
    startRtspServer({ mounts: 1, width: 320, height: 180, fps: 10, user: 'operator', password: 'right:p@ss' }),
  ]);
  gateway = new Gateway({ ffmpeg: resolveFfmpeg(), logger, workers: 2 });
  gateway.onTransition((t) => transitions.push(t));
  gateway.start();
});
after(async () => {
  await gateway.stop();
  await Promise.all([server.stop(), secured.stop()]);
});

test('an RTSP camera whose server goes away comes back ONLINE by itself when the server returns', async () => {
  const cam = await gateway.addCamera(cameraSpec('rtsp0', server.url(0), { stallTimeoutMs: 3000 }), analysis());
  await waitFor('online', () => cam.actor.state === 'ONLINE', 60_000);
  assert.equal(cam.actor.stream?.codec, 'h264');
  await server.stop();
  await waitFor('camera notices the loss', () => cam.actor.state !== 'ONLINE', 60_000);
  await server.restart();
  await waitFor('back online', () => cam.actor.state === 'ONLINE', 90_000);
  const states = of('rtsp0').map((t) => t.to);
  const lost = states.indexOf('ONLINE') + 1;
  assert.ok(['STALLED', 'OFFLINE'].includes(states[lost] as string), `after ONLINE: ${states.join(' > ')}`);
  assert.equal(states.at(-1), 'ONLINE');
  const analysed = cam.stats.get(Counter.Analysed);
  await waitFor('frames analysed after the reconnect', () => cam.stats.get(Counter.Analysed) > analysed + 5, 60_000);
  await gateway.removeCamera('rtsp0');
});

test('wrong credentials back off, open the circuit, and half-open on schedule; right ones stream', async () => {
  const wrong = cameraSpec('wrongpw', secured.url(0, { user: 'operator', password: 'wrong' }), {
    backoff: { initialMs: 200, factor: 2, maxMs: 1000, jitter: 0 },
    circuit: { failureThreshold: 3, openMs: 2500, halfOpenMaxTrials: 1, successThreshold: 2 },
  });
  const cam = await gateway.addCamera(wrong, analysis());
  await waitFor('circuit open', () => cam.actor.state === 'CIRCUIT_OPEN', 60_000);
  assert.equal(cam.actor.lastError?.kind, 'unauthorized');
  assert.ok(!JSON.stringify(of('wrongpw')).includes('wrong'.concat('@')), 'the password never appears in a transition');
  assert.deepEqual(
    of('wrongpw')
      .filter((t) => t.to === 'OFFLINE')
      .map((t) => /reconnecting in (\d+) ms/.exec(t.reason)?.[1]),
    ['200', '400'],
  );
  const opened = of('wrongpw').find((t) => t.to === 'CIRCUIT_OPEN') as CameraTransition;
  await waitFor('half-open trial', () => of('wrongpw').filter((t) => t.to === 'CONNECTING').length === 4, 60_000);
  const trial = of('wrongpw').filter((t) => t.to === 'CONNECTING')[3] as CameraTransition;
  assert.ok(trial.atMs - opened.atMs >= 2490, `trial ${trial.atMs - opened.atMs} ms after opening`);
  await gateway.removeCamera('wrongpw');

  const right = await gateway.addCamera(cameraSpec('rightpw', secured.url(0, { user: 'operator', password: 'right:p@ss' })), analysis());
  await waitFor('online with the right credentials', () => right.actor.state === 'ONLINE', 60_000);
  await gateway.removeCamera('rightpw');
});

test('RTSP over UDP works as a configured transport', async () => {
  const cam = await gateway.addCamera(cameraSpec('udp', server.url(1), { transport: 'udp' }), analysis());
  await waitFor('online over UDP', () => cam.actor.state === 'ONLINE', 60_000);
  assert.match(of('udp').find((t) => t.to === 'CONNECTING')?.reason ?? '', /UDP/);
  await gateway.removeCamera('udp');
});

test('twenty RTSP cameras run at once, each online and analysed', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => `many${i}`);
  const cams = await Promise.all(
    ids.map((id, i) => gateway.addCamera(cameraSpec(id, server.url(i % 4), { fps: 5, stallTimeoutMs: 10_000 }), analysis())),
  );
  // Twenty clients joining shared media wait for their first key frame (issue 10): the first-frame
  // timeout covers that, so each camera connects once and goes ONLINE without a stall or a retry.
  await waitFor('all twenty online', () => cams.every((c) => c.actor.state === 'ONLINE'), 180_000);
  await waitFor('all twenty analysed', () => cams.every((c) => c.stats.get(Counter.Analysed) >= 10), 120_000);
  for (const id of ids) {
    assert.ok(
      of(id).every((t) => t.to !== 'STALLED' || t.from === 'ONLINE'),
      `${id} stalled before streaming: ${of(id)
        .map((t) => t.to)
        .join(' > ')}`,
    );
  }
  const placements = new Set(ids.map((id) => gateway.supervisor.placement(id)?.worker));
  assert.equal(placements.size, 2);
  await Promise.all(ids.map((id) => gateway.removeCamera(id)));
});

test('a host name that does not resolve is classified as dns, not as the Input/output error ffmpeg ends with', async () => {
  // .invalid never resolves (RFC 6761), with or without a network; the password holds ':' and '@'.
  const cam = await gateway.addCamera(
    cameraSpec('nodns', 'rtsp://operator:right:p@ss@panoptes-test.invalid:8554/live', {
      backoff: { initialMs: 60_000, factor: 2, maxMs: 60_000, jitter: 0 },
    }),
    analysis(),
  );
  await waitFor('the first run to fail', () => of('nodns').some((t) => t.to === 'OFFLINE'), 30_000);
  assert.equal(cam.actor.lastError?.kind, 'dns');
  assert.match(cam.actor.lastError?.message ?? '', /^host name does not resolve: panoptes-test\.invalid \(.+\)$/);
  const offline = of('nodns').find((t) => t.to === 'OFFLINE');
  assert.match(offline?.reason ?? '', /^host name does not resolve: panoptes-test\.invalid \(.+\); reconnecting in \d+ ms$/);
  await gateway.removeCamera('nodns');
});

test('no log line, transition or error holds a credential', () => {
  assert.ok(logLines.length > 100, `logs were captured (${logLines.length} lines)`);
  const secrets = ['right:p@ss', encodeURIComponent('right:p@ss'), 'operator:wrong', 'operator:right'];
  for (const text of [...logLines, JSON.stringify(transitions)]) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `leaked in: ${text.slice(0, 200)}`);
  }
  assert.ok(
    logLines.some((l) => l.includes('***:***@127.0.0.1')),
    'URLs are logged masked',
  );
});
