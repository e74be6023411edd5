/**
 * Two people cut from @vladmandic/human's sample photos as plain rectangles, for the face cascade's
 * tests and bench: a man in a webcam frame (visitor.png, face large and frontal) and a woman standing
 * (walker.png, full body, small face). The scene catalogue (src/scenes/) has the outlined sprites with
 * ground truth; these two are what the face cascade's thresholds were checked on.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { photoDir } from '../../src/scenes/sprites.ts';

const SPRITES = [
  { file: 'visitor.png', asset: 'screenshot-vrm.jpg', region: { left: 530, top: 30, width: 200, height: 215 }, size: null },
  { file: 'walker.png', asset: 'samples.jpg', region: { left: 545, top: 0, width: 87, height: 158 }, size: { width: 110, height: 200 } },
] as const;

/** Writes the sprites missing from `dir`; returns `dir`. */
export async function preparePhotoSprites(dir: string): Promise<string> {
  const missing = SPRITES.filter((s) => !existsSync(join(dir, s.file)));
  if (missing.length === 0) return dir;
  await mkdir(dir, { recursive: true });
  for (const s of missing) {
    const image = sharp(join(photoDir(), s.asset)).extract(s.region);
    await (s.size === null ? image : image.resize(s.size.width, s.size.height)).png().toFile(join(dir, s.file));
  }
  return dir;
}
