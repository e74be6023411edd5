/**
 * People cut from real photos for scenes with known ground truth. No video of real people ships with
 * npm or Debian, but @vladmandic/human (MIT) ships sample photos: each sprite is a rectangle of one of
 * them plus a hand-traced outline of the person, which becomes both the alpha matte (so the photo's own
 * background does not travel with the person) and the person's true box. No package we could find
 * ships a photo of a vehicle, so every sprite is a person.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import type { Rect } from '../native/types.ts';

export type Point = readonly [number, number];

export interface Sprite {
  readonly name: string;
  /** File name in @vladmandic/human/assets. */
  readonly photo: string;
  /** Where the sprite is cut from the photo (photo pixels). */
  readonly crop: Rect;
  /** The person's outline in crop pixels: the matte, and its bounding box is the true box. */
  readonly outline: readonly Point[];
  /** The face in crop pixels, for sprites whose face a face detector should find. */
  readonly face?: Rect;
}

/** Every sprite the scenes use; outlines traced on the photos enlarged 4-6x. */
export const SPRITES = {
  /** samples.jpg, 4th thumbnail: a woman in a red skirt, full body, standing (a real photo). */
  skirt: {
    name: 'skirt',
    photo: 'samples.jpg',
    crop: { x: 565, y: 8, width: 62, height: 150 },
    outline: [
      [22, 4],
      [35, 8],
      [42, 14],
      [49, 14],
      [56, 24],
      [54, 32],
      [43, 36],
      [40, 58],
      [39, 100],
      [35, 108],
      [32, 134],
      [31, 146],
      [20, 147],
      [18, 132],
      [17, 108],
      [14, 100],
      [5, 86],
      [6, 72],
      [7, 39],
      [9, 28],
      [17, 16],
      [19, 6],
    ],
  },
  /** samples.jpg, 1st thumbnail: a woman in a white dress, arms out (a photorealistic render). */
  dress: {
    name: 'dress',
    photo: 'samples.jpg',
    crop: { x: 20, y: 0, width: 116, height: 158 },
    outline: [
      [58, 3],
      [66, 6],
      [71, 30],
      [88, 50],
      [105, 80],
      [102, 84],
      [88, 66],
      [74, 45],
      [74, 96],
      [68, 98],
      [68, 128],
      [72, 154],
      [63, 157],
      [58, 150],
      [56, 128],
      [54, 98],
      [48, 96],
      [46, 45],
      [30, 66],
      [12, 82],
      [8, 78],
      [27, 54],
      [45, 30],
      [52, 6],
    ],
  },
  /** screenshot-facedetect.jpg, 1st portrait: a man's head and shoulders, face to the camera. */
  portrait: {
    name: 'portrait',
    photo: 'screenshot-facedetect.jpg',
    crop: { x: 8, y: 346, width: 150, height: 150 },
    outline: [
      [30, 6],
      [118, 6],
      [134, 40],
      [130, 100],
      [150, 116],
      [150, 150],
      [0, 150],
      [0, 116],
      [24, 100],
      [20, 40],
    ],
    face: { x: 30, y: 12, width: 88, height: 92 },
  },
} as const satisfies Record<string, Sprite>;

export type SpriteName = keyof typeof SPRITES;

/** The directory of the sample photos (the @vladmandic/human package). */
export function photoDir(): string {
  // The package exports only its bundles (dist/), so resolve one and step up to the package root.
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');
}

/** The outline's bounding box in crop pixels. */
export function outlineBox(sprite: Sprite): Rect {
  const xs = sprite.outline.map((p) => p[0]);
  const ys = sprite.outline.map((p) => p[1]);
  const x = Math.min(...xs),
    y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** The sprite's size once scaled (even, as yuv420p overlays need). */
export function scaledSize(sprite: Sprite, scale: number): { width: number; height: number } {
  const even = (v: number): number => 2 * Math.round((v * scale) / 2);
  return { width: even(sprite.crop.width), height: even(sprite.crop.height) };
}

/**
 * Writes the scaled sprite as an RGBA PNG: the photo's crop, resized, with the outline filled white (softened
 * by a pixel of blur) as its alpha, mirrored when `flip`.
 */
export async function writeSprite(sprite: Sprite, scale: number, flip: boolean, file: string): Promise<void> {
  const { width, height } = scaledSize(sprite, scale);
  const sx = width / sprite.crop.width,
    sy = height / sprite.crop.height;
  const points = sprite.outline.map(([x, y]) => `${(x * sx).toFixed(1)},${(y * sy).toFixed(1)}`).join(' ');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="${width}" height="${height}" fill="black"/><polygon points="${points}" fill="white"/></svg>`;
  const matte = await sharp(Buffer.from(svg))
    .blur(Math.max(0.6, scale * 0.6))
    .greyscale()
    .extractChannel(0)
    .raw()
    .toBuffer();
  const rgb = await sharp(path.join(photoDir(), sprite.photo))
    .extract({ left: sprite.crop.x, top: sprite.crop.y, width: sprite.crop.width, height: sprite.crop.height })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .removeAlpha()
    .raw()
    .toBuffer();
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgb.copy(rgba, i * 4, i * 3, i * 3 + 3);
    rgba[i * 4 + 3] = matte[i] as number;
  }
  const image = sharp(rgba, { raw: { width, height, channels: 4 } });
  await (flip ? image.flop() : image).png().toFile(file);
}
