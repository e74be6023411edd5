import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameRingConsumer } from '../../src/ring/consumer.ts';
import { Ctrl, FrameRing, Meta } from '../../src/ring/layout.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';
import { epochMs } from '../../src/ring/clock.ts';
import { startWorker } from '../../src/threads.ts';
import { waitFor } from '../support/wait.ts';

function ring(slots = 4): FrameRing {
  return FrameRing.create({ width: 8, height: 4, format: 'gray', slots });
}

function publish(producer: FrameRingProducer, value: number): void {
  producer.acquire().fill(value);
  producer.commit(1000 + value, value);
}

test('a committed frame reaches the consumer in place with its metadata', () => {
  const r = ring();
  const producer = new FrameRingProducer(r);
  const consumer = new FrameRingConsumer(FrameRing.attach(r.buffer));
  assert.equal(consumer.tryAcquire(), -1, 'an empty ring has nothing to read');
  const view = producer.acquire();
  assert.equal(view.length, 32);
  view.fill(7);
  producer.commit(1234.5, 99);
  const slot = consumer.tryAcquire();
  assert.ok(slot >= 0);
  assert.equal(consumer.ring.slots[slot]?.buffer, r.buffer, 'the consumer reads the shared slot, not a copy');
  assert.deepEqual([...(consumer.ring.slots[slot] as Uint8Array)], new Array(32).fill(7));
  assert.equal(consumer.ring.metaOf(slot, Meta.CaptureMs), 1234.5);
  assert.equal(consumer.ring.metaOf(slot, Meta.Pts), 99);
  consumer.release(slot);
  assert.equal(r.counter(Ctrl.DroppedFull), 0);
});

test('commit stamps the commit time on the epochMs clock and keeps the capture time it was given', () => {
  const r = ring();
  const producer = new FrameRingProducer(r);
  const consumer = new FrameRingConsumer(r);
  producer.acquire();
  const before = epochMs();
  producer.commit(1234.5, 1);
  const after = epochMs();
  const slot = consumer.tryAcquire();
  const commitMs = r.metaOf(slot, Meta.CommitMs);
  assert.ok(commitMs >= before - 0.1 && commitMs <= after + 0.1, `${before} <= ${commitMs} <= ${after}`);
  assert.equal(r.metaOf(slot, Meta.CaptureMs), 1234.5);
});

test('a frame committed as captured at acquire carries the claim time, at or before its commit time', () => {
  const r = ring();
  const producer = new FrameRingProducer(r);
  const consumer = new FrameRingConsumer(r);
  const before = epochMs();
  producer.acquire().fill(3);
  const claimed = epochMs();
  producer.commitCapturedAtAcquire(7);
  const slot = consumer.tryAcquire();
  const captureMs = r.metaOf(slot, Meta.CaptureMs);
  assert.ok(captureMs >= before - 0.1 && captureMs <= claimed + 0.1, `${before} <= ${captureMs} <= ${claimed}`);
  assert.ok(r.metaOf(slot, Meta.CommitMs) >= captureMs);
  assert.equal(r.metaOf(slot, Meta.Pts), 7);
});

test('a full ring overwrites the oldest unread frames and counts each drop', () => {
  const r = ring(4);
  const producer = new FrameRingProducer(r);
  const consumer = new FrameRingConsumer(r);
  for (let v = 1; v <= 10; v++) publish(producer, v);
  assert.equal(r.counter(Ctrl.DroppedFull), 6);
  assert.equal(r.occupancy(), 4);
  const seen: number[] = [];
  for (let slot = consumer.tryAcquire(); slot >= 0; slot = consumer.tryAcquire()) {
    seen.push(r.slots[slot]?.[0] as number);
    consumer.release(slot);
  }
  assert.deepEqual(seen, [7, 8, 9, 10], 'the newest frames survive, oldest first');
});

test('the slot being analysed is never overwritten, however far the producer runs ahead', () => {
  const r = ring(3);
  const producer = new FrameRingProducer(r);
  const consumer = new FrameRingConsumer(r);
  publish(producer, 1);
  const reading = consumer.tryAcquire();
  for (let v = 2; v <= 50; v++) publish(producer, v);
  assert.deepEqual([...(r.slots[reading] as Uint8Array)], new Array(32).fill(1));
  consumer.release(reading);
  const next = consumer.tryAcquire();
  assert.equal(r.slots[next]?.[0], 49, 'then the oldest surviving frame follows');
});

test('an aborted half-written frame is counted as incomplete and never delivered', () => {
  const r = ring();
  const producer = new FrameRingProducer(r);
  producer.acquire().fill(3);
  producer.abort();
  assert.equal(r.counter(Ctrl.DroppedIncomplete), 1);
  assert.equal(new FrameRingConsumer(r).tryAcquire(), -1);
});

async function runConsumer(r: FrameRing, delayMs: number, frames: number, gapMs: number): Promise<number[]> {
  const worker = startWorker(new URL('./fixtures/consumer-worker.ts', import.meta.url), { buffer: r.buffer, delayMs });
  const done = new Promise<number[]>((resolve, reject) => {
    worker.on('message', (m: { ready?: boolean; values?: number[] }) => {
      if (m.values) resolve(m.values);
    });
    worker.once('error', reject);
  });
  const ready = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await ready;
  const producer = new FrameRingProducer(r);
  for (let v = 1; v <= frames; v++) {
    publish(producer, v % 256);
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  producer.close();
  const values = await done;
  await worker.terminate();
  return values;
}

test('a consumer thread that keeps up receives every frame in order', async () => {
  const r = FrameRing.create({ width: 64, height: 64, format: 'gray', slots: 4 });
  const values = await runConsumer(r, 0, 40, 2);
  assert.deepEqual(
    values,
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  assert.equal(r.counter(Ctrl.DroppedFull), 0);
});

test('a consumer blocked in wait counts as a waiter, and only then does a commit notify: it wakes at once', {
  timeout: 30_000,
}, async () => {
  const r = FrameRing.create({ width: 64, height: 64, format: 'gray', slots: 4 });
  // A wait of a minute: without the notify the thread would sleep past the test's timeout.
  const worker = startWorker(new URL('./fixtures/consumer-worker.ts', import.meta.url), { buffer: r.buffer, delayMs: 0, waitMs: 60_000 });
  try {
    const done = new Promise<number[]>((resolve, reject) => {
      worker.on('message', (m: { values?: number[] }) => m.values && resolve(m.values));
      worker.once('error', reject);
    });
    await waitFor('the consumer thread blocked in wait', () => r.counter(Ctrl.Waiters) === 1);
    const producer = new FrameRingProducer(r);
    publish(producer, 7);
    producer.close();
    assert.deepEqual(await done, [7]);
    assert.equal(r.counter(Ctrl.Waiters), 0, 'no waiter left once it stopped waiting');
  } finally {
    await worker.terminate();
  }
});

test('a slow consumer thread loses only the oldest frames, each counted, and never stalls the producer', async () => {
  const r = FrameRing.create({ width: 64, height: 64, format: 'gray', slots: 4 });
  const values = await runConsumer(r, 20, 60, 0);
  const dropped = r.counter(Ctrl.DroppedFull);
  assert.ok(dropped > 0, 'frames were dropped');
  assert.equal(values.length + dropped, 60, 'every frame was either delivered or counted as dropped');
  assert.deepEqual(
    values,
    [...values].sort((a, b) => a - b),
    'delivered in order',
  );
  assert.equal(values.at(-1), 60, 'the newest frame is delivered');
});

test('frames reach a racing consumer strictly in order, even when commits land in slots it already scanned', async () => {
  const r = FrameRing.create({ width: 16, height: 8, format: 'gray', slots: 4 });
  const acks = new SharedArrayBuffer(4);
  const ack = new Int32Array(acks);
  const worker = startWorker(new URL('./fixtures/order-worker.ts', import.meta.url), { buffer: r.buffer, acks });
  await new Promise((resolve) => worker.once('message', resolve));
  const producer = new FrameRingProducer(r);
  const frames = 100_000;
  for (let i = 0; i < frames; i++) {
    // Keep at most three frames unacknowledged: the ring never fills, so any disorder is a bug, not a drop.
    while (i - Atomics.load(ack, 0) >= 3) Atomics.wait(ack, 0, Atomics.load(ack, 0), 100);
    producer.acquire()[0] = i & 255;
    producer.commit(0, i);
  }
  producer.close();
  const result = await new Promise<{ outOfOrder: number; received: number }>((resolve) => worker.once('message', resolve));
  await worker.terminate();
  assert.equal(r.counter(Ctrl.DroppedFull), 0);
  assert.equal(result.received, frames);
  assert.equal(result.outOfOrder, 0);
});

test('a consumer that died mid-frame does not lose the slot: the next consumer gets that frame again', () => {
  const r = ring(2);
  const producer = new FrameRingProducer(r);
  publish(producer, 1);
  const dead = new FrameRingConsumer(r);
  assert.ok(dead.tryAcquire() >= 0, 'the first consumer took frame 1 and never released it');
  const next = new FrameRingConsumer(FrameRing.attach(r.buffer));
  const slot = next.tryAcquire();
  assert.equal(r.slots[slot]?.[0], 1, 'frame 1 is offered again');
  next.release(slot);
  for (let v = 2; v <= 5; v++) publish(producer, v);
  assert.equal(r.occupancy(), 2, 'both slots serve the producer again');
});
