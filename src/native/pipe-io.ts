/**
 * Pipe I/O for threads that read ffmpeg's output themselves (the channel workers): a read straight
 * into a ring slot, and poll(2) over the pipes of a worker's cameras plus its wake pipe. A worker
 * thread may block in `pollReadable`; the coordinator's event loop never calls it.
 */
import { addon } from './load.ts';
import { systemError } from './system-error.ts';

/** Linux's EAGAIN: `readInto` returns -EAGAIN when a non-blocking pipe is empty. */
export const EAGAIN = 11;

/**
 * Grows the pipe behind `fd` to hold at least `bytes` (the kernel rounds up to a power-of-two number
 * of pages) and returns its size now. Above /proc/sys/fs/pipe-max-size (1 MiB by default) or past the
 * user's pipe-buffer limit it fails with EPERM: the pipe keeps the size it had.
 */
export function setPipeSize(fd: number, bytes: number): number {
  const size = addon().setPipeSize(fd, bytes);
  if (size < 0) throw systemError(-size, 'fcntl', `fd ${fd}`);
  return size;
}

/** Makes reads of `fd` (its open file description: the pipe's read end only) return -EAGAIN instead of blocking. */
export function setNonBlocking(fd: number): void {
  const errno = addon().setNonBlocking(fd);
  if (errno !== 0) throw systemError(errno, 'fcntl', `fd ${fd}`);
}

/**
 * One read of at most `length` bytes into `dst` at `offset`: the bytes read, 0 at end of file (every
 * writer closed), or -errno (-EAGAIN: nothing yet). No allocation: the number is a small integer.
 */
export function readInto(fd: number, dst: Uint8Array, offset: number, length: number): number {
  return addon().readInto(fd, dst, offset, length);
}

/** Bytes waiting in the pipe (FIONREAD): 0 when it is empty, or at its end (a read tells which), or -errno. */
export function pipeAvailable(fd: number): number {
  return addon().pipeAvailable(fd);
}

/**
 * Waits at most `timeoutMs` (-1: no limit) until one of the first `count` fds has data, end of file or
 * an error; `ready[i]` is 1 for those. Returns how many are ready (0: timed out). Throws on a poll
 * failure (EBADF is not reported this way: a closed fd reads as ready, and its read fails).
 */
export function pollReadable(fds: Int32Array, ready: Uint8Array, count: number, timeoutMs: number): number {
  const n = addon().pollReadable(fds, ready, count, timeoutMs);
  if (n < 0) throw systemError(-n, 'poll', '');
  return n;
}

/** One byte into a non-blocking pipe (a full pipe already holds a wake-up). */
export function writeWake(fd: number): void {
  const errno = addon().writeWake(fd);
  if (errno !== 0) throw systemError(errno, 'write', `fd ${fd}`);
}
