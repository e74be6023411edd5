/**
 * Named pipes without a child process: ingest hands each ffmpeg the write end of its camera's FIFO.
 * `execFileSync('mkfifo')` blocked the coordinator's event loop for a fork and exec per camera start,
 * seconds in all when a hundred cameras reconnect at once; mkfifo(3) through the addon is one call.
 */
import { getSystemErrorMap } from 'node:util';
import { addon } from './load.ts';

/**
 * Creates a FIFO at `path` with permission bits `mode` (minus the umask). A failure throws an error
 * shaped like Node's own fs errors: `code` is the errno name (`EEXIST`, `ENOENT`, `EACCES`, ...),
 * with `errno`, `syscall: 'mkfifo'` and `path`. Bad arguments throw E_NATIVE_ARG like every binding.
 */
export function makeFifo(path: string, mode = 0o600): void {
  const errno = addon().mkfifo(path, mode);
  if (errno !== 0) throw systemError(errno, 'mkfifo', path);
}

function systemError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  // Node keys its table by libuv's negative error numbers.
  const [code, description] = getSystemErrorMap().get(-errno) ?? ['UNKNOWN', `unknown error ${errno}`];
  return Object.assign(new Error(`${code}: ${description}, ${syscall} '${path}'`), { code, errno: -errno, syscall, path });
}
