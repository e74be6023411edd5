/**
 * People and vehicles cut from real photos for scenes with known ground truth. Each sprite is a rectangle
 * of a photo plus a hand-traced outline of the person or vehicle, which becomes both the alpha matte (so
 * the photo's own background does not travel with it) and its true box. The people come from the
 * sample photos @vladmandic/human (MIT) ships; no npm package ships a vehicle photo, but Debian's
 * opencv-doc does (OpenCV's samples, Apache-2.0 AND BSD-3-Clause): its London bus is extracted into
 * build/media/opencv-doc by test/scripts/ensure-test-media.sh, and a scene that needs it fails with
 * E_MEDIA_MISSING naming that script when it is not there (src/scenes/opencv-media.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import type { Rect } from '../native/types.ts';
import { openCvMedia, type OpenCvMedia } from './opencv-media.ts';

export type Point = readonly [number, number];

/** What the sprite shows, as a COCO detector names it. */
export type SpriteLabel = 'person' | 'bus';

export type Sprite = {
  readonly name: string;
  readonly label: SpriteLabel;
  /** Where the sprite is cut from the photo (photo pixels). */
  readonly crop: Rect;
  /** The outline in crop pixels: the matte, and its bounding box is the true box. */
  readonly outline: readonly Point[];
  /** The face in crop pixels, for sprites whose face a face detector should find. */
  readonly face?: Rect;
} & (
  | {
      /** A sample photo of @vladmandic/human (an npm dependency: always there). */
      readonly source: 'human';
      /** File name in @vladmandic/human/assets. */
      readonly photo: string;
    }
  | {
      /** A photo of OpenCV's samples in build/media/opencv-doc (test/scripts/ensure-test-media.sh). */
      readonly source: 'opencv-doc';
      readonly photo: OpenCvMedia;
    }
);

/** Every sprite the scenes use; outlines traced on the photos enlarged 3-6x. */
export const SPRITES = {
  /** samples.jpg, 4th thumbnail: a woman in a red skirt, full body, standing (a real photo). */
  skirt: {
    name: 'skirt',
    label: 'person',
    source: 'human',
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
    label: 'person',
    source: 'human',
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
    label: 'person',
    source: 'human',
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
  /**
   * pexels_double_decker_bus.jpg of opencv-doc: a red London double-decker (New Routemaster), side-on
   * with its front three-quarters to the camera, driving right; traced on the photo enlarged 3x. The
   * cars behind it stay outside the outline.
   */
  bus: {
    name: 'bus',
    label: 'bus',
    source: 'opencv-doc',
    photo: 'pexels_double_decker_bus.jpg',
    crop: { x: 60, y: 112, width: 416, height: 282 },
    outline: [
      [35, 70],
      [70, 54],
      [110, 40],
      [160, 24],
      [210, 14],
      [260, 5],
      [300, 5],
      [340, 9],
      [370, 17],
      [387, 30],
      [396, 50],
      [400, 88],
      [402, 138],
      [404, 188],
      [408, 223],
      [412, 238],
      [413, 260],
      [402, 270],
      [380, 276],
      [240, 276],
      [210, 278],
      [180, 278],
      [165, 266],
      [90, 263],
      [65, 253],
      [50, 250],
      [30, 248],
      [15, 240],
      [5, 234],
      [4, 188],
      [6, 138],
      [9, 110],
      [16, 91],
      [26, 78],
    ],
  },
} as const satisfies Record<string, Sprite>;

export type SpriteName = keyof typeof SPRITES;

/** The directory of the sample photos (the @vladmandic/human package). */
export function photoDir(): string {
  // The package exports only its bundles (dist/), so resolve one and step up to the package root.
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');
}

/** The sprite's photo on this machine (E_MEDIA_MISSING when an opencv-doc photo was not extracted). */
export function photoFile(sprite: Sprite): string {
  return sprite.source === 'human' ? path.join(photoDir(), sprite.photo) : openCvMedia(sprite.photo);
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
  const rgb = await sharp(photoFile(sprite))
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
