/**
 * Moves ffmpeg's raw frames into a camera's ring with no allocation per frame. ffmpeg's stdout is the
 * write end of a FIFO; we read the other end through a net.Socket in `onread` mode, which reuses one
 * chunk buffer for every read, and copy each chunk straight into the ring slot being filled. The FIFO
 * is made once (mkfifo(3) through the addon, no child process) and reused by every run until dispose.
 *
 * Each run grows the pipe to hold a whole frame (up to the system's pipe-max-size): ffmpeg writes a
 * frame as 32 KiB writes without ever blocking mid-frame, and we take what has arrived in one read,
 * where a 64 KiB pipe made both sides block, wake and read six or more times a frame.
 */
import { closeSync, constants, lstatSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { copyBytes } from '../native/bytes.ts';
import { makeFifo, setPipeSize } from '../native/fifo.ts';
import { epochMs, stampNow } from '../ring/clock.ts';
import type { FrameRingProducer } from '../ring/producer.ts';

/** The largest pipe an unprivileged process may ask for (Linux's default when unreadable). */
const PIPE_MAX_BYTES = ((): number => {
  try {
    return Number.parseInt(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8'), 10) || 1 << 20;
  } catch {
    return 1 << 20;
  }
})();

/** The pipe size that holds a frame: pages in a power of two, as the kernel sizes pipes. */
function pipeBytesFor(frameBytes: number): number {
  let bytes = 1 << 16;
  while (bytes < frameBytes && bytes < PIPE_MAX_BYTES) bytes *= 2;
  return Math.min(bytes, PIPE_MAX_BYTES);
}

/** Node accepts `onread` in the Socket constructor (as net.connect does); @types/node omits it there. */
type OnreadSocketOptions = net.SocketConstructorOpts & {
  onread: { buffer: Uint8Array; callback: (bytesWritten: number, buf: Uint8Array) => boolean };
};

export class FrameReader {
  /** Complete frames committed to the ring (over every run). */
  frames = 0;
  /** Reads that returned bytes (over every run): about one a frame when the pipe holds a frame. */
  reads = 0;
  readonly fifoPath: string;
  private readonly producer: FrameRingProducer;
  private readonly chunk: Buffer;
  private readonly frameBytes: number;
  /** The pipe size each run asks for, and what the last run got (0: the kernel's default was kept). */
  private readonly pipeTarget: number;
  pipeBytes = 0;
  private socket: net.Socket | undefined;
  private slot: Uint8Array | undefined;
  private filled = 0;
  /** When the last complete frame arrived (epochMs clock, 0 before the first), stamped without allocating. */
  private readonly lastFrame = new Float64Array(1);
  private readonly onFrame: () => void;
  private fifoMade = false;

  /** `onFrame` runs after each committed frame (keep it cheap: it is on the ingest path). */
  constructor(producer: FrameRingProducer, fifoPath: string, onFrame: () => void) {
    this.producer = producer;
    this.frameBytes = producer.ring.frameBytes;
    this.pipeTarget = pipeBytesFor(this.frameBytes);
    // A frame a read when the pipe holds one; never more than the pipe can hold.
    this.chunk = Buffer.allocUnsafe(Math.min(this.frameBytes, this.pipeTarget));
    this.fifoPath = fifoPath;
    this.onFrame = onFrame;
  }

  /**
   * When the last complete frame arrived (0 before the first), on Date.now()'s clock, which the stall
   * detector compares it with: the frame's age is measured on the monotonic clock it was stamped with,
   * so a wall-clock step cannot fake (or hide) a stall. Read by a timer, not per frame.
   */
  get lastFrameMs(): number {
    const at = this.lastFrame[0] as number;
    return at === 0 ? 0 : Date.now() - (epochMs() - at);
  }

  /**
   * Starts a run: returns the FIFO's write end for the child's stdout (close it in this process once
   * spawned, so the child is the only writer and its exit ends the socket). `onEnd` runs after the
   * last byte the child wrote has been read.
   */
  begin(onEnd: () => void): number {
    this.end();
    this.producer.beginRun();
    if (!this.fifoMade) this.makeFifo();
    // The read end first (non-blocking, so it opens without a writer), then the write end.
    const readFd = openSync(this.fifoPath, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(this.fifoPath, constants.O_WRONLY);
    try {
      this.pipeBytes = setPipeSize(readFd, this.pipeTarget);
    } catch {
      // EPERM past the user's pipe-buffer limit: the default pipe still works, a few more reads a frame.
      this.pipeBytes = 0;
    }
    const options: OnreadSocketOptions = {
      fd: readFd,
      readable: true,
      writable: false,
      onread: { buffer: this.chunk, callback: (n: number) => this.onRead(n) },
    };
    const socket = new net.Socket(options);
    socket.once('close', () => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.dropPartial();
        onEnd();
      }
    });
    socket.on('error', () => socket.destroy());
    this.socket = socket;
    return writeFd;
  }

  private makeFifo(): void {
    try {
      makeFifo(this.fifoPath, 0o600);
    } catch (err) {
      // Left by an earlier reader of the same path (a camera removed and added again): reuse it.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !lstatSync(this.fifoPath).isFIFO()) throw err;
    }
    this.fifoMade = true;
  }

  private onRead(nread: number): boolean {
    this.reads++;
    let offset = 0;
    while (offset < nread) {
      if (this.slot === undefined) {
        // The first byte's arrival is the closest we get to the capture time of a decoded frame:
        // acquire stamps it into the slot, commitCapturedAtAcquire keeps it.
        this.slot = this.producer.acquire();
        this.filled = 0;
      }
      const n = Math.min(nread - offset, this.frameBytes - this.filled);
      copyBytes(this.slot, this.filled, this.chunk, offset, n);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameBytes) {
        this.producer.commitCapturedAtAcquire(this.frames);
        this.slot = undefined;
        this.frames++;
        stampNow(this.lastFrame, 0);
        this.onFrame();
      }
    }
    return true;
  }

  /** A run that ended mid-frame leaves a partial slot: give it back, counted as incomplete. */
  private dropPartial(): void {
    if (this.slot !== undefined) this.producer.abort();
    this.slot = undefined;
    this.filled = 0;
  }

  /** Stops reading the current run now (its `onEnd` does not run). */
  end(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    this.dropPartial();
  }

  /** Ends the run and removes the FIFO (a later `begin` makes it again). */
  dispose(): void {
    this.end();
    rmSync(this.fifoPath, { force: true });
    this.fifoMade = false;
  }
}

export function closeFd(fd: number): void {
  closeSync(fd);
}
