// Inference pool worker (piscina): the task function lives in src/inference/worker-task.ts.
export { default } from '../src/inference/worker-task.ts';
