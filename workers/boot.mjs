// Every worker thread starts here: Node 20 does not carry tsx's loader hooks into worker threads, so
// register them, then import the TypeScript entry point named by startWorker() (src/threads.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
