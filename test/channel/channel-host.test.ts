/**
 * A channel worker's control plane while its drain loop runs: the worker here never ends a slice on
 * its own (test/channel/fixtures/long-slice-worker.ts), so every control call below is served only
 * because the coordinator's endpoint raises the doorbell's control request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as Comlink from 'comlink';
import { ChannelStats, Counter } from '../../src/channel/stats.ts';
import { controlEndpoint } from '../../src/coordinator/supervisor.ts';
import type { ChannelService } from '../../src/protocol.ts';
import { Doorbell } from '../../src/ring/doorbell.ts';
import { FrameRing } from '../../src/ring/layout.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';
import { startWorker } from '../../src/threads.ts';
import { ANALYSIS, analysis } from '../support/cameras.ts';
import { waitFor } from '../support/wait.ts';

const FIXTURE = new URL('./fixtures/long-slice-worker.ts', import.meta.url);

function camera(id: string, doorbell: Doorbell) {
  const ring = FrameRing.create({ width: 64, height: 32, format: 'gray', slots: 4 });
  const stats = new ChannelStats();
  const settings = { id, ring: ring.buffer, stats: stats.buffer, ...analysis(), motion: { ...ANALYSIS.motion, width: 64, height: 32 } };
  return { settings, producer: new FrameRingProducer(ring, doorbell), stats };
}

function startChannel() {
  const doorbell = new Doorbell();
  const worker = startWorker(FIXTURE, { doorbell: doorbell.buffer });
  return { doorbell, worker, remote: Comlink.wrap<ChannelService>(controlEndpoint(worker, doorbell)) };
}

test('control calls are served while frames flow, and cameras added meanwhile are analysed too', { timeout: 180_000 }, async () => {
  const { doorbell, worker, remote } = startChannel();
  try {
    const a = camera('a', doorbell);
    await remote.addCamera(a.settings);
    let n = 0;
    const flow = setInterval(() => {
      a.producer.acquire().fill(n++ & 1 ? 0 : 255);
      a.producer.commit(Date.now(), n);
    }, 1);
    try {
      await waitFor('camera a analysed', () => a.stats.get(Counter.Analysed) >= 20);
      for (let i = 0; i < 20; i++) assert.deepEqual(await remote.cameras(), ['a']);
      const b = camera('b', doorbell);
      await remote.addCamera(b.settings);
      for (let v = 1; v <= 4; v++) {
        // as many as b's ring holds: none can be dropped
        b.producer.acquire().fill(v);
        b.producer.commit(Date.now(), v);
      }
      await waitFor('camera b analysed', () => b.stats.get(Counter.Analysed) === 4);
      const health = await remote.stats();
      assert.equal(health.cameras, 2);
      assert.ok(health.eventLoopUtilization >= 0 && health.eventLoopUtilization <= 1);
      await remote.removeCamera('a');
      const before = a.stats.get(Counter.Analysed);
      const removedAt = n;
      await waitFor('frames still flowing into a', () => n > removedAt + 20);
      assert.deepEqual(await remote.cameras(), ['b']);
      assert.equal(a.stats.get(Counter.Analysed), before, 'a removed camera is no longer analysed');
    } finally {
      clearInterval(flow);
    }
  } finally {
    await worker.terminate();
  }
});

test('terminating a channel worker interrupts its blocking wait', { timeout: 180_000 }, async () => {
  const { worker, remote } = startChannel();
  assert.deepEqual(await remote.cameras(), [], 'the worker is up, now idle in a wait of 75 s');
  // Without the interruption the test would time out: the wait outlasts the test's timeout.
  const code = await worker.terminate();
  assert.equal(code, 1);
});
