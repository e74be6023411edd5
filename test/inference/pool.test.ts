import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlabCtrl } from '../../src/inference/crop-slab.ts';
import { InferencePool, type BatchOutcome, type InferencePoolOptions } from '../../src/inference/pool.ts';
import { InferenceScheduler, type ScheduledCandidate, type SchedulerOptions } from '../../src/inference/scheduler.ts';
import { Control, TEST_BACKEND_URL, controlBlock, openGate } from './fixtures/test-backends.ts';
import { TestCamera } from './fixtures/test-camera.ts';
import { writeGarbage, writeModel } from '../support/onnx-models.ts';
import { waitFor } from '../support/wait.ts';

const u8 = { width: 4, height: 4, layout: 'nhwc-u8' } as const;

async function testPool(
  control: Int32Array,
  options: Partial<InferencePoolOptions> = {},
  backend: Record<string, unknown> = {},
): Promise<InferencePool> {
  return InferencePool.start({
    backend: { type: 'test', control: control.buffer, ...backend },
    threads: 1,
    extraBackends: { test: TEST_BACKEND_URL },
    ...options,
  });
}

/** Scheduler feeding the pool; every outcome is recorded with the seqs it answered. */
function wire(pool: InferencePool, options: Partial<SchedulerOptions>, cameras: TestCamera[]) {
  const outcomes: Array<{ seqs: string[]; outcome: BatchOutcome }> = [];
  const scheduler = new InferenceScheduler({ maxRatePerCamera: Infinity, ...options }, async (batch: ScheduledCandidate[]) => {
    const outcome = await pool.infer(batch);
    outcomes.push({ seqs: batch.map((c) => `${c.notice.camera}:${c.notice.seq}`), outcome });
  });
  for (const cam of cameras) scheduler.addCamera(cam.id, cam.slab);
  const submit = (cam: TestCamera, fill = 0): boolean => {
    const notice = cam.emit(performance.timeOrigin + performance.now(), fill);
    if (notice) scheduler.submit(notice);
    return notice !== null;
  };
  return { scheduler, outcomes, submit };
}

/** One claimed candidate, for calling infer directly. */
function claimed(cam: TestCamera, fill = 0): ScheduledCandidate {
  const notice = cam.emit(0, fill);
  assert.ok(notice && cam.slab.claim(notice.slot, notice.seq));
  return { notice, slab: cam.slab, arrivedMs: 0 };
}

function release(batch: ScheduledCandidate[]): void {
  for (const c of batch) c.slab.release(c.notice.slot);
}

test('every pool worker has built its detector when start resolves, so no first crop waits for a model load', async () => {
  const control = controlBlock();
  const pool = await testPool(control, { threads: 3 });
  try {
    assert.equal(Atomics.load(control, Control.Created), 3);
    assert.equal(Atomics.load(control, Control.Calls), 0, 'warming up runs no detection');
  } finally {
    await pool.close();
  }
});

test('the motion backend answers each candidate with motion detections on the calling thread, measured as a task, a batch a turn', async () => {
  const pool = await InferencePool.start({ backend: { type: 'motion' }, threads: 1 });
  try {
    assert.deepEqual(pool.backend, { type: 'motion', tensor: null, maxBatch: 8, faces: null }, 'batches of one turn, not 64');
    assert.equal(pool.runsInline, true);
    const cam = new TestCamera('gate');
    const batch = [claimed(cam), claimed(cam)];
    let otherTurn = false;
    setImmediate(() => (otherTurn = true));
    const outcome = await pool.infer(batch);
    assert.ok(otherTurn, 'the batch waited for a turn of its own: what was queued before it ran first');
    release(batch);
    assert.equal(outcome.source, 'backend');
    assert.equal(outcome.detections.length, 2);
    assert.equal(outcome.detections[0]?.[0]?.label, 'motion');
    assert.deepEqual(outcome.detections[0]?.[0]?.box, { x: 0, y: 0, width: 10, height: 10 });
    const stats = pool.stats();
    assert.equal(stats.counters.crops, 2);
    assert.equal(stats.queueWaitMs.count, 2, 'queue wait measured a crop');
    assert.equal(stats.runMs.count, 1, 'run time measured a task');
  } finally {
    await pool.close();
  }
});

test('a pool worker reads each crop in place from its camera slab', async () => {
  const control = controlBlock();
  const pool = await testPool(control, {}, { tensor: u8 });
  try {
    assert.deepEqual(pool.backend.tensor, u8);
    const a = new TestCamera('a', 4, u8);
    const b = new TestCamera('b', 4, u8);
    Atomics.store(control, Control.MarkCrops, 1);
    const batch = [claimed(a, 11), claimed(b, 22), claimed(a, 33)];
    const outcome = await pool.infer(batch);
    release(batch);
    assert.deepEqual(
      outcome.detections.map((d) => d[0]?.label),
      ['crop-11', 'crop-22', 'crop-33'],
    );
    assert.deepEqual(
      batch.map((c) => c.slab.tensors[c.notice.slot]?.[1]),
      [99, 99, 99],
      'the worker wrote into the same memory: no copy',
    );
  } finally {
    await pool.close();
  }
});

test('eight candidates from several cameras become one detect call, and three become one call after maxWait', async () => {
  const control = controlBlock();
  const pool = await testPool(control);
  const cameras = ['a', 'b', 'c', 'd'].map((id) => new TestCamera(id));
  // maxWait far above what the synchronous submit loops take even on a loaded machine (a crop that
  // has waited maxWait leaves at once, so a 10 ms wait split the batches when the test was preempted).
  const { scheduler, submit } = wire(pool, { maxBatch: 8, maxWaitMs: 1000, maxInFlight: 1 }, cameras);
  try {
    for (let i = 0; i < 8; i++) submit(cameras[i % 4] as TestCamera);
    await scheduler.idle();
    assert.equal(Atomics.load(control, Control.Calls), 1);
    assert.equal(Atomics.load(control, Control.BatchSizes + 8), 1);
    for (let i = 0; i < 3; i++) submit(cameras[i] as TestCamera);
    await scheduler.idle();
    assert.equal(Atomics.load(control, Control.Calls), 2);
    assert.equal(Atomics.load(control, Control.BatchSizes + 3), 1, 'the three left together when the first had waited maxWait');
  } finally {
    scheduler.close();
    await pool.close();
  }
});

test('a slow backend never blocks the producer: the oldest queued crops are dropped and counted, the newest inferred', async () => {
  const control = controlBlock();
  Atomics.store(control, Control.Gate, 1);
  const pool = await testPool(control);
  const cam = new TestCamera('busy', 4);
  const { scheduler, submit, outcomes } = wire(pool, { maxBatch: 2, maxWaitMs: 0, maxInFlight: 1 }, [cam]);
  try {
    submit(cam);
    await waitFor('the backend to block on the first batch', () => Atomics.load(control, Control.Waiting) === 1);
    for (let i = 0; i < 19; i++) assert.ok(submit(cam), 'every write got a slot at once');
    assert.equal(cam.slab.counter(SlabCtrl.DroppedQueueFull), 16, 'one slot in inference, three queued: 16 replaced');
    openGate(control);
    await scheduler.idle();
    const answered = outcomes.flatMap((o) => o.seqs);
    assert.deepEqual(answered.sort(), ['busy:1', 'busy:18', 'busy:19', 'busy:20']);
    assert.equal(scheduler.counters('busy')?.superseded, 16, 'the notice of each replaced crop left the queue with it');
  } finally {
    openGate(control);
    scheduler.close();
    await pool.close();
  }
});

test('a pool worker that dies is replaced and the pool keeps serving', async () => {
  const control = controlBlock();
  const pool = await testPool(control);
  const cam = new TestCamera('a');
  try {
    Atomics.store(control, Control.CrashOnce, 1);
    const first = [claimed(cam)];
    const crashed = await pool.infer(first);
    release(first);
    assert.equal(crashed.source, 'fallback');
    assert.equal(crashed.reason, 'backend_error');
    assert.equal(crashed.detections[0]?.[0]?.label, 'motion', 'the crash was answered by motion');
    await waitFor('the worker exit to be counted', () => pool.stats().counters.workerExits === 1);
    for (let i = 0; i < 3; i++) {
      const batch = [claimed(cam, i)];
      const outcome = await pool.infer(batch);
      release(batch);
      assert.equal(outcome.source, 'backend', `task ${i} after the crash ran on the replacement worker`);
    }
    assert.equal(pool.stats().counters.failedTasks, 1);
    assert.match(pool.stats().lastError ?? '', /worker exited with code: 3/);
  } finally {
    await pool.close();
  }
});

test('repeated backend failures open the breaker and candidates get motion detections until it recovers', async () => {
  const control = controlBlock();
  let now = 0;
  const changes: Array<[boolean, string]> = [];
  const pool = await testPool(control, {
    now: () => now,
    breaker: { failureThreshold: 3, openMs: 1000, halfOpenMaxTrials: 2, successThreshold: 2 },
    onDegradedChange: (degraded, reason) => changes.push([degraded, reason]),
  });
  const cam = new TestCamera('a');
  const infer = async (): Promise<BatchOutcome> => {
    const batch = [claimed(cam)];
    try {
      return await pool.infer(batch);
    } finally {
      release(batch);
    }
  };
  try {
    Atomics.store(control, Control.Fail, 1);
    for (let i = 0; i < 3; i++) assert.equal((await infer()).reason, 'backend_error');
    assert.equal(pool.degraded, true);
    const calls = Atomics.load(control, Control.Calls);
    const open = await infer();
    assert.equal(open.source, 'fallback');
    assert.equal(open.reason, 'circuit_open');
    assert.equal(open.detections[0]?.[0]?.label, 'motion');
    assert.equal(Atomics.load(control, Control.Calls), calls, 'no task reaches a backend behind an open breaker');
    Atomics.store(control, Control.Fail, 0);
    now += 1000;
    assert.equal((await infer()).source, 'backend', 'a half-open trial runs');
    assert.equal(pool.stats().breaker, 'half_open');
    assert.equal((await infer()).source, 'backend');
    assert.equal(pool.stats().breaker, 'closed');
    assert.equal(pool.degraded, false);
    assert.deepEqual(
      changes.map(([d]) => d),
      [true, false],
    );
    assert.match(changes[0]?.[1] ?? '', /inference backend 'test' failing \(test backend failure\): motion-only events/);
    const c = pool.stats().counters;
    assert.deepEqual([c.failedTasks, c.shortCircuited, c.fallbackCrops], [3, 1, 4]);
  } finally {
    await pool.close();
  }
});

test('an unknown backend type fails at start with E_BACKEND_UNKNOWN', async () => {
  await assert.rejects(InferencePool.start({ backend: { type: 'yolo9000' }, threads: 1 }), {
    code: 'E_BACKEND_UNKNOWN',
    message: /Unknown detector backend type 'yolo9000': expected one of 'motion', 'onnx'/,
  });
});

test('a backend whose model is missing, corrupt or of the wrong shape does not stop the pool: it starts degraded, naming the setting, and motion answers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'panoptes-pool-models-'));
  try {
    const wrongShape = writeModel(dir, 'yolo.onnx', {
      inputDims: [1, 3, 416, 416],
      outputs: [{ name: 'output0', dims: [1, 84, 3549], base: new Float32Array(84 * 3549) }],
    });
    const cases = [
      { modelPath: join(dir, 'missing.onnx'), code: 'E_MODEL_MISSING', says: /set inference\.backend\.modelPath/ },
      { modelPath: writeGarbage(dir), code: 'E_MODEL_INVALID', says: /check inference\.backend\.modelPath/ },
      { modelPath: wrongShape, code: 'E_MODEL_INVALID', says: /Unsupported NanoDet outputs 'output0'/ },
    ];
    for (const c of cases) {
      const changes: Array<[boolean, string]> = [];
      const pool = await InferencePool.start({
        backend: { type: 'nanodet', modelPath: c.modelPath },
        threads: 1,
        onDegradedChange: (d, reason) => changes.push([d, reason]),
      });
      try {
        assert.deepEqual(pool.backend, { type: 'motion', tensor: null, maxBatch: 64, faces: null }, 'crop slabs are shaped for motion');
        assert.equal(pool.degraded, true);
        assert.equal(changes.length, 1);
        assert.match(
          changes[0]?.[1] ?? '',
          new RegExp(`^inference backend 'nanodet' could not start: ${c.code}: .*; motion-only events until the config is fixed$`),
        );
        assert.match(pool.stats().lastError ?? '', c.says);
        const cam = new TestCamera('gate');
        const batch = [claimed(cam)];
        const outcome = await pool.infer(batch);
        release(batch);
        assert.equal(outcome.source, 'fallback');
        assert.equal(outcome.reason, 'backend_unavailable');
        assert.equal(outcome.detections[0]?.[0]?.label, 'motion');
        assert.equal(pool.stats().counters.fallbackCrops, 1);
      } finally {
        await pool.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
