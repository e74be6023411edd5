// Piscina loads this file in each inference pool worker and calls its default export a task. Node 20
// does not carry tsx's loader hooks into worker threads, so register them (as boot.mjs does) before
// importing the TypeScript entry; the OS thread is named `inference-<threadId>`.
import { threadId } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { nameThisThread } = await import('../src/native/thread-name.ts');
nameThisThread(`inference-${threadId}`);
const { default: runInferenceTask } = await import('./inference.ts');
export default runInferenceTask;
