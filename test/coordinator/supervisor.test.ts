/**
 * ChannelSupervisor with the real channel worker (workers/channel.ts): several cameras on one worker,
 * their producers ringing that worker's doorbell, and a worker killed while it waits for frames.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { ChannelStats, Counter } from '../../src/channel/stats.ts';
import { ChannelSupervisor } from '../../src/coordinator/supervisor.ts';
import { epochMs } from '../../src/ring/clock.ts';
import { Ctrl, FrameRing } from '../../src/ring/layout.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';
import { analysis } from '../support/cameras.ts';
import { sleep, waitFor } from '../support/wait.ts';

let supervisor: ChannelSupervisor;

before(() => {
  supervisor = new ChannelSupervisor({ workers: 1, logger: pino({ level: 'silent' }), restartBackoff: { initialMs: 50, jitter: 0 } });
  supervisor.start();
});
after(() => supervisor.stop());

interface TestCamera {
  ring: FrameRing;
  producer: FrameRingProducer;
  stats: ChannelStats;
}

async function addCamera(id: string, slots: number, width = 160, height = 90): Promise<TestCamera> {
  const ring = FrameRing.create({ width, height, format: 'gray', slots });
  const stats = new ChannelStats();
  await supervisor.assign({ id, ring: ring.buffer, stats: stats.buffer, ...analysis() });
  return { ring, producer: new FrameRingProducer(ring, supervisor.doorbellOf(id)), stats };
}

function publish(c: TestCamera, value: number): void {
  c.producer.acquire().fill(value);
  c.producer.commit(epochMs(), value);
}

const analysed = (c: TestCamera): number => c.stats.get(Counter.Analysed);

test('cameras sharing a worker all get every frame analysed while another camera floods that worker', { timeout: 180_000 }, async () => {
  const flood = await addCamera('flood', 4, 640, 360);
  // Deep rings for the slow cameras: they tolerate the worker being descheduled for 16 x 20 ms on a busy machine.
  const slow = [await addCamera('slow1', 16), await addCamera('slow2', 16)];
  assert.deepEqual(
    ['flood', 'slow1', 'slow2'].map((id) => supervisor.placement(id)?.worker),
    [0, 0, 0],
  );
  const slowFrames = 25;
  // The flood commits back to back on this thread without even filling its frames, far faster than the
  // worker analyses them. (The order of a pass, one frame a ring, is pinned in test/ring/drain-loop.test.ts;
  // here the producer's own GC pauses let even a drain-one-ring-first loop through, so this checks delivery.)
  for (let i = 1; i <= slowFrames; i++) {
    for (const c of slow) publish(c, i);
    const until = epochMs() + 20;
    while (epochMs() < until) {
      flood.producer.acquire();
      flood.producer.commit(epochMs(), 0);
    }
  }
  await waitFor('every slow frame analysed', () => slow.every((c) => analysed(c) === slowFrames));
  for (const c of slow) assert.equal(c.ring.counter(Ctrl.DroppedFull), 0, 'no slow frame was overwritten while the flood ran');
  assert.ok(flood.ring.counter(Ctrl.DroppedFull) > 0, 'the flood did outrun the worker');
  await waitFor('the flood drained', () => analysed(flood) + flood.ring.counter(Ctrl.DroppedFull) === flood.ring.counter(Ctrl.Published));
  for (const id of ['flood', 'slow1', 'slow2']) await supervisor.unassign(id);
});

test('a worker killed while it waits for frames is restarted and its cameras resume', { timeout: 180_000 }, async () => {
  const cam = await addCamera('cam', 4);
  publish(cam, 1);
  await waitFor('first frame analysed', () => analysed(cam) === 1);
  await sleep(20); // nothing rings: the worker is blocked in its wait
  await supervisor.kill(0);
  await waitFor('worker restarted', () => supervisor.placement('cam')?.restarts === 1);
  // Committed whether or not the new worker has taken the camera back yet: the ring holds them meanwhile.
  for (let v = 2; v <= 4; v++) publish(cam, v);
  await waitFor('frames after the restart analysed', () => analysed(cam) === 4);
  assert.equal(cam.ring.counter(Ctrl.DroppedFull), 0);
});
