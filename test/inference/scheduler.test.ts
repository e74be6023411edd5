import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CropState, SlabCtrl } from '../../src/inference/crop-slab.ts';
import { InferenceScheduler, type CandidateNotice, type ScheduledCandidate, type SchedulerOptions } from '../../src/inference/scheduler.ts';
import { FakeClock } from './fixtures/fake-clock.ts';
import { TestCamera } from './fixtures/test-camera.ts';

/** A scheduler whose batches are recorded and finish only when the test says so. */
function harness(options: Partial<SchedulerOptions>, cameras: TestCamera[]) {
  const clock = new FakeClock();
  const batches: ScheduledCandidate[][] = [];
  const finish: Array<() => void> = [];
  const scheduler = new InferenceScheduler(
    { maxRatePerCamera: Infinity, ...options },
    (batch) => {
      batches.push(batch);
      return new Promise<void>((resolve) => finish.push(resolve));
    },
    clock,
  );
  for (const cam of cameras) scheduler.addCamera(cam.id, cam.slab);
  /** Commits a crop and submits its notice; null when the slab dropped it (every slot in inference). */
  const submit = (cam: TestCamera): CandidateNotice | null => {
    const notice = cam.emit(clock.now());
    if (notice) scheduler.submit(notice);
    return notice;
  };
  /** Completes the oldest running batch and lets the scheduler react. */
  const completeOne = async (): Promise<void> => {
    (finish.shift() as () => void)();
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return { clock, batches, scheduler, submit, completeOne };
}

const cams = (...ids: string[]): TestCamera[] => ids.map((id) => new TestCamera(id));
const ids = (batch: ScheduledCandidate[]): string[] => batch.map((c) => c.notice.camera);

test('eight candidates from several cameras leave as one batch at once', () => {
  const [a, b, c, d] = cams('a', 'b', 'c', 'd') as [TestCamera, TestCamera, TestCamera, TestCamera];
  const h = harness({ maxBatch: 8, maxWaitMs: 10, maxInFlight: 1 }, [a, b, c, d]);
  for (const cam of [a, b, c, d, a, b, c]) h.submit(cam);
  assert.equal(h.batches.length, 0, 'seven crops wait for the eighth or the deadline');
  h.submit(d);
  assert.equal(h.batches.length, 1);
  assert.deepEqual(ids(h.batches[0] as ScheduledCandidate[]).sort(), ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd']);
  for (const item of h.batches[0] as ScheduledCandidate[]) {
    assert.equal(Atomics.load(item.slab.state, item.notice.slot), CropState.Inferring, 'dispatched slots are claimed');
  }
});

test('waiting candidates are shared over the free threads instead of queueing behind one', () => {
  const [a, b, c, d] = cams('a', 'b', 'c', 'd') as [TestCamera, TestCamera, TestCamera, TestCamera];
  const h = harness({ maxBatch: 8, maxWaitMs: 10, maxInFlight: 2 }, [a, b, c, d]);
  for (const cam of [a, b, c, d, a]) h.submit(cam);
  h.clock.advance(10);
  assert.deepEqual(
    h.batches.map((batch) => batch.length),
    [3, 2],
    'five crops, two idle threads: 3 + 2, not 5 on one thread',
  );
  for (const cam of [a, b, c]) h.submit(cam);
  h.clock.advance(10);
  assert.equal(h.batches.length, 2, 'no thread free: they wait');
});

test('three candidates leave as one batch when the oldest has waited maxWaitMs', () => {
  const [a, b, c] = cams('a', 'b', 'c') as [TestCamera, TestCamera, TestCamera];
  const h = harness({ maxBatch: 8, maxWaitMs: 10, maxInFlight: 1 }, [a, b, c]);
  h.submit(a);
  h.clock.advance(4);
  h.submit(b);
  h.submit(c);
  h.clock.advance(5.9);
  assert.equal(h.batches.length, 0);
  h.clock.advance(0.1);
  assert.equal(h.batches.length, 1);
  assert.deepEqual(ids(h.batches[0] as ScheduledCandidate[]), ['a', 'b', 'c']);
});

test('a finished batch frees its slots for the writers', async () => {
  const [a] = cams('a') as [TestCamera];
  const h = harness({ maxBatch: 2, maxWaitMs: 10, maxInFlight: 1 }, [a]);
  h.submit(a);
  h.submit(a);
  await h.completeOne();
  assert.deepEqual([...a.slab.state], [CropState.Free, CropState.Free, CropState.Free, CropState.Free]);
  await h.scheduler.idle();
});

test('a camera submitting ten times more than three others does not delay their crops', async () => {
  const flood = new TestCamera('flood');
  const quiet = cams('q1', 'q2', 'q3');
  const h = harness({ maxBatch: 4, maxWaitMs: 10, maxInFlight: 1, maxShare: 1 }, [flood, ...quiet]);
  // Each round the flooding camera sends 10 crops and every quiet one 1; one batch runs at a time.
  const waits: number[] = [];
  const pending = new Map<string, number>();
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 10; i++) h.submit(flood);
    for (const q of quiet) {
      const notice = h.submit(q);
      assert.ok(notice, 'a quiet camera always has a slot');
      pending.set(`${q.id}:${notice.seq}`, h.batches.length);
    }
    h.clock.advance(10);
    if (h.batches.length > 0) await h.completeOne();
  }
  for (const [index, batch] of h.batches.entries()) {
    for (const item of batch) {
      const since = pending.get(`${item.notice.camera}:${item.notice.seq}`);
      if (since !== undefined) waits.push(index - since);
    }
  }
  assert.ok(waits.length >= 85, `${waits.length} of 90 quiet crops served`);
  assert.ok(Math.max(...waits) <= 1, `each quiet crop left in the next batch at the latest (max ${Math.max(...waits)})`);
  const served = (id: string): number => h.batches.flat().filter((c) => c.notice.camera === id).length;
  assert.ok(served('flood') <= served('q1') + 4, `flood ${served('flood')} crops, q1 ${served('q1')}: one turn each`);
  assert.ok(flood.slab.counter(SlabCtrl.DroppedQueueFull) > 200, 'the flood is absorbed by its own slab, oldest first');
});

/** The batch formed when two neighbours wake up beside a camera that has had the pool to itself. */
async function batchAfterWindySpell(maxShare: number): Promise<string[]> {
  const [windy, b, c] = cams('windy', 'b', 'c') as [TestCamera, TestCamera, TestCamera];
  const h = harness({ maxBatch: 4, maxWaitMs: 0, maxInFlight: 1, maxShare, shareWindow: 8 }, [windy, b, c]);
  for (let i = 0; i < 8; i++) {
    h.submit(windy);
    await h.completeOne();
  }
  h.submit(windy);
  for (let i = 0; i < 4; i++) h.submit(windy);
  for (let i = 0; i < 2; i++) h.submit(b);
  for (let i = 0; i < 2; i++) h.submit(c);
  await h.completeOne();
  return ids(h.batches.at(-1) as ScheduledCandidate[]).sort();
}

test('a camera in constant motion yields its turns to cameras under maxShare while they wait', async () => {
  assert.deepEqual(await batchAfterWindySpell(0.5), ['b', 'b', 'c', 'c'], 'over its share, windy waits');
  assert.ok((await batchAfterWindySpell(1)).includes('windy'), 'round robin alone would have given windy a turn');
});

test('a capped camera still uses the pool when nobody else has work', () => {
  const [windy, other] = cams('windy', 'other') as [TestCamera, TestCamera];
  const h = harness({ maxBatch: 4, maxWaitMs: 0, maxInFlight: 100, maxShare: 0.25, shareWindow: 8 }, [windy, other]);
  for (let i = 0; i < 4; i++) h.submit(windy);
  assert.equal(h.batches.flat().length, 4, 'work-conserving: alone, a capped camera is served');
});

test('candidates above the per-camera rate are discarded, counted and their slots freed', () => {
  const [a] = cams('a') as [TestCamera];
  const h = harness({ maxBatch: 100, maxWaitMs: 1000, maxRatePerCamera: 2 }, [a]);
  for (let i = 0; i < 4; i++) h.submit(a);
  assert.equal(h.scheduler.counters('a')?.rateLimited, 2, 'a burst of 2 allowed at 2/s');
  assert.equal(a.slab.counter(SlabCtrl.Discarded), 2);
  assert.equal(a.slab.queued(), 2);
  h.clock.advance(500);
  h.submit(a);
  assert.equal(h.scheduler.counters('a')?.rateLimited, 2, 'half a second refills one token');
});

test('a notice for a crop replaced in its slot is superseded by the newer one', () => {
  const a = new TestCamera('a', 2);
  const h = harness({ maxBatch: 8, maxWaitMs: 10, maxInFlight: 1 }, [a]);
  const first = h.submit(a) as CandidateNotice;
  h.submit(a);
  const third = h.submit(a) as CandidateNotice;
  assert.equal(third.slot, first.slot, 'the writer replaced the oldest crop');
  assert.equal(h.scheduler.pending, 2);
  assert.equal(h.scheduler.counters('a')?.superseded, 1);
  h.clock.advance(10);
  assert.deepEqual(
    (h.batches[0] as ScheduledCandidate[]).map((c) => c.notice.seq),
    [2, 3],
  );
});

test('no more than maxInFlight batches run; the next leaves when one finishes', async () => {
  const cameras = cams('a', 'b', 'c', 'd');
  const h = harness({ maxBatch: 2, maxWaitMs: 10, maxInFlight: 1 }, cameras);
  for (const cam of cameras) h.submit(cam);
  assert.equal(h.batches.length, 1);
  assert.equal(h.scheduler.pending, 2, 'the rest wait in the scheduler, not in the pool');
  await h.completeOne();
  assert.equal(h.batches.length, 2);
  await h.completeOne();
  await h.scheduler.idle();
});

test('removing a camera discards its pending crops on its slab', () => {
  const [a, b] = cams('a', 'b') as [TestCamera, TestCamera];
  const h = harness({ maxBatch: 8, maxWaitMs: 10 }, [a, b]);
  h.submit(a);
  h.submit(a);
  h.submit(b);
  h.scheduler.removeCamera('a');
  assert.equal(a.slab.counter(SlabCtrl.Discarded), 2);
  assert.equal(a.slab.queued(), 0);
  h.clock.advance(10);
  assert.deepEqual(ids(h.batches[0] as ScheduledCandidate[]), ['b']);
});
