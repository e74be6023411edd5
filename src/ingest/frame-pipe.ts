/**
 * The pipe of one ffmpeg run: ffmpeg writes raw frames into its write end (the child's stdout), the
 * camera's channel worker reads the other end (src/channel/pipe-reader.ts). An anonymous pipe a run,
 * so a run's fd is never shared with the next one (a named FIFO reused across runs would be), and the
 * coordinator, which owns the read end, closes it only once no worker reads it.
 *
 * The pipe is grown to hold a whole frame (up to the system's pipe-max-size): ffmpeg writes a frame as
 * 32 KiB writes without ever blocking mid-frame, and the reader takes it in one read, where a 64 KiB
 * pipe made both sides block, wake and read six or more times a frame.
 */
import { readFileSync } from 'node:fs';
import { makePipe, setNonBlocking, setPipeSize } from '../native/index.ts';

/** The largest pipe an unprivileged process may ask for (Linux's default when unreadable). */
const PIPE_MAX_BYTES = ((): number => {
  try {
    return Number.parseInt(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8'), 10) || 1 << 20;
  } catch {
    return 1 << 20;
  }
})();

/** The pipe size that holds a frame: pages in a power of two, as the kernel sizes pipes. */
export function pipeBytesFor(frameBytes: number): number {
  let bytes = 1 << 16;
  while (bytes < frameBytes && bytes < PIPE_MAX_BYTES) bytes *= 2;
  return Math.min(bytes, PIPE_MAX_BYTES);
}

export interface FramePipe {
  /** Non-blocking, close-on-exec: for the reader. */
  readFd: number;
  /** Blocking, close-on-exec (spawning dups it onto the child's stdout): close it here once spawned. */
  writeFd: number;
  /** The pipe's size (the kernel's default 64 KiB when growing it was refused). */
  pipeBytes: number;
}

export function openFramePipe(frameBytes: number): FramePipe {
  const [readFd, writeFd] = makePipe();
  let pipeBytes = 1 << 16;
  try {
    pipeBytes = setPipeSize(readFd, pipeBytesFor(frameBytes));
  } catch {
    // EPERM past the user's pipe-buffer limit: the default pipe still works, a few more reads a frame.
  }
  setNonBlocking(readFd);
  return { readFd, writeFd, pipeBytes };
}
