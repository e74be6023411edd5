/**
 * Named pipes without a child process: ingest hands each ffmpeg the write end of its camera's FIFO.
 * `execFileSync('mkfifo')` blocked the coordinator's event loop for a fork and exec per camera start,
 * seconds in all when a hundred cameras reconnect at once; mkfifo(3) through the addon is one call.
 */
import { addon } from './load.ts';
import { systemError } from './system-error.ts';

/**
 * Creates a FIFO at `path` with permission bits `mode` (minus the umask). A failure throws an error
 * shaped like Node's own fs errors: `code` is the errno name (`EEXIST`, `ENOENT`, `EACCES`, ...),
 * with `errno`, `syscall: 'mkfifo'` and `path`. Bad arguments throw E_NATIVE_ARG like every binding.
 */
export function makeFifo(path: string, mode = 0o600): void {
  const errno = addon().mkfifo(path, mode);
  if (errno !== 0) throw systemError(errno, 'mkfifo', path);
}

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
