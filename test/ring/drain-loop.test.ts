/**
 * RingDrainLoop on the test's own thread: the loop only runs between event-loop turns, so the test
 * fills the rings, lets exactly one slice run, and stops the loop before the next one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameRingConsumer } from '../../src/ring/consumer.ts';
import { Doorbell } from '../../src/ring/doorbell.ts';
import { NAP_MS, RingDrainLoop, type RingReader } from '../../src/ring/drain-loop.ts';
import { Ctrl, FrameRing, SlotState } from '../../src/ring/layout.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';
import { startWorker } from '../../src/threads.ts';

class Recorder implements RingReader {
  readonly consumer: FrameRingConsumer;

  constructor(
    readonly name: string,
    ring: FrameRing,
    readonly seen: string[],
  ) {
    this.consumer = new FrameRingConsumer(FrameRing.attach(ring.buffer));
  }

  onFrame(slot: number): void {
    this.seen.push(`${this.name}${this.consumer.ring.slots[slot]?.[0] as number}`);
  }
}

function camera(doorbell: Doorbell | null): { ring: FrameRing; producer: FrameRingProducer } {
  const ring = FrameRing.create({ width: 8, height: 4, format: 'gray', slots: 4 });
  return { ring, producer: new FrameRingProducer(ring, doorbell) };
}

function publish(producer: FrameRingProducer, ...values: number[]): void {
  for (const v of values) {
    producer.acquire().fill(v);
    producer.commit(0, v);
  }
}

/** Starts the loop, lets its first slice run, and stops it before a second one. */
async function oneSlice(loop: RingDrainLoop): Promise<void> {
  loop.start();
  await new Promise((resolve) => setImmediate(resolve));
  loop.stop();
}

/** Two cameras on one doorbell, read by one loop with short slices, in that order. */
function twoCameras() {
  const bell = new Doorbell();
  const a = camera(bell);
  const b = camera(bell);
  const seen: string[] = [];
  const loop = new RingDrainLoop(bell, { sliceMs: 5 });
  const readers = [new Recorder('a', a.ring, seen), new Recorder('b', b.ring, seen)] as const;
  for (const r of readers) loop.add(r);
  return { a, b, seen, loop, readers };
}

test('a pass takes one frame from each ring, so a full ring does not starve the others', async () => {
  const { a, b, seen, loop } = twoCameras();
  publish(a.producer, 1, 2, 3, 4);
  publish(b.producer, 1);
  await oneSlice(loop);
  assert.deepEqual(seen, ['a1', 'b1', 'a2', 'a3', 'a4']);
  assert.equal(loop.counters().frames, 5);
});

test("every commit and close rings the doorbell, and the ring's own word still counts them", () => {
  const bell = new Doorbell();
  const { ring, producer } = camera(bell);
  const before = bell.rings;
  publish(producer, 1, 2);
  producer.close();
  assert.equal(bell.rings - before, 3);
  assert.equal(ring.counter(Ctrl.Published), 3, 'single-ring readers wait on Published as before');
  assert.equal(bell.wait(bell.rings - 1, 0), 'not-equal', 'a wait on a stale count returns at once');
});

test('a raised control request returns the loop to the event loop before it takes a frame', async () => {
  const bell = new Doorbell();
  const a = camera(bell);
  const seen: string[] = [];
  // A slice this long would block the test for minutes if the request were not honoured.
  const loop = new RingDrainLoop(bell, { sliceMs: 600_000 });
  loop.add(new Recorder('a', a.ring, seen));
  publish(a.producer, 1, 2);
  bell.requestControl();
  await oneSlice(loop);
  assert.deepEqual(seen, [], 'no frame was taken in the slice that saw the request');
  assert.equal(loop.counters().controlYields, 1);
  assert.equal(bell.takeControl(), false, 'the loop cleared the request');
});

test('a slice ends on its own after sliceMs when nothing rings', async () => {
  const bell = new Doorbell();
  const loop = new RingDrainLoop(bell, { sliceMs: 16 });
  await oneSlice(loop);
  const c = loop.counters();
  assert.equal(c.sliceYields, 1);
  assert.equal(c.frames, 0);
  assert.equal(c.waits, 1, 'one wait for the rest of the slice, no polling');
  assert.ok(c.waitedMs >= 16, `the timed-out wait counts as waiting (${c.waitedMs} ms)`);
});

test('a removed reader gets no more frames and its ring is left as it was', async () => {
  const { a, b, seen, loop, readers } = twoCameras();
  loop.remove(readers[0]);
  publish(a.producer, 1);
  publish(b.producer, 1);
  await oneSlice(loop);
  assert.deepEqual(seen, ['b1']);
  assert.equal(a.ring.occupancy(), 1);
});

test('a reader that throws takes its thread down with the error, its slot released first', async () => {
  const bell = new Doorbell();
  const a = camera(bell);
  const worker = startWorker(new URL('./fixtures/throwing-reader-worker.ts', import.meta.url), {
    ring: a.ring.buffer,
    doorbell: bell.buffer,
  });
  const died = new Promise<Error>((resolve) => worker.once('error', resolve));
  await new Promise((resolve) => worker.once('message', resolve));
  publish(a.producer, 1);
  const err = await died;
  assert.equal(err.message, 'reader failed on frame 1');
  assert.deepEqual([...a.ring.state], [SlotState.Free, SlotState.Free, SlotState.Free, SlotState.Free]);
  assert.equal(a.ring.counter(Ctrl.Consumed), 1);
});

test('a loop that got a frame a NAP_MS last slice naps the next one (producers do not wake it); a quiet slice waits to be rung again', async () => {
  const bell = new Doorbell();
  const cameras = [camera(bell), camera(bell), camera(bell)];
  const seen: string[] = [];
  const loop = new RingDrainLoop(bell, { sliceMs: 40 });
  cameras.forEach((c, i) => loop.add(new Recorder(String(i), c.ring, seen)));
  for (const c of cameras) publish(c.producer, 1, 2);
  await oneSlice(loop); // 6 frames in a 40 ms slice: more than one a NAP_MS (10 ms)
  assert.equal(seen.length, 6);
  const first = loop.counters();
  assert.equal(first.naps, 0, 'the first slice had no rate to go by');
  await oneSlice(loop); // nothing comes: it naps until the last NAP_MS of the slice, then waits
  const napped = loop.counters();
  assert.ok(napped.naps >= 2, `naps ${napped.naps}`);
  assert.equal(napped.waits - first.waits, napped.naps + 1, 'one plain wait, for the last NAP_MS or less');
  await oneSlice(loop); // the slice before took no frame: no naps
  const quiet = loop.counters();
  assert.equal(quiet.naps, napped.naps);
  assert.equal(quiet.waits, napped.waits + 1, 'one wait, the whole slice');
  assert.ok(NAP_MS * 4 <= 40, 'the 40 ms slice leaves room for naps');
});

test('a napping thread is woken by a control request but not by a frame', async () => {
  const bell = new Doorbell();
  // What Doorbell.nap does (a wait that does not count as a sleeper), in a thread of its own.
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const words = new Int32Array(workerData);
    parentPort.on('message', (ms) => {
      const seen = Atomics.load(words, 0);
      parentPort.postMessage('napping');
      const t0 = Date.now();
      const outcome = Atomics.wait(words, 0, seen, ms);
      parentPort.postMessage([outcome, Date.now() - t0]);
    });`;
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(source, { eval: true, workerData: bell.buffer });
  const nap = async (ms: number, poke: () => void): Promise<[string, number]> => {
    const replies: unknown[] = [];
    const done = new Promise<[string, number]>((resolve) =>
      worker.on('message', (m: unknown) => {
        replies.push(m);
        if (m === 'napping') setTimeout(poke, 100);
        else resolve(m as [string, number]);
      }),
    );
    worker.postMessage(ms);
    const result = await done;
    worker.removeAllListeners('message');
    return result;
  };
  try {
    const [ringOutcome] = await nap(400, () => bell.ring());
    assert.notEqual(ringOutcome, 'ok', 'a frame does not wake a nap: no producer notifies one');
    const [controlOutcome, ms] = await nap(30_000, () => bell.requestControl());
    assert.equal(controlOutcome, 'ok', 'a control request wakes it');
    assert.ok(ms < 20_000, `woken after ${ms} ms`);
  } finally {
    await worker.terminate();
  }
});
