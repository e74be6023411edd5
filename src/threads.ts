/** Starts worker threads on TypeScript entry points (through workers/boot.mjs). */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOT = new URL('../workers/boot.mjs', import.meta.url);

/**
 * `data` reaches the worker as `workerData.data`; SharedArrayBuffers in it are shared, not copied. A
 * `name` also names the OS thread (top -H, perf, /proc/PID/task/TID/comm), cut to 15 bytes.
 */
export function startWorker(entry: URL, data: unknown, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  return new Worker(BOOT, { ...options, workerData: { entry: entry.href, data, name: options.name } });
}
