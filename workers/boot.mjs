// Every worker thread starts here: Node 20 does not carry tsx's loader hooks into worker threads, so
// register them, name the OS thread after the worker (src/threads.ts), then import the TypeScript entry
// point named by startWorker().
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
if (workerData.name) {
  const { nameThisThread } = await import('../src/native/thread-name.ts');
  nameThisThread(workerData.name);
}
await import(workerData.entry);
