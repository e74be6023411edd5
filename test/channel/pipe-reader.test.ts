import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { test } from 'node:test';
import { PipeReader } from '../../src/channel/pipe-reader.ts';
import { PipeSet } from '../../src/channel/pipe-set.ts';
import { openFramePipe } from '../../src/ingest/frame-pipe.ts';
import { FrameRingConsumer } from '../../src/ring/consumer.ts';
import { epochMs } from '../../src/ring/clock.ts';
import { Doorbell } from '../../src/ring/doorbell.ts';
import { Ctrl, FrameRing, Meta } from '../../src/ring/layout.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';
import { lavfiFrames } from '../support/video.ts';
import { waitFor } from '../support/wait.ts';

interface Run {
  reader: PipeReader;
  pipeBytes: number;
  /** first-frame events seen. */
  firstFrames: number;
}

/**
 * One ffmpeg run into the ring through a frame pipe, read by a PipeReader in a PipeSet polled on a
 * 2 ms timer (as TimerPipes does), until the pipe ends; `killWhen` SIGKILLs ffmpeg once it holds.
 */
function runFfmpeg(ring: FrameRing, args: string[], killWhen?: (reader: PipeReader) => boolean): Promise<Run> {
  return new Promise((resolve) => {
    const { readFd, writeFd, pipeBytes } = openFramePipe(ring.frameBytes);
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args, 'pipe:1'], {
      stdio: ['ignore', writeFd, 'inherit'],
    });
    closeSync(writeFd);
    const run = Atomics.add(ring.ctrl, Ctrl.Run, 1) + 1;
    const reader = new PipeReader('cam', readFd, run, new FrameRingProducer(ring));
    const result: Run = { reader, pipeBytes, firstFrames: 0 };
    const set = new PipeSet(-1, {
      firstFrame: () => result.firstFrames++,
      ended: () => {
        clearInterval(timer);
        closeSync(readFd);
        resolve(result);
      },
    });
    set.add(reader);
    const timer = setInterval(() => {
      while (set.poll(0) > 0);
    }, 2);
    if (killWhen !== undefined) void waitFor('the kill condition', () => killWhen(reader), 60_000, 5).then(() => child.kill('SIGKILL'));
  });
}

test('frames decoded by ffmpeg land in ring slots byte for byte, in order, with one first-frame event', async () => {
  const ring = FrameRing.create({ width: 160, height: 120, format: 'yuv420p', slots: 16 });
  const consumer = new FrameRingConsumer(ring);
  const { reader, firstFrames } = await runFfmpeg(ring, [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25',
    '-frames:v',
    '12',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
  ]);
  assert.equal(reader.frames, 12);
  assert.deepEqual(reader.end, { kind: 'eof' });
  assert.equal(firstFrames, 1);
  assert.equal(ring.counter(Ctrl.Frames), 12);
  assert.equal(ring.counter(Ctrl.DroppedFull), 0);
  const expected = lavfiFrames(160, 120, 'yuv420p', 12).frames;
  for (let i = 0; i < 12; i++) {
    const slot = consumer.tryAcquire();
    assert.ok(slot >= 0, `frame ${i} is in the ring`);
    assert.equal(ring.metaOf(slot, Meta.Run), 1, 'frames carry the run');
    assert.ok(Buffer.from(ring.slots[slot] as Uint8Array).equals(Buffer.from(expected[i] as Uint8Array)), `frame ${i} matches`);
    consumer.release(slot);
  }
});

test('each run grows its pipe to hold a frame, so a frame written in one call is taken in one read', async () => {
  const ring = FrameRing.create({ width: 640, height: 360, format: 'yuv420p', slots: 16 });
  const frames = 20;
  // At a camera's pace: ffmpeg writes each frame as 32 KiB writes, which a frame-sized pipe takes whole.
  const input = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=10', '-frames:v', String(frames)];
  const { reader, pipeBytes } = await runFfmpeg(ring, [...input, '-f', 'rawvideo', '-pix_fmt', 'yuv420p']);
  assert.equal(reader.frames, frames);
  assert.ok(pipeBytes >= ring.frameBytes, `the pipe holds ${pipeBytes} B, a frame is ${ring.frameBytes} B`);
  // A 64 KiB pipe takes at least 6 reads a 345,600 B frame; one frame a read here, two when a loaded
  // machine polls while ffmpeg is halfway through a frame.
  assert.ok(reader.reads <= 2 * frames, `${reader.reads} reads for ${frames} frames`);
});

test("each frame carries its first byte's arrival as capture time, before its commit, on the epochMs clock", async () => {
  const ring = FrameRing.create({ width: 320, height: 240, format: 'yuv420p', slots: 8 });
  const consumer = new FrameRingConsumer(ring);
  assert.equal(ring.lastCommitMs(), 0, 'no frame yet');
  const start = epochMs();
  await runFfmpeg(ring, ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-frames:v', '6', '-f', 'rawvideo', '-pix_fmt', 'yuv420p']);
  const end = epochMs();
  let previousCommit = start;
  for (let slot = consumer.tryAcquire(); slot >= 0; slot = consumer.tryAcquire()) {
    const captureMs = ring.metaOf(slot, Meta.CaptureMs),
      commitMs = ring.metaOf(slot, Meta.CommitMs);
    assert.ok(start <= captureMs && captureMs <= commitMs && commitMs <= end, `${start} <= ${captureMs} <= ${commitMs} <= ${end}`);
    assert.ok(commitMs >= previousCommit, 'commit times follow the frame order');
    previousCommit = commitMs;
    consumer.release(slot);
  }
  assert.equal(ring.lastCommitMs(), previousCommit, "the ring's newest commit is the last frame's");
});

test('a paused consumer makes the ring drop the oldest frames, counted, while ingest continues', async () => {
  const ring = FrameRing.create({ width: 64, height: 48, format: 'gray', slots: 4 });
  const { reader } = await runFfmpeg(ring, [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=64x48:rate=25',
    '-frames:v',
    '30',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
  ]);
  assert.equal(reader.frames, 30);
  assert.equal(ring.counter(Ctrl.DroppedFull), 26);
  assert.equal(ring.occupancy(), 4);
});

test('an ffmpeg killed mid-frame loses only the partial frame and the next run starts aligned', async () => {
  const ring = FrameRing.create({ width: 640, height: 480, format: 'yuv420p', slots: 64 });
  // Killed once frames flow (not after a fixed time, which a loaded machine may spend starting ffmpeg).
  const first = await runFfmpeg(
    ring,
    ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=25', '-f', 'rawvideo', '-pix_fmt', 'yuv420p'],
    (reader) => reader.frames >= 3,
  );
  assert.ok(first.reader.frames > 0, 'frames arrived before the kill');
  const second = await runFfmpeg(ring, [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x480:rate=25',
    '-frames:v',
    '5',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
  ]);
  assert.equal(second.reader.frames, 5);
  assert.equal(ring.counter(Ctrl.Frames), first.reader.frames + 5);
  // The last frame of the second run equals ffmpeg's fifth frame: no byte offset carried over.
  const consumer = new FrameRingConsumer(ring);
  let last = -1;
  for (let slot = consumer.tryAcquire(); slot >= 0; slot = consumer.tryAcquire()) {
    if (last >= 0) consumer.release(last);
    last = slot;
  }
  assert.equal(ring.metaOf(last, Meta.Run), 2);
  const expected = lavfiFrames(640, 480, 'yuv420p', 5).frames[4] as Uint8Array;
  assert.ok(Buffer.from(ring.slots[last] as Uint8Array).equals(Buffer.from(expected)));
});

test('a producer made again over a ring carries on its sequence, so the oldest frame is still the one overwritten', () => {
  const ring = FrameRing.create({ width: 8, height: 2, format: 'gray', slots: 2 });
  const before = new FrameRingProducer(ring);
  for (let i = 0; i < 2; i++) {
    before.acquire().fill(i + 1);
    before.commitCapturedAtAcquire(i);
  }
  // A restarted worker makes its own producer: a third frame must replace the first, not the second.
  const after = new FrameRingProducer(ring);
  after.acquire().fill(3);
  after.commitCapturedAtAcquire(2);
  const consumer = new FrameRingConsumer(ring);
  const seen: number[] = [];
  for (let slot = consumer.tryAcquire(); slot >= 0; slot = consumer.tryAcquire()) {
    seen.push((ring.slots[slot] as Uint8Array)[0] as number);
    consumer.release(slot);
  }
  assert.deepEqual(seen.sort(), [2, 3]);
});

test("a byte on the worker's wake pipe ends a blocking poll at once", () => {
  const bell = Doorbell.withWakePipe();
  const set = new PipeSet(bell.wakeFd, { firstFrame: () => undefined, ended: () => undefined });
  bell.requestControl();
  const t0 = epochMs();
  set.poll(10_000);
  assert.ok(epochMs() - t0 < 5_000, `the poll returned after ${epochMs() - t0} ms`);
  // Drained: the next poll waits its timeout.
  const t1 = epochMs();
  set.poll(50);
  assert.ok(epochMs() - t1 >= 40, 'a drained wake pipe does not wake the next poll');
});

test('a commit by another thread wakes a worker polling its pipes, and only while it polls', () => {
  const bell = Doorbell.withWakePipe();
  const set = new PipeSet(bell.wakeFd, { firstFrame: () => undefined, ended: () => undefined });
  const seen = bell.rings;
  assert.ok(bell.enterPoll(seen), 'nothing rang since the scan: poll');
  bell.ring(); // a producer on another thread commits (here in sequence)
  const t0 = epochMs();
  set.poll(10_000);
  assert.ok(epochMs() - t0 < 5_000, `the poll returned after ${epochMs() - t0} ms`);
  bell.leavePoll();
  bell.ring(); // nobody polls: no byte for the wake pipe
  const t1 = epochMs();
  set.poll(50);
  assert.ok(epochMs() - t1 >= 40, 'a ring without a poller writes nothing');
  const before = bell.rings;
  bell.ring(); // between the scan and the poll
  assert.equal(bell.enterPoll(before), false, 'a ring since the scan: scan again instead of polling');
});
