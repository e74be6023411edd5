/** The fMP4 splitter and codec string over ffmpeg's real output, fed whole and in awkward pieces. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Mp4Splitter, type Mp4Fragment } from '../../src/live/mp4-boxes.ts';
import { codecString } from '../../src/live/mp4-codec.ts';

const run = promisify(execFile);

/** 20 frames of H.264, a key frame every 5, as the restream writes them. */
async function fragmentedMp4(profile: string, encoder = 'libx264'): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=160x120:rate=10',
      '-frames:v',
      '20',
      '-c:v',
      encoder,
      '-profile:v',
      profile,
      '-g',
      '5',
      '-keyint_min',
      '5',
      '-sc_threshold',
      '0',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'mp4',
      '-movflags',
      'empty_moov+default_base_moof+frag_every_frame',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

function split(bytes: Buffer, chunk: number): { init: Buffer[]; fragments: Mp4Fragment[] } {
  const init: Buffer[] = [];
  const fragments: Mp4Fragment[] = [];
  const splitter = new Mp4Splitter({ init: (data) => init.push(data), fragment: (f) => fragments.push(f) });
  for (let at = 0; at < bytes.length; at += chunk) splitter.feed(bytes.subarray(at, at + chunk));
  return { init, fragments };
}

test('the splitter finds one init and a fragment a frame, key frames every 5th, however the bytes are cut', async () => {
  const bytes = await fragmentedMp4('high');
  const whole = split(bytes, bytes.length);
  assert.equal(whole.init.length, 1);
  assert.equal(whole.fragments.length, 20);
  assert.deepEqual(
    whole.fragments.map((f) => f.key),
    Array.from({ length: 20 }, (_, i) => i % 5 === 0),
  );
  for (const chunk of [1, 7, 4096]) {
    const pieces = split(bytes, chunk);
    assert.deepEqual(pieces.init, whole.init, `init with ${chunk}-byte chunks`);
    assert.deepEqual(pieces.fragments, whole.fragments, `fragments with ${chunk}-byte chunks`);
  }
  // The tfdt times over the mdhd timescale: one frame interval (10 fps) apart, starting at 0, what MSE shows.
  const times = whole.fragments.map((f) => f.mediaS as number);
  assert.equal(times[0], 0);
  for (let i = 1; i < times.length; i += 1)
    assert.ok(Math.abs((times[i] as number) - (times[i - 1] as number) - 0.1) < 1e-6, `fragment ${i} at ${times[i]}`);
  const kept = Buffer.concat([...whole.init, ...whole.fragments.map((f) => f.data)]);
  assert.deepEqual(kept, bytes.subarray(0, kept.length), 'the boxes in order, unchanged');
  assert.equal(bytes.toString('latin1', kept.length + 4, kept.length + 8), 'mfra', 'only the closing index (mfra) is left out');
});

test('the codec string names the H.264 profile and level from the avcC record', async () => {
  const high = split(await fragmentedMp4('high'), 65536).init[0] as Buffer;
  const baseline = split(await fragmentedMp4('baseline'), 65536).init[0] as Buffer;
  // High is profile 0x64, constrained baseline 0x42 with constraint flags 0xc0; the level is x264's pick.
  assert.match(codecString(high) ?? '', /^avc1\.6400[0-9a-f]{2}$/);
  assert.match(codecString(baseline) ?? '', /^avc1\.42c0[0-9a-f]{2}$/);
  assert.equal(codecString(Buffer.alloc(16)), null);
});

test('the codec string of H.265 follows ISO/IEC 14496-15 annex E (profile, reversed compatibility flags, tier and level)', async () => {
  const init = split(await fragmentedMp4('main', 'libx265'), 1 << 20).init[0] as Buffer;
  // Main profile (1), compatibility flags 0x60000000 reversed = 0x6, main tier, level x 30, constraint byte 0x90 (progressive, frame-only).
  assert.match(codecString(init) ?? '', /^hev1\.1\.6\.L\d+\.90$/);
});
