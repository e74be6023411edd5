/**
 * An MJPEG IP camera for tests: `multipart/x-mixed-replace` over HTTP on 127.0.0.1 (port from the OS),
 * sending a fixed set of JPEG frames (encoded once by ffmpeg from testsrc2) in a loop at `fps`, the
 * way cheap IP cameras serve /video.mjpg. The test can freeze it (connections stay open, no frames),
 * make it refuse (503), or cut every open stream.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ffmpegPath } from './video.ts';

const BOUNDARY = 'panoptesframe';

/** `stream`: frames flow; `frozen`: connections are accepted and kept, nothing is sent; `refusing`: 503. */
export type MjpegMode = 'stream' | 'frozen' | 'refusing';

export interface MjpegServerOptions {
  width?: number;
  height?: number;
  /** Frames a second sent to every client; default 10. */
  fps?: number;
  /** Distinct frames in the loop; default 20. */
  frames?: number;
}

export interface MjpegServer {
  readonly port: number;
  /** http://127.0.0.1:PORT/video.mjpg */
  readonly url: string;
  mode: MjpegMode;
  /** Ends every open stream (the client sees the end of the multipart body). */
  cutStreams(): void;
  /** Frames written, summed over clients. */
  readonly framesSent: number;
  /** Streams exactly `count` more frame writes, then freezes; resolves once frozen. */
  sendThenFreeze(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** `count` JPEGs of testsrc2, each a complete file (SOI .. EOI). */
export function jpegFrames(count: number, width: number, height: number): Buffer[] {
  const stream = execFileSync(ffmpegPath(), [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=10`,
    '-frames:v',
    String(count),
    '-q:v',
    '5',
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    'pipe:1',
  ]);
  // ffmpeg's JPEGs carry no embedded thumbnail, so the first EOI (FF D9) after an SOI ends the image:
  // 0xFF inside entropy-coded data is always stuffed as FF 00.
  const frames: Buffer[] = [];
  let start = 0;
  while (start < stream.length) {
    const end = stream.indexOf(Buffer.from([0xff, 0xd9]), start);
    if (end < 0) break;
    frames.push(stream.subarray(start, end + 2));
    start = end + 2;
  }
  if (frames.length !== count) throw new Error(`ffmpeg produced ${frames.length} JPEGs, expected ${count}`);
  return frames;
}

/** One multipart part a frame, framed once so sending is a single write. */
function parts(frames: Buffer[]): Buffer[] {
  return frames.map((jpeg) =>
    Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`),
      jpeg,
      Buffer.from('\r\n'),
    ]),
  );
}

export async function startMjpegServer(options: MjpegServerOptions = {}): Promise<MjpegServer> {
  const { width = 320, height = 180, fps = 10, frames = 20 } = options;
  const loop = parts(jpegFrames(frames, width, height));
  const clients = new Set<http.ServerResponse>();
  let next = 0;
  let sent = 0;
  let mode: MjpegMode = 'stream';
  let freezeAt = Infinity;
  let frozen: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    if (mode === 'refusing') {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('camera busy');
      return;
    }
    res.writeHead(200, { 'Content-Type': `multipart/x-mixed-replace;boundary=${BOUNDARY}`, 'Cache-Control': 'no-cache' });
    clients.add(res);
    req.on('close', () => clients.delete(res));
  });
  const timer = setInterval(() => {
    if (mode !== 'stream' || clients.size === 0) return;
    const part = loop[next++ % loop.length] as Buffer;
    for (const res of clients) {
      if (sent >= freezeAt) break;
      res.write(part);
      sent++;
    }
    if (sent >= freezeAt) {
      mode = 'frozen';
      freezeAt = Infinity;
      frozen?.();
    }
  }, 1000 / fps);
  timer.unref();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/video.mjpg`,
    get mode() {
      return mode;
    },
    set mode(to: MjpegMode) {
      mode = to;
    },
    get framesSent() {
      return sent;
    },
    sendThenFreeze(count) {
      mode = 'stream';
      freezeAt = sent + count;
      return new Promise((resolve) => {
        frozen = resolve;
      });
    },
    cutStreams() {
      for (const res of clients) res.end();
      clients.clear();
    },
    async stop() {
      clearInterval(timer);
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
