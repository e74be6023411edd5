/**
 * Counts the people a best-shot JPEG shows, with the shipped detector run on the picture itself (through
 * a real crop slab, as the product prepares crops): a best shot should show its one person, not two and
 * not empty ground.
 */
import { pino } from 'pino';
import sharp from 'sharp';
import type { BestShotSummary } from '../../src/analytics/events.ts';
import { createNanodetDetector, type NanodetDetector } from '../../src/inference/backends/nanodet.ts';
import { cropOf } from './photos.ts';

/** A person counts from this score (the default `objects.minScore` is 0.5; a cut-off neighbour scores lower). */
const MIN_SCORE = 0.3;

let detector: Promise<NanodetDetector> | null = null;

/**
 * People whose box centre lies inside the best-shot box (placed in the picture by `region`), so a
 * neighbour showing at the margin is not counted, a second person overlapping the box is.
 */
export async function shotPeople(jpeg: Buffer, shot: Pick<BestShotSummary, 'box' | 'region'>): Promise<number> {
  detector ??= createNanodetDetector({ type: 'nanodet', scoreThreshold: MIN_SCORE }, pino({ level: 'silent' }));
  const d = await detector;
  // A person filling the picture edge to edge scores low, and far people's shots are small (40x100):
  // the picture is enlarged to at least 200 px tall and put on a grey canvas half its size wider each
  // side, as a person stands in a frame.
  const meta = await sharp(jpeg).metadata();
  const zoom = Math.max(1, 200 / (meta.height ?? 200));
  const width = Math.round((meta.width ?? 0) * zoom),
    height = Math.round((meta.height ?? 0) * zoom);
  const padX = Math.round(width / 2),
    padY = Math.round(height / 2);
  const { data, info } = await sharp(jpeg)
    .resize(width, height)
    .extend({ left: padX, right: padX, top: padY, bottom: padY, background: { r: 128, g: 128, b: 128 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const photo = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  if (d.tensor === null) throw new Error('nanodet takes pixels');
  const [found = []] = await d.detect([cropOf(photo, { x: 0, y: 0, width: info.width, height: info.height }, d.tensor)]);
  const s = width / shot.region.width;
  const box = {
    x: padX + (shot.box.x - shot.region.x) * s,
    y: padY + (shot.box.y - shot.region.y) * s,
    width: shot.box.width * s,
    height: shot.box.height * s,
  };
  return found.filter((p) => {
    if (p.label !== 'person' || p.score < MIN_SCORE) return false;
    const cx = p.box.x + p.box.width / 2,
      cy = p.box.y + p.box.height / 2;
    return cx >= box.x && cx <= box.x + box.width && cy >= box.y && cy <= box.y + box.height;
  }).length;
}

export async function closeShotDetector(): Promise<void> {
  const d = detector;
  detector = null;
  if (d !== null) await (await d).close();
}
