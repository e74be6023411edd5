/**
 * Thread names. Node names every thread of the gateway "node", so `top -H`, `perf` and
 * /proc/PID/task/TID/comm cannot tell a channel worker from an inference worker or V8's own threads;
 * each of our worker threads names itself once it starts (workers/boot.mjs, workers/inference.mjs).
 */
import { addon } from './load.ts';
import { systemError } from './system-error.ts';

/** Linux keeps this many bytes of a thread's name. */
export const THREAD_NAME_BYTES = 15;

/** Names the calling thread; a longer name is cut to what Linux keeps (ASCII names assumed). */
export function nameThisThread(name: string): void {
  // A non-string goes through as is: the addon refuses it, naming the argument.
  const errno = addon().setThreadName(typeof name === 'string' ? name.slice(0, THREAD_NAME_BYTES) : name);
  if (errno !== 0) throw systemError(errno, 'pthread_setname_np', name);
}
