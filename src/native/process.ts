/**
 * Child processes without fork(). Node's spawn forks on Linux, and fork() copies the page tables of the
 * whole gateway: 1 ms at start-up, 17-22 ms at 200-400 MB of RSS, on the coordinator's event loop, for
 * every ffmpeg of every camera (re)connect. glibc's posix_spawn runs the child as clone(CLONE_VM |
 * CLONE_VFORK): the same cost at any RSS. These are the typed calls; src/coordinator/child-process.ts
 * builds a ChildProcess-like object on them.
 */
import { addon } from './load.ts';
import { systemError } from './system-error.ts';

export interface Spawned {
  pid: number;
  /** The child's pidfd (-1 where the kernel has none): signals through it never reach a reused pid. */
  pidfd: number;
}

/**
 * Starts `file` (searched on PATH) with `argv` (argv[0] first) and this process's environment; child
 * fd i is `fds[i]`, or /dev/null where that is -1. Throws a Node-style error (`ENOENT`, `EACCES`, ...).
 */
export function spawnProcess(file: string, argv: readonly string[], fds: readonly number[]): Spawned {
  const r = addon().spawnProcess(file, [...argv], Int32Array.from(fds));
  if (r.error !== 0) throw Object.assign(systemError(r.error, 'spawn', file), { spawnargs: argv.slice(1) });
  return { pid: r.pid, pidfd: r.pidfd };
}

/** A close-on-exec pipe: [readFd, writeFd]. */
export function makePipe(): [number, number] {
  const r = addon().makePipe();
  if (typeof r === 'number') throw systemError(r, 'pipe2', '');
  return r;
}

export type Reaped = { code: number | null; signal: number | null } | null;

const status = new Int32Array(2);

/**
 * The child's end if it has exited (reaped now; `code` null when a signal ended it), else null. A child
 * no longer ours (ECHILD: reaped elsewhere) reads as ended with code -1.
 */
export function reapChild(pid: number): Reaped {
  const r = addon().reapChild(pid, status);
  if (r === 0) return null;
  if (r < 0) return { code: -1, signal: null };
  return (status[1] as number) !== 0 ? { code: null, signal: status[1] as number } : { code: status[0] as number, signal: null };
}

/** Sends `signal` (a number); false when the child is already gone. */
export function signalChild(child: Spawned, signal: number): boolean {
  return addon().signalChild(child.pidfd, child.pid, signal) === 0;
}
