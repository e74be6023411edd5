/**
 * A real RTSP server for tests: GStreamer's gst-rtsp-server driven by test/support/rtsp_server.py under
 * Debian's /usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0; a pyenv `python3` on PATH has no gi).
 * Mounts /cam0 .. /cam{N-1} stream a moving videotestsrc pattern as H.264, or (`clips`) H.264 MP4 files
 * as they are; the port is chosen by the OS unless given, and `restart()` comes back on the same port so
 * cameras can reconnect to it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter, the one python3-gi and the GstRtspServer typelib are installed for. */
export const GST_PYTHON = process.env['PANOPTES_GST_PYTHON'] ?? '/usr/bin/python3';

export const RTSP_SERVER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rtsp_server.py');

/** rtsp_server.py's exit code when the fixed port is still bound (EADDRINUSE on Linux). */
const EXIT_ADDRESS_IN_USE = 98;

/** rtsp_server.py's H.264 encoders in order of preference (plugins-ugly, plugins-bad, libav). */
export type H264Encoder = 'x264enc' | 'openh264enc' | 'avenc_h264_omx';

export interface RtspServerOptions {
  /** Mount points /cam0 .. /cam{mounts-1}; default 1. */
  mounts?: number;
  /** Default 640x360. */
  width?: number;
  height?: number;
  /** Default 10. */
  fps?: number;
  /** Frames between key frames; default 10. A client joining a shared mount waits up to one interval. */
  keyInterval?: number;
  /** Default: the first of these that encodes a frame on this machine, in this order. */
  encoder?: H264Encoder;
  /** videotestsrc pattern; default 'ball' (moves). */
  pattern?: string;
  /**
   * H.264 MP4 files: mount i serves clips[i % length], sent without decoding or re-encoding, in real time,
   * from the start for each client (a pipeline a client), ending at the clip's end. Size, fps, key
   * interval and encoder then do not apply (the clip has its own).
   */
  clips?: readonly string[];
  /** Together with `password`: every mount requires HTTP basic credentials, others get 401. */
  user?: string;
  password?: string;
  /** Serve rtsps:// on the port (TLS on every connection) with this PEM certificate and key. */
  tls?: { certFile: string; keyFile: string };
  /** Only these lower transports may be SETUP (others get 461 Unsupported transport); default both. */
  transports?: 'udp' | 'tcp';
  /** A fixed port; default 0, chosen by the OS. */
  port?: number;
  /** How long to wait for the server to report its port; default 15 s. */
  startTimeoutMs?: number;
}

export interface RtspCredentials {
  user: string;
  password: string;
}

export interface RtspServer {
  /** The bound TCP port on 127.0.0.1; the same after `restart()`. */
  readonly port: number;
  /** The H.264 encoder the server uses; 'none' when it serves clips. */
  readonly encoder: H264Encoder | 'none';
  /** rtsp://127.0.0.1:PORT/camN (rtsps:// with `tls`), with URL-encoded credentials when given. */
  url(mount: number, credentials?: RtspCredentials): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same port, retrying while the port is still held. */
  restart(): Promise<void>;
}

type ServerProcess = ChildProcessByStdio<null, Readable, Readable>;

interface Started {
  child: ServerProcess;
  port: number;
  encoder: H264Encoder | 'none';
}

class StartError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

function scriptArgs(options: RtspServerOptions, port: number): string[] {
  const args = [String(options.mounts ?? 1), '--port', String(port)];
  if (options.width !== undefined) args.push('--width', String(options.width));
  if (options.height !== undefined) args.push('--height', String(options.height));
  if (options.fps !== undefined) args.push('--fps', String(options.fps));
  if (options.keyInterval !== undefined) args.push('--key-interval', String(options.keyInterval));
  if (options.encoder !== undefined) args.push('--encoder', options.encoder);
  if (options.pattern !== undefined) args.push('--pattern', options.pattern);
  if (options.user !== undefined) args.push('--user', options.user);
  if (options.password !== undefined) args.push('--password', options.password);
  if (options.tls !== undefined) args.push('--tls-cert', options.tls.certFile, '--tls-key', options.tls.keyFile);
  if (options.transports !== undefined) args.push('--transports', options.transports);
  for (const clip of options.clips ?? []) args.push('--clip', clip);
  return args;
}

/** Spawns the script and resolves when it prints its port line; rejects with its stderr otherwise. */
function launch(options: RtspServerOptions, port: number): Promise<Started> {
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  // setpriv execs python, so child.pid is the server's and SIGTERM reaches it directly; the kernel
  // SIGKILLs it if the test process dies without stopping it.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', GST_PYTHON, RTSP_SERVER_SCRIPT, ...scriptArgs(options, port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8192);
  });
  return new Promise<Started>((resolve, reject) => {
    let stdout = '';
    const command = `${GST_PYTHON} ${path.basename(RTSP_SERVER_SCRIPT)}`;
    const fail = (error: StartError): void => {
      clearTimeout(timer);
      child.stdout.removeListener('data', onData);
      child.removeListener('exit', onExit);
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      const line = stdout.slice(0, newline);
      let reply: { port?: unknown; encoder?: unknown };
      try {
        reply = JSON.parse(line) as { port?: unknown; encoder?: unknown };
      } catch {
        child.kill('SIGKILL');
        fail(new StartError(`${command} printed ${JSON.stringify(line)} instead of its port line; stderr:\n${stderr}`, null));
        return;
      }
      if (typeof reply.port !== 'number' || reply.port <= 0) {
        child.kill('SIGKILL');
        fail(new StartError(`${command} reported no port in ${line}; stderr:\n${stderr}`, null));
        return;
      }
      clearTimeout(timer);
      child.stdout.removeListener('data', onData);
      child.removeListener('exit', onExit);
      child.stdout.resume();
      // A test that forgets stop() should still end: the running server does not hold the event loop
      // (and dies with this process through pdeathsig). terminate() holds it again while waiting.
      child.unref();
      (child.stdout as Socket).unref();
      (child.stderr as Socket).unref();
      resolve({ child, port: reply.port, encoder: reply.encoder as H264Encoder | 'none' });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      fail(new StartError(`${command} exited before serving (code ${code}, signal ${signal}); stderr:\n${stderr}`, code));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new StartError(`${command} did not report its port within ${timeoutMs} ms; stderr:\n${stderr}`, null));
    }, timeoutMs);
    child.stdout.on('data', onData);
    child.on('exit', onExit);
    child.on('error', (err) => {
      fail(new StartError(`could not start setpriv ${GST_PYTHON} (util-linux and python3-gi installed?): ${err.message}`, null));
    });
  });
}

async function terminate(child: ServerProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.ref();
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

class GstRtspServer implements RtspServer {
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly options: RtspServerOptions,
    private child: ServerProcess,
    readonly port: number,
    readonly encoder: H264Encoder | 'none',
  ) {}

  url(mount: number, credentials?: RtspCredentials): string {
    const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : '';
    return `${this.options.tls ? 'rtsps' : 'rtsp'}://${auth}127.0.0.1:${this.port}/cam${mount}`;
  }

  stop(): Promise<void> {
    this.stopping ??= terminate(this.child, 3000);
    return this.stopping;
  }

  async restart(): Promise<void> {
    await this.stop();
    // The old socket is closed once the process is gone and gst-rtsp-server binds with SO_REUSEADDR,
    // so TIME_WAIT does not block the bind; the retry covers a port still held for another reason.
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        const started = await launch(this.options, this.port);
        this.child = started.child;
        this.stopping = null;
        return;
      } catch (err) {
        if (!(err instanceof StartError) || err.exitCode !== EXIT_ADDRESS_IN_USE || Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
  }
}

/** Starts gst-rtsp-server with `options.mounts` mounts; resolves once it listens. */
export async function startRtspServer(options: RtspServerOptions = {}): Promise<RtspServer> {
  const started = await launch(options, options.port ?? 0);
  return new GstRtspServer(options, started.child, started.port, started.encoder);
}
