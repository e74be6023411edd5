/**
 * Drives OpenCV in one long-lived Python process (Debian's /usr/bin/python3 with python3-opencv) so a
 * test file or bench exchanges many frames without a spawn per call. Framing is in
 * test/support/opencv_oracle.py: u32 LE header length, JSON header with `sizes`, then raw buffers.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter: the one python3-opencv installs cv2 for (a pyenv `python3` on PATH has none). */
export const OPENCV_PYTHON = process.env['PANOPTES_OPENCV_PYTHON'] ?? '/usr/bin/python3';

const supportDir = path.dirname(fileURLToPath(import.meta.url));
export const ORACLE_SCRIPT = path.join(supportDir, 'opencv_oracle.py');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Reply {
  header: JsonObject;
  buffers: Buffer[];
}

interface Pending {
  op: string;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

/** One Python process answering framed requests in order. */
export class PythonPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private input: Buffer = Buffer.alloc(0);
  private stderr = '';
  private exited: Error | null = null;

  constructor(script: string) {
    this.child = spawn(OPENCV_PYTHON, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8192);
    });
    // A dead child surfaces through 'exit' with its stderr; the write error itself says less.
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (err) => this.fail(new Error(`could not start ${OPENCV_PYTHON} ${script}: ${err.message}`)));
    this.child.on('exit', (code, signal) => {
      this.fail(new Error(`${path.basename(script)} exited (code ${code}, signal ${signal}); stderr:\n${this.stderr}`));
    });
  }

  /** Sends one request; buffers are written as they are (views are not copied). */
  call(op: string, params: JsonObject = {}, buffers: readonly Uint8Array[] = []): Promise<Reply> {
    if (this.exited) return Promise.reject(this.exited);
    const header = Buffer.from(JSON.stringify({ ...params, op, sizes: buffers.map((b) => b.byteLength) }));
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(header.length, 0);
    const result = new Promise<Reply>((resolve, reject) => this.pending.push({ op, resolve, reject }));
    this.child.stdin.write(prefix);
    this.child.stdin.write(header);
    for (const b of buffers) this.child.stdin.write(b);
    return result;
  }

  /** Closes stdin so the Python loop ends, and waits for the process to exit. */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    await done;
  }

  private receive(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    for (;;) {
      if (this.input.length < 4) return;
      const headerLength = this.input.readUInt32LE(0);
      if (this.input.length < 4 + headerLength) return;
      const header = JSON.parse(this.input.subarray(4, 4 + headerLength).toString()) as JsonObject;
      const sizes = (header['sizes'] ?? []) as number[];
      const total = 4 + headerLength + sizes.reduce((a, b) => a + b, 0);
      if (this.input.length < total) return;
      const buffers: Buffer[] = [];
      let offset = 4 + headerLength;
      for (const size of sizes) {
        buffers.push(Buffer.from(this.input.subarray(offset, offset + size)));
        offset += size;
      }
      this.input = this.input.subarray(total);
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (header['ok'] === true) waiter.resolve({ header, buffers });
      else waiter.reject(new Error(`OpenCV ${waiter.op} failed:\n${String(header['error'])}`));
    }
  }

  private fail(error: Error): void {
    this.exited ??= error;
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
  }
}

export interface OracleMotion {
  changed: number;
  bbox: [number, number, number, number];
  /** Components with area >= minArea as [x, y, w, h, area], OpenCV's label order. */
  boxes: [number, number, number, number, number][];
  grid: number[];
}

export interface OracleMotionParams {
  width: number;
  height: number;
  threshold: number;
  minArea: number;
  gridCols: number;
  gridRows: number;
}

function pickMotion(h: JsonObject): OracleMotion {
  return {
    changed: h['changed'] as number,
    bbox: h['bbox'] as OracleMotion['bbox'],
    boxes: h['boxes'] as OracleMotion['boxes'],
    grid: h['grid'] as number[],
  };
}

/** The typed operations of opencv_oracle.py. */
export class OpenCvOracle {
  private readonly peer = new PythonPeer(ORACLE_SCRIPT);

  async versions(): Promise<{ opencv: string; numpy: string }> {
    const { header } = await this.peer.call('hello');
    return { opencv: String(header['opencv']), numpy: String(header['numpy']) };
  }

  /** absdiff, threshold, countNonZero, boundingRect, connectedComponentsWithStats and a numpy grid. */
  async motion(cur: Uint8Array, ref: Uint8Array, p: OracleMotionParams, exclude?: Uint8Array): Promise<OracleMotion> {
    const buffers = exclude ? [cur, ref, exclude] : [cur, ref];
    const { header } = await this.peer.call('motion', { ...p }, buffers);
    return pickMotion(header);
  }

  /** Background mode over `frames` (the first primes): per-step stats and the final float background. */
  async motionBackground(
    frames: readonly Uint8Array[],
    p: OracleMotionParams & { alpha: number },
  ): Promise<{ steps: OracleMotion[]; background: Float32Array }> {
    const joined = Buffer.concat(frames);
    const { header, buffers } = await this.peer.call('motionBackground', { ...p, count: frames.length }, [joined]);
    const bg = buffers[0] as Buffer;
    const background = new Float32Array(bg.buffer.slice(bg.byteOffset, bg.byteOffset + bg.byteLength));
    return { steps: (header['steps'] as JsonObject[]).map(pickMotion), background };
  }

  /** Tenengrad (CV_64F Sobel) and Laplacian variance (ksize=1) of plane[roi].copy(), BORDER_REFLECT_101. */
  async sharpness(
    plane: Uint8Array,
    width: number,
    height: number,
    roi: [number, number, number, number] = [0, 0, width, height],
  ): Promise<{ tenengrad: number; laplacianVariance: number }> {
    const { header } = await this.peer.call('sharpness', { width, height, roi }, [plane]);
    return { tenengrad: header['tenengrad'] as number, laplacianVariance: header['laplacianVariance'] as number };
  }

  /** cv2.cvtColor(COLOR_RGB2GRAY or COLOR_BGR2GRAY) of packed 3-byte pixels. */
  async toGray(pixels: Uint8Array, width: number, height: number, order: 'rgb' | 'bgr'): Promise<Uint8Array> {
    const { buffers } = await this.peer.call('toGray', { width, height, order }, [pixels]);
    return new Uint8Array(buffers[0] as Buffer);
  }

  /** cv2.resize(INTER_AREA) of a gray plane. */
  async resizeArea(gray: Uint8Array, width: number, height: number, dstWidth: number, dstHeight: number): Promise<Uint8Array> {
    const { buffers } = await this.peer.call('resizeArea', { width, height, dstWidth, dstHeight }, [gray]);
    return new Uint8Array(buffers[0] as Buffer);
  }

  close(): Promise<void> {
    return this.peer.close();
  }
}
