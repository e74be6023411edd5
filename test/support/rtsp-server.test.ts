import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startRtspServer, type RtspServer, type RtspServerOptions } from './rtsp-server.ts';
import { ffmpegPath } from './video.ts';

const WIDTH = 320;
const HEIGHT = 180;
const FRAME_BYTES = WIDTH * HEIGHT;

interface Grab {
  code: number | null;
  frames: Buffer[];
  stderr: string;
}

/** Real ffmpeg over RTSP/TCP: `count` gray frames scaled to 320x180, or its exit code and stderr. */
async function grab(url: string, count: number, timeoutMs = 20_000): Promise<Grab> {
  const child = spawn(
    ffmpegPath(),
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      // Socket I/O timeout in microseconds, so a server that stops answering fails the client.
      '-rtsp_transport',
      'tcp',
      '-timeout',
      '5000000',
      '-i',
      url,
      '-frames:v',
      String(count),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-s',
      `${WIDTH}x${HEIGHT}`,
      'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  const raw = Buffer.concat(chunks);
  const frames: Buffer[] = [];
  for (let offset = 0; offset + FRAME_BYTES <= raw.length; offset += FRAME_BYTES) {
    frames.push(raw.subarray(offset, offset + FRAME_BYTES));
  }
  assert.equal(raw.length % FRAME_BYTES, 0, `ffmpeg wrote ${raw.length} bytes, not whole ${WIDTH}x${HEIGHT} frames`);
  return { code, frames, stderr };
}

function assertFrames(result: Grab, count: number, label: string): void {
  assert.equal(result.code, 0, `${label}: ffmpeg exited ${result.code}:\n${result.stderr}`);
  assert.equal(result.frames.length, count, `${label}: ${result.frames.length} frames`);
}

async function withServer(options: RtspServerOptions, body: (server: RtspServer) => Promise<void>): Promise<void> {
  const server = await startRtspServer(options);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

test('ffmpeg reads ten frames, scaled to 320x180, from each of two default 640x360 mounts, and the pattern moves', {
  timeout: 180_000,
}, async () => {
  await withServer({ mounts: 2 }, async (server) => {
    assert.ok(server.port > 0);
    assert.match(server.encoder, /^(x264enc|openh264enc|avenc_h264_omx)$/);
    const results = await Promise.all([grab(server.url(0), 10), grab(server.url(1), 10)]);
    results.forEach((result, mount) => {
      assertFrames(result, 10, `cam${mount}`);
      assert.notDeepEqual(result.frames[0], result.frames[9], `cam${mount}: first and last frame are identical`);
    });
  });
});

test('the openh264enc fallback streams as well, for machines without plugins-ugly', { timeout: 180_000 }, async (t) => {
  let server: RtspServer;
  try {
    server = await startRtspServer({ mounts: 1, width: WIDTH, height: HEIGHT, fps: 10, encoder: 'openh264enc' });
  } catch (err) {
    if (err instanceof Error && err.message.includes('no working H.264 encoder')) {
      t.skip('openh264enc is not installed (gstreamer1.0-plugins-bad)');
      return;
    }
    throw err;
  }
  try {
    assert.equal(server.encoder, 'openh264enc');
    assertFrames(await grab(server.url(0), 5), 5, 'openh264enc');
  } finally {
    await server.stop();
  }
});

test('with credentials required, no or wrong credentials get 401 and the right ones stream', { timeout: 180_000 }, async () => {
  // ':' and '@' in the password check that url() encodes what would otherwise end the userinfo.
  const credentials = { user: 'operator', password: 'p:ss@word' };
  await withServer({ mounts: 1, width: WIDTH, height: HEIGHT, fps: 10, ...credentials }, async (server) => {
    const [anonymous, wrong, right] = await Promise.all([
      grab(server.url(0), 3),
      grab(server.url(0, { user: credentials.user, password: 'nope' }), 3),
      grab(server.url(0, credentials), 3),
    ]);
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /401 Unauthorized/);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /401 Unauthorized/);
    assertFrames(right, 3, 'with credentials');
  });
});

test('after stop clients are refused, and after restart a new client streams on the same port', { timeout: 180_000 }, async () => {
  await withServer({ mounts: 1, width: WIDTH, height: HEIGHT, fps: 10 }, async (server) => {
    const port = server.port;
    // A client still streaming when the server goes leaves the server side of its connection to close
    // first, the case where a rebind on the same port could meet TIME_WAIT.
    const streaming = grab(server.url(0), 100_000, 30_000);
    assertFrames(await grab(server.url(0), 3), 3, 'before stop');
    await server.stop();
    const cut = await streaming;
    assert.ok(cut.frames.length > 0, `the long client got no frames before the stop:\n${cut.stderr}`);
    const refused = await grab(server.url(0), 3);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Connection refused/);

    await server.restart();
    assert.equal(server.port, port);
    assertFrames(await grab(server.url(0), 5), 5, 'after restart');
  });
});

test('restart retries while the port is still held, and binds it once released', { timeout: 180_000 }, async () => {
  await withServer({ mounts: 1, width: WIDTH, height: HEIGHT, fps: 10 }, async (server) => {
    await server.stop();
    const holder = net.createServer().listen(server.port, '127.0.0.1');
    await once(holder, 'listening');
    const released = setTimeout(() => holder.close(), 700);
    try {
      await server.restart();
    } finally {
      clearTimeout(released);
      if (holder.listening) holder.close();
    }
    assertFrames(await grab(server.url(0), 3), 3, 'after the held port was released');
  });
});

test('starting on a port that is already taken rejects with the server stderr', { timeout: 180_000 }, async () => {
  const holder = net.createServer().listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const { port } = holder.address() as net.AddressInfo;
  try {
    await assert.rejects(startRtspServer({ port }), /exited before serving \(code 98[\s\S]*Address already in use/);
  } finally {
    holder.close();
  }
});

test('twenty concurrent clients on twenty mounts each get frames', { timeout: 180_000 }, async () => {
  await withServer({ mounts: 20, width: WIDTH, height: HEIGHT, fps: 10 }, async (server) => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, mount) => grab(server.url(mount), 5)));
    results.forEach((result, mount) => assertFrames(result, 5, `cam${mount}`));
  });
});

test('eight concurrent clients of one shared mount each get frames', { timeout: 180_000 }, async () => {
  await withServer({ mounts: 1, width: WIDTH, height: HEIGHT, fps: 10 }, async (server) => {
    const results = await Promise.all(Array.from({ length: 8 }, () => grab(server.url(0), 5)));
    results.forEach((result, client) => assertFrames(result, 5, `client ${client}`));
  });
});

/** A 4 s H.264 MP4 of a moving pattern at 320x180, 5 fps, or the first `count` gray frames decoded from it. */
function clipFile(dir: string, name: string, pattern: string): string {
  const file = path.join(dir, name);
  execFileSync(ffmpegPath(), [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    `${pattern}=size=${WIDTH}x${HEIGHT}:rate=5`,
    '-t',
    '4',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '5',
    '-bf',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-y',
    file,
  ]);
  return file;
}

function decodedFrames(file: string, count: number): Buffer[] {
  const raw = execFileSync(ffmpegPath(), [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-i',
    file,
    '-frames:v',
    String(count),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    'pipe:1',
  ]);
  return Array.from({ length: count }, (_, i) => raw.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES));
}

test('clip mounts send their files as they are: each client gets the clip from its first frame, mounts cycling over the clips', {
  timeout: 40_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-rtsp-clips-'));
  try {
    const clips = [clipFile(dir, 'a.mp4', 'testsrc2'), clipFile(dir, 'b.mp4', 'rgbtestsrc')];
    await withServer({ mounts: 3, clips }, async (server) => {
      assert.equal(server.encoder, 'none', 'no encoder runs for clips');
      // Two clients of one mount, one late: both start at the clip's first frame (a pipeline a client).
      const first = grab(server.url(0), 5);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const results = await Promise.all([first, grab(server.url(0), 5), grab(server.url(1), 5), grab(server.url(2), 5)]);
      results.forEach((r, i) => assertFrames(r, 5, `client ${i}`));
      const [a, b] = [decodedFrames(clips[0] as string, 5), decodedFrames(clips[1] as string, 5)];
      assert.deepEqual(results[0]?.frames, a, 'cam0 = clip a, bit for bit');
      assert.deepEqual(results[1]?.frames, a, "the late client of cam0 also starts at clip a's first frame");
      assert.deepEqual(results[2]?.frames, b, 'cam1 = clip b');
      assert.deepEqual(results[3]?.frames, a, 'cam2 = clip a again (mount i serves clip i % 2)');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
