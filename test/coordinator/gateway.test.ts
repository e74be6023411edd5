import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { Counter } from '../../src/channel/stats.ts';
import type { CameraTransition } from '../../src/coordinator/camera-state.ts';
import { Gateway } from '../../src/coordinator/gateway.ts';
import { watchdogTicker } from '../../src/coordinator/shared-ticker.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { Ctrl } from '../../src/ring/layout.ts';
import { analysis, cameraSpec, lavfiSpec } from '../support/cameras.ts';
import { sleep, waitFor } from '../support/wait.ts';

const logger = pino({ level: process.env['PANOPTES_TEST_LOG'] ?? 'silent' });
let gateway: Gateway;
const transitions: CameraTransition[] = [];

before(() => {
  gateway = new Gateway({ ffmpeg: resolveFfmpeg(), logger, workers: 2 });
  gateway.onTransition((t) => transitions.push(t));
  gateway.start();
});
after(() => gateway.stop());

const analysed = (id: string): number => gateway.camera(id)?.stats.get(Counter.Analysed) ?? 0;
const statesOf = (id: string): string[] => transitions.filter((t) => t.camera === id).map((t) => t.to);

test('synthetic cameras come online and their frames are analysed by the channel workers', async () => {
  await Promise.all(['a', 'b', 'c'].map((id) => gateway.addCamera(lavfiSpec(id), analysis())));
  await waitFor('three cameras online', () => gateway.list().every((c) => c.actor.state === 'ONLINE'));
  await waitFor('frames analysed', () => ['a', 'b', 'c'].every((id) => analysed(id) >= 10));
  const a = gateway.camera('a');
  assert.ok(a);
  assert.deepEqual(statesOf('a').slice(0, 2), ['CONNECTING', 'ONLINE']);
  assert.equal(watchdogTicker.timers, 1, "the three cameras' stall checks run from one timer");
  assert.ok(a.stats.get(Counter.Candidates) > 0, 'the moving pattern produces candidate regions');
  const workers = new Set(['a', 'b', 'c'].map((id) => gateway.supervisor.placement(id)?.worker));
  assert.equal(workers.size, 2, 'cameras are spread over both workers');
  const health = await Promise.all([0, 1].map((w) => gateway.supervisor.remote(w)?.stats()));
  assert.deepEqual(health.map((h) => h?.cameras).sort(), [1, 2], 'each worker reports the cameras it runs');
  assert.ok(health.every((h) => h && h.heapUsedBytes > 0 && h.eventLoopUtilization >= 0 && h.eventLoopUtilization <= 1));
});

test('a channel worker that dies is restarted, its cameras resume, and other cameras keep their rate', async () => {
  const victim = gateway.supervisor.placement('a');
  assert.ok(victim);
  const other = ['b', 'c'].find((id) => gateway.supervisor.placement(id)?.worker !== victim.worker) as string;
  const otherBefore = analysed(other);
  const otherPlacement = gateway.supervisor.placement(other);
  await gateway.supervisor.kill(victim.worker);
  await waitFor('worker restarted', () => (gateway.supervisor.placement('a')?.restarts ?? 0) > victim.restarts);
  const resumedFrom = analysed('a');
  await waitFor('camera a analysed again', () => analysed('a') >= resumedFrom + 10);
  // Counted, not timed (a loaded machine sets the pace): the other worker analysed on throughout and
  // was never restarted with the victim.
  assert.ok(analysed(other) >= otherBefore + 10, `camera ${other} analysed ${analysed(other) - otherBefore} frames meanwhile`);
  assert.deepEqual(gateway.supervisor.placement(other), otherPlacement);
  assert.equal(gateway.camera('a')?.actor.state, 'ONLINE', 'ingest never noticed the worker restart');
});

test('a camera that stops sending frames goes STALLED, then reconnects and comes back ONLINE', async () => {
  const cam = await gateway.addCamera(lavfiSpec('stall', { stallTimeoutMs: 1500 }), analysis());
  await waitFor('online', () => cam.actor.state === 'ONLINE');
  const pid = cam.actor.pid;
  assert.ok(pid);
  process.kill(pid, 'SIGSTOP'); // a hung camera: the connection stays up but nothing arrives
  await waitFor('stalled', () => statesOf('stall').includes('STALLED'));
  await waitFor('back online', () => cam.actor.state === 'ONLINE' && cam.actor.pid !== pid);
  const states = statesOf('stall');
  const stalledAt = states.indexOf('STALLED');
  assert.deepEqual(states.slice(stalledAt, stalledAt + 4), ['STALLED', 'OFFLINE', 'CONNECTING', 'ONLINE']);
  await gateway.removeCamera('stall');
});

test('an unreachable camera backs off, opens its circuit, and half-opens on schedule', async () => {
  const spec = cameraSpec('dead', 'rtsp://127.0.0.1:9/none', {
    backoff: { initialMs: 100, factor: 2, maxMs: 1000, jitter: 0 },
    circuit: { failureThreshold: 3, openMs: 2000, halfOpenMaxTrials: 1, successThreshold: 2 },
  });
  const cam = await gateway.addCamera(spec, analysis());
  await waitFor('circuit open', () => cam.actor.state === 'CIRCUIT_OPEN');
  const opened = transitions.filter((t) => t.camera === 'dead' && t.to === 'CIRCUIT_OPEN')[0] as CameraTransition;
  const offline = transitions.filter((t) => t.camera === 'dead' && t.to === 'OFFLINE');
  assert.equal(offline.length, 2, 'two backoff retries before the third failure opens the circuit');
  assert.match(offline[0]?.reason ?? '', /reconnecting in 100 ms/);
  assert.match(offline[1]?.reason ?? '', /reconnecting in 200 ms/);
  assert.match(opened.reason, /refused|exited/i);
  await waitFor('half-open trial', () => transitions.filter((t) => t.camera === 'dead' && t.to === 'CONNECTING').length >= 4);
  const trial = transitions.filter((t) => t.camera === 'dead' && t.to === 'CONNECTING')[3] as CameraTransition;
  assert.ok(trial.atMs - opened.atMs >= 1990, `trial ${trial.atMs - opened.atMs} ms after opening`);
  await waitFor(
    'open again after the failed trial',
    () => transitions.filter((t) => t.camera === 'dead' && t.to === 'CIRCUIT_OPEN').length >= 2,
  );
  assert.equal(cam.actor.ring.counter(Ctrl.Published), 0);
  await gateway.removeCamera('dead');
  assert.equal(statesOf('dead').at(-1), 'DISABLED');
  await sleep(10);
});

test('per-camera metrics report rates, drops and stage latencies', async () => {
  // A 10 fps source reads about 10 fps in some one-second window; a loaded machine may need a few.
  const near10 = (fps: number | undefined): boolean => fps !== undefined && fps > 7 && fps < 13;
  await waitFor('input at about 10 fps', () => near10(gateway.metrics('b')?.inputFps));
  await waitFor('analysis at about 10 fps', () => near10(gateway.metrics('b')?.analysedFps));
  const m = gateway.metrics('b');
  assert.ok(m);
  assert.equal(m.state, 'ONLINE');
  assert.ok(m.framesAnalysed > 0 && m.framesAnalysed <= m.framesIn);
  assert.equal(m.framesIn - m.framesAnalysed - m.drops.ring_full <= 4, true, 'every frame is analysed, dropped or still in the ring');
  assert.ok(m.latency.capture_to_motion.count > 0);
  // Milliseconds, not seconds or microseconds (the bound is loose: a starved worker may lag seconds).
  assert.ok(m.latency.capture_to_motion.p99Ms > 0 && m.latency.capture_to_motion.p99Ms < 60_000);
  assert.ok(m.motionRatio > 0, 'the moving pattern changes pixels');
});

test('a camera removed and added again under its id counts on from its totals; a forgotten one starts from zero', async () => {
  const before = { a: gateway.camera('a')?.actor.pid, c: gateway.camera('c')?.actor.pid };
  const b = gateway.camera('b');
  const was = gateway.metrics('b');
  assert.ok(b && was && was.framesIn > 0);
  await gateway.removeCamera('b');
  const again = await gateway.addCamera({ ...b.actor.spec, fps: 5 }, b.analysis);
  await waitFor('b online again', () => again.actor.state === 'ONLINE');
  assert.notEqual(again.actor, b.actor, 'a new ingest run for b');
  assert.equal(again.stats, b.stats, 'the stats block is carried over');
  assert.equal(gateway.camera('a')?.actor.pid, before.a, 'a kept its ffmpeg');
  assert.equal(gateway.camera('c')?.actor.pid, before.c, 'c kept its ffmpeg');
  const now = gateway.metrics('b');
  assert.ok(now);
  assert.ok(now.framesIn >= was.framesIn && now.framesAnalysed >= was.framesAnalysed, 'totals never fall');
  assert.ok(now.reconnects >= was.reconnects && now.drops.ring_full >= was.drops.ring_full);

  const pid = again.actor.pid;
  const reconfigured = await gateway.reconfigureAnalysis('b', { ...again.analysis, lightingRatio: 0.5 });
  assert.equal(reconfigured.actor.pid, pid, 'an analysis change keeps ffmpeg running');
  const analysedBefore = analysed('b');
  await waitFor('b analysed with its new settings', () => analysed('b') >= analysedBefore + 5);

  await gateway.removeCamera('b');
  gateway.forget('b');
  const fresh = await gateway.addCamera(b.actor.spec, b.analysis);
  assert.notEqual(fresh.stats, b.stats, 'a forgotten camera gets a new stats block');
  assert.equal(fresh.carried.framesIn, 0);
  await waitFor('b online once more', () => fresh.actor.state === 'ONLINE');
});

test('a camera ffmpeg decodes with the configured decoder threads', async () => {
  const threaded = new Gateway({ ffmpeg: resolveFfmpeg(), logger, workers: 1 });
  threaded.start();
  try {
    const cam = await threaded.addCamera({ ...lavfiSpec('threaded'), decodeThreads: 1 }, analysis());
    await waitFor('online', () => cam.actor.state === 'ONLINE');
    const pid = cam.actor.pid as number;
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.equal(args[args.indexOf('-threads') + 1], '1', `-threads 1 before the input: ${args.join(' ')}`);
    assert.ok(args.indexOf('-threads') < args.indexOf('-i'), 'a decoder (input) option');
    const plain = readFileSync(`/proc/${gateway.camera('b')?.actor.pid}/cmdline`, 'utf8').split('\0');
    assert.ok(!plain.includes('-threads'), 'a spec without decodeThreads leaves the choice to ffmpeg');
  } finally {
    await threaded.stop();
  }
});
