import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { FrameReader, closeFd } from '../../src/ingest/frame-reader.ts';
import { FrameRingConsumer } from '../../src/ring/consumer.ts';
import { epochMs } from '../../src/ring/clock.ts';
import { Ctrl, FrameRing, Meta } from '../../src/ring/layout.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';
import { lavfiFrames } from '../support/video.ts';
import { waitFor } from '../support/wait.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs ffmpeg into the reader until it exits; `killWhen` SIGKILLs it once the predicate holds. */
function runFfmpeg(reader: FrameReader, args: string[], killWhen?: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const writeFd = reader.begin(resolve);
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args, 'pipe:1'], {
      stdio: ['ignore', writeFd, 'inherit'],
    });
    closeFd(writeFd);
    if (killWhen !== undefined) void waitFor('the kill condition', killWhen, 60_000, 5).then(() => child.kill('SIGKILL'));
  });
}

test('frames decoded by ffmpeg land in ring slots byte for byte, in order', async () => {
  const ring = FrameRing.create({ width: 160, height: 120, format: 'yuv420p', slots: 16 });
  const consumer = new FrameRingConsumer(ring);
  const reader = new FrameReader(new FrameRingProducer(ring), path.join(dir, 'a.fifo'), () => undefined);
  await runFfmpeg(reader, [
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
  assert.equal(ring.counter(Ctrl.DroppedFull), 0);
  const expected = lavfiFrames(160, 120, 'yuv420p', 12).frames;
  for (let i = 0; i < 12; i++) {
    const slot = consumer.tryAcquire();
    assert.ok(slot >= 0, `frame ${i} is in the ring`);
    assert.ok(Buffer.from(ring.slots[slot] as Uint8Array).equals(Buffer.from(expected[i] as Uint8Array)), `frame ${i} matches`);
    consumer.release(slot);
  }
  reader.dispose();
});

test('each run grows the pipe to hold a frame, so a frame written in one call is taken in one read', async () => {
  const ring = FrameRing.create({ width: 640, height: 360, format: 'yuv420p', slots: 16 });
  const reader = new FrameReader(new FrameRingProducer(ring), path.join(dir, 'p.fifo'), () => undefined);
  const frames = 20;
  // At a camera's pace: ffmpeg writes each frame as 32 KiB writes, which a frame-sized pipe takes whole.
  const input = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=10', '-frames:v', String(frames)];
  await runFfmpeg(reader, [...input, '-f', 'rawvideo', '-pix_fmt', 'yuv420p']);
  assert.equal(reader.frames, frames);
  assert.ok(reader.pipeBytes >= ring.frameBytes, `the pipe holds ${reader.pipeBytes} B, a frame is ${ring.frameBytes} B`);
  // A 64 KiB pipe takes at least 6 reads a 345,600 B frame; one frame a read here, two when a loaded
  // machine holds the reader back long enough for the next frame to fill the pipe halfway.
  assert.ok(reader.reads <= 2 * frames, `${reader.reads} reads for ${frames} frames`);
  reader.dispose();
});

test("each frame carries its first byte's arrival as capture time, before its commit, on the epochMs clock", async () => {
  const ring = FrameRing.create({ width: 320, height: 240, format: 'yuv420p', slots: 8 });
  const consumer = new FrameRingConsumer(ring);
  const reader = new FrameReader(new FrameRingProducer(ring), path.join(dir, 't.fifo'), () => undefined);
  assert.equal(reader.lastFrameMs, 0, 'no frame yet');
  const start = epochMs();
  await runFfmpeg(reader, [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25',
    '-frames:v',
    '6',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
  ]);
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
  const age = Date.now() - reader.lastFrameMs;
  // Date.now() and epochMs() may differ by a few ms; the bound is the run's length read after `age`.
  assert.ok(age >= -5 && age <= epochMs() - start + 50, `the last frame is ${age} ms old on Date.now()'s clock`);
  reader.dispose();
});

test('a paused consumer makes the ring drop the oldest frames, counted, while ingest continues', async () => {
  const ring = FrameRing.create({ width: 64, height: 48, format: 'gray', slots: 4 });
  const reader = new FrameReader(new FrameRingProducer(ring), path.join(dir, 'b.fifo'), () => undefined);
  await runFfmpeg(reader, ['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-frames:v', '30', '-f', 'rawvideo', '-pix_fmt', 'gray']);
  assert.equal(reader.frames, 30);
  assert.equal(ring.counter(Ctrl.DroppedFull), 26);
  assert.equal(ring.occupancy(), 4);
  reader.dispose();
});

test('an ffmpeg killed mid-frame loses only the partial frame and the next run starts aligned', async () => {
  const ring = FrameRing.create({ width: 640, height: 480, format: 'yuv420p', slots: 64 });
  const reader = new FrameReader(new FrameRingProducer(ring), path.join(dir, 'c.fifo'), () => undefined);
  // Killed once frames flow (not after a fixed time, which a loaded machine may spend starting ffmpeg).
  await runFfmpeg(
    reader,
    ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=25', '-f', 'rawvideo', '-pix_fmt', 'yuv420p'],
    () => reader.frames >= 3,
  );
  const firstRun = reader.frames;
  assert.ok(firstRun > 0, 'frames arrived before the kill');
  await runFfmpeg(reader, [
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
  assert.equal(reader.frames, firstRun + 5);
  // The last frame of the second run equals ffmpeg's fifth frame: no byte offset carried over.
  const consumer = new FrameRingConsumer(ring);
  let last = -1;
  for (let slot = consumer.tryAcquire(); slot >= 0; slot = consumer.tryAcquire()) {
    if (last >= 0) consumer.release(last);
    last = slot;
  }
  const expected = lavfiFrames(640, 480, 'yuv420p', 5).frames[4] as Uint8Array;
  assert.ok(Buffer.from(ring.slots[last] as Uint8Array).equals(Buffer.from(expected)));
  reader.dispose();
});

test('the FIFO is made once and reused by every run, and removed with the reader', async () => {
  const ring = FrameRing.create({ width: 64, height: 48, format: 'gray', slots: 8 });
  const fifo = path.join(dir, 'reuse.fifo');
  const reader = new FrameReader(new FrameRingProducer(ring), fifo, () => undefined);
  const args = ['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-frames:v', '2', '-f', 'rawvideo', '-pix_fmt', 'gray'];
  await runFfmpeg(reader, args);
  const inode = lstatSync(fifo).ino;
  await runFfmpeg(reader, args);
  assert.equal(reader.frames, 4);
  assert.ok(lstatSync(fifo).isFIFO());
  assert.equal(lstatSync(fifo).ino, inode, 'the second run read the same FIFO');
  reader.dispose();
  assert.equal(existsSync(fifo), false, 'dispose removes it');
  await runFfmpeg(reader, args);
  assert.equal(reader.frames, 6, 'a reader started again after dispose makes its FIFO again');
  reader.dispose();
});
