/**
 * What the face cascade costs: milliseconds a detector crop with NanoDet alone (the baseline) and with
 * the cascade after it (BlazeFace back-256 or front-128 on each person's head square, cut from the
 * slot's colour snapshot), through the shipped path (crop slab writer, backend detect, FaceCascade).
 * The scene is the demo's two people cut from photos, rendered by ffmpeg at 640 x 360. Contenders
 * alternate round by round after a warm-up; the table gives the median with min-max of the per-round
 * medians, and the extra milliseconds a person over the baseline.
 *
 *   node --import tsx bench/face-cascade.ts [--rounds N] [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { preparePhotoSprites } from '../test/support/photo-sprites.ts';
import { createNanodetDetector } from '../src/inference/backends/nanodet.ts';
import { CropSlab } from '../src/inference/crop-slab.ts';
import { CropSlabWriter } from '../src/inference/crop-writer.ts';
import { createFaceCascade, type FaceCascade, type FrameSnapshot } from '../src/inference/face-cascade.ts';
import { snapshotRect, SNAPSHOT_MARGIN } from '../src/inference/region-copy.ts';
import type { DetectorInput } from '../src/inference/types.ts';
import { log } from '../src/log.ts';
import { lavfiGraphFrames } from '../test/support/video.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, runs: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds),
  runs = Number(values.runs);
log.level = 'warn';

const W = 640,
  H = 360;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'panoptes-bench-faces-'));
  const sprites = await preparePhotoSprites(dir);
  const [frame] = lavfiGraphFrames(
    `color=c=0x706858:size=${W}x${H},format=yuv420p[bg];movie=filename=${join(sprites, 'walker.png')}[w];movie=filename=${join(sprites, 'visitor.png')}[v];` +
      '[bg][w]overlay=x=100:y=130[a];[a][v]overlay=x=350:y=110',
    W,
    H,
    'yuv420p',
    1,
  ) as [Uint8Array];
  const detector = await createNanodetDetector({ type: 'nanodet', threads: 1 });
  const cascades: Array<FaceCascade | null> = [
    null,
    await createFaceCascade({ model: 'blazeface-back-256' }),
    await createFaceCascade({ model: 'blazeface-front-128' }),
  ];
  const names = ['nanodet alone', 'nanodet + faces back-256', 'nanodet + faces front-128'];
  const region = { x: 0, y: 0, width: W, height: H };
  const slab = CropSlab.create(detector.tensor, 1, { format: 'yuv420p', width: W, height: H });
  const writer = new CropSlabWriter(slab);

  let persons = 0;
  const found = cascades.map(() => 0);
  /** One crop as the pool worker sees it: written by the channel worker's writer, then detect and the cascade. */
  const once = async (c: number): Promise<number> => {
    const written = writer.write(frame, 'yuv420p', W, H, region, 0);
    if (written === null) throw new Error('the slab dropped the crop');
    const started = performance.now();
    const input: DetectorInput = { tensor: slab.tensors[written.slot] ?? null, mapping: written.mapping, region, motion: [], contrast: 0 };
    const [detections = []] = await detector.detect([input]);
    const snapshot: FrameSnapshot = {
      data: slab.snapshots[written.slot]!,
      format: 'yuv420p',
      width: W,
      height: H,
      valid: snapshotRect(region, SNAPSHOT_MARGIN, W, H),
    };
    const stats = { searched: 0, found: 0, ms: 0 };
    await cascades[c]?.attach(detections, snapshot, stats);
    const ms = performance.now() - started;
    slab.claim(written.slot, written.seq);
    slab.release(written.slot);
    persons = detections.filter((d) => d.label === 'person').length;
    found[c] = stats.found;
    return ms;
  };
  for (let c = 0; c < cascades.length; c++) for (let i = 0; i < 3; i++) await once(c);
  const medians: number[][] = cascades.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < cascades.length; c++) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await once(c));
      medians[c]!.push(median(times));
    }
  }
  const base = median(medians[0]!);
  console.log(`${persons} persons a crop (${W}x${H}, the demo's sprites); faces found: ${found.slice(1).join(' / ')}`);
  console.log(`| contender | ms a crop, median (min-max of ${rounds} rounds x ${runs} runs) | extra ms a person |`);
  console.log('|---|---|---|');
  medians.forEach((m, c) => {
    const extra = c === 0 ? '-' : ((median(m) - base) / Math.max(1, persons)).toFixed(1);
    console.log(`| ${names[c]} | ${median(m).toFixed(1)} (${Math.min(...m).toFixed(1)}-${Math.max(...m).toFixed(1)}) | ${extra} |`);
  });
  await detector.close();
  for (const c of cascades) await c?.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
