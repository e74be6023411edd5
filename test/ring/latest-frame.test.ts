import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameRingConsumer } from '../../src/ring/consumer.ts';
import { FrameRing } from '../../src/ring/layout.ts';
import { copyLatestFrame } from '../../src/ring/latest-frame.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';

function ring(): { ring: FrameRing; producer: FrameRingProducer; consumer: FrameRingConsumer } {
  const r = FrameRing.create({ width: 8, height: 4, format: 'gray', slots: 3 });
  return { ring: r, producer: new FrameRingProducer(r), consumer: new FrameRingConsumer(r) };
}

function put(producer: FrameRingProducer, value: number, captureMs: number): void {
  producer.acquire().fill(value);
  producer.commit(captureMs, captureMs);
}

test('the newest committed frame is copied, whether unread, being read or already released', () => {
  const { ring: r, producer, consumer } = ring();
  const into = new Uint8Array(r.frameBytes);
  assert.equal(copyLatestFrame(r, into), null, 'no frame yet');
  put(producer, 10, 1000);
  put(producer, 20, 2000);
  assert.equal(copyLatestFrame(r, into), 2000);
  assert.ok(into.every((v) => v === 20));

  // The consumer takes both (oldest first) and releases them: their slots are FREE, the frames still there.
  consumer.release(consumer.tryAcquire());
  const reading = consumer.tryAcquire();
  assert.equal(copyLatestFrame(r, into), 2000, 'while the consumer reads it');
  consumer.release(reading);
  into.fill(0);
  assert.equal(copyLatestFrame(r, into), 2000, 'after it was released');
  assert.ok(into.every((v) => v === 20));
  // The consumer still gets every frame: the copy took nothing from it.
  put(producer, 30, 3000);
  assert.equal(r.slots[consumer.tryAcquire()]?.[0], 30);
});

test('a slot being rewritten is skipped for the newest frame not being written', () => {
  const { ring: r, producer } = ring();
  const into = new Uint8Array(r.frameBytes);
  put(producer, 1, 100);
  put(producer, 2, 200);
  put(producer, 3, 300);
  // The ring is full of unread frames: the producer takes the oldest (1) and half-writes it.
  producer.acquire().fill(99);
  assert.equal(copyLatestFrame(r, into), 300);
  assert.ok(into.every((v) => v === 3));
  producer.commit(400, 400);
  assert.equal(copyLatestFrame(r, into), 400);
  assert.ok(into.every((v) => v === 99));
  assert.throws(() => copyLatestFrame(r, new Uint8Array(5)), /Expected 32 bytes for into but received 5/);
});
