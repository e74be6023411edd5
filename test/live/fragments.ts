/** Reads a viewer's stream the way a player does, and checks the bytes with ffprobe. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { baseDecodeTime, childBoxes, mdhdTimescale, startsWithSync, trexDefaultFlags } from '../../src/live/mp4-boxes.ts';
import type { FeedClient } from '../outputs/ws/feed-client.ts';

const run = promisify(execFile);

export interface ViewedStream {
  codec: string;
  init: Buffer;
  fragments: Buffer[];
  /** The clock message before each fragment: its media time (s) and when the gateway read it (epoch ms). */
  clocks: Array<{ mediaS: number; wallMs: number }>;
}

function topTypes(buffer: Buffer): string[] {
  return [...childBoxes(buffer, 0, buffer.length)].map(([type]) => type);
}

/** codec message, init segment, then `count` fragments, checking the shape of each. */
export async function readStream(client: FeedClient, count: number): Promise<ViewedStream> {
  const first = await client.nextJson();
  assert.equal(first['type'], 'codec', JSON.stringify(first));
  const codec = first['codec'] as string;
  assert.match(codec, /^(avc1|avc3)\.[0-9a-f]{6}$|^(hvc1|hev1)\./);
  assert.equal(first['mime'], `video/mp4; codecs="${codec}"`);
  const init = await client.next();
  assert.equal(init.kind, 'binary');
  assert.deepEqual(topTypes(init.data), ['ftyp', 'moov']);
  const fragments: Buffer[] = [];
  const clocks: ViewedStream['clocks'] = [];
  const timescale = mdhdTimescale(init.data);
  while (fragments.length < count) {
    const clock = await client.nextJson();
    assert.equal(clock['type'], 'clock', 'a clock message before each fragment');
    const item = await client.next();
    assert.equal(item.kind, 'binary', 'only fragments and their clocks follow the init segment');
    assert.deepEqual(topTypes(item.data), ['moof', 'mdat']);
    // The clock's media time is the fragment's own tfdt, what the browser's video element reports.
    assert.equal(clock['mediaS'], (baseDecodeTime(item.data) as number) / timescale);
    assert.ok(Math.abs((clock['wallMs'] as number) - Date.now()) < 60_000, 'the clock is wall-clock epoch ms');
    clocks.push({ mediaS: clock['mediaS'] as number, wallMs: clock['wallMs'] as number });
    fragments.push(item.data);
  }
  return { codec, init: init.data, fragments, clocks };
}

export function isKeyFragment(stream: ViewedStream, fragment: Buffer): boolean {
  const moof = [...childBoxes(fragment, 0, fragment.length)][0] as [string, number, number];
  return startsWithSync(fragment.subarray(0, moof[2]), trexDefaultFlags(stream.init));
}

/** ffprobe's packets of init + fragments: decode time (s) and key flag, in file order. */
export async function probePackets(stream: ViewedStream): Promise<Array<{ dts: number; key: boolean }>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-live-'));
  try {
    const file = path.join(dir, 'live.mp4');
    writeFileSync(file, Buffer.concat([stream.init, ...stream.fragments]));
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=dts_time,flags',
      '-of',
      'csv=p=0',
      file,
    ]);
    return stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [dts, flags] = line.split(',');
        return { dts: Number(dts), key: (flags ?? '').includes('K') };
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The stream starts on a key frame and ffprobe reads every fragment with advancing timestamps. */
export async function assertPlayable(stream: ViewedStream): Promise<void> {
  assert.ok(isKeyFragment(stream, stream.fragments[0] as Buffer), 'the first fragment starts on a key frame');
  const packets = await probePackets(stream);
  assert.equal(packets.length, stream.fragments.length, 'one packet a fragment');
  assert.equal(packets[0]?.key, true, 'ffprobe sees a key frame first');
  // Decode timestamps: presentation order differs from file order in a stream with B-frames.
  for (let i = 1; i < packets.length; i++)
    assert.ok(
      (packets[i]?.dts as number) > (packets[i - 1]?.dts as number),
      `timestamps advance at packet ${i}: ${JSON.stringify(packets.slice(0, i + 1))}`,
    );
}
