/**
 * Milliseconds per inference of the shipped detectors (nanodet at 256, its default, in int8 and fp32, and at 288, 320 and 416;
 * blazeface back 256 and front 128) with 1 and 2 onnxruntime threads, through the backends' own
 * detect() (feed copy, session run, decode, NMS) on a real photo crop. Contenders alternate round by
 * round after a warm-up, so load on the machine hits them alike; the table gives the median with
 * min-max of the per-round medians.
 *
 *   node --import tsx bench/model-latency.ts [--rounds N] [--runs N]
 */
import { parseArgs } from 'node:util';
import { createDetector } from '../src/inference/backends/index.ts';
import type { Detector } from '../src/inference/types.ts';
import { log } from '../src/log.ts';
import { cropOf, loadPhoto } from '../test/support/photos.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, runs: { type: 'string', default: '10' } } });
const rounds = Number(values.rounds),
  runs = Number(values.runs);
log.level = 'warn';

const CONTENDERS = [
  { name: 'nanodet (NanoDet-m 256 int8)', config: { type: 'nanodet', inputSize: 256, precision: 'int8' } },
  { name: 'nanodet (NanoDet-m 256 fp32)', config: { type: 'nanodet', inputSize: 256, precision: 'fp32' } },
  { name: 'nanodet (NanoDet-m 320 int8)', config: { type: 'nanodet', inputSize: 320, precision: 'int8' } },
  { name: 'nanodet (NanoDet-m 320 fp32)', config: { type: 'nanodet', inputSize: 320, precision: 'fp32' } },
  { name: 'nanodet (NanoDet-m 288 fp32)', config: { type: 'nanodet', inputSize: 288, precision: 'fp32' } },
  { name: 'nanodet (NanoDet-m 416 fp32)', config: { type: 'nanodet', inputSize: 416, precision: 'fp32' } },
  { name: 'blazeface back-256', config: { type: 'blazeface', model: 'back-256' } },
  { name: 'blazeface front-128', config: { type: 'blazeface', model: 'front-128' } },
];

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const photo = await loadPhoto('screenshot-facedetect.jpg');
  const region = { x: 305, y: 92, width: 200, height: 150 };
  const cases: Array<{ name: string; threads: number; detector: Detector; medians: number[] }> = [];
  for (const c of CONTENDERS) {
    for (const threads of [1, 2]) {
      const detector = await createDetector({ ...c.config, threads }, {});
      cases.push({ name: c.name, threads, detector, medians: [] });
    }
  }
  for (const c of cases) for (let i = 0; i < 3; i++) await c.detector.detect([cropOf(photo, region, c.detector.tensor!)]);
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const input = cropOf(photo, region, c.detector.tensor!);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await c.detector.detect([input]);
        times.push(performance.now() - started);
      }
      c.medians.push(median(times));
    }
  }
  console.log(`| model | threads | ms per inference, median (min-max of ${rounds} rounds x ${runs} runs) |`);
  console.log('|---|---|---|');
  for (const c of cases) {
    console.log(
      `| ${c.name} | ${c.threads} | ${median(c.medians).toFixed(1)} (${Math.min(...c.medians).toFixed(1)}-${Math.max(...c.medians).toFixed(1)}) |`,
    );
    await c.detector.close();
  }
}

await main();
