/**
 * Calibration inputs for the int8 models: crops of the real photos in the `@vladmandic/human` package
 * (people close and far, faces, crowds, indoor and outdoor), cut on a fixed grid at a few scales and
 * prepared exactly as the channel worker prepares a detector crop (native crop, letterbox, the
 * backend's normalisation and plane order), so the measured ranges are the ones the model meets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { ModelMissingError } from '../../errors.ts';
import { reversePlanes } from '../planes.ts';
import { cropResize } from '../../native/index.ts';

export const PHOTO_PACKAGE = '@vladmandic/human';
export const CALIBRATION_PHOTOS = [
  'samples.jpg',
  'screenshot-facedetect.jpg',
  'screenshot-faceid.jpg',
  'screenshot-facematch.jpg',
  'screenshot-vrm.jpg',
];

export interface CalibrationSpec {
  side: number;
  /** RGB order, as the backend's options give them. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  channelOrder: 'rgb' | 'bgr';
}

/** The package's exports hide its package.json, so its root is found from its entry point. */
export function photoDir(): string {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(PHOTO_PACKAGE));
  } catch (cause) {
    throw new ModelMissingError(
      `The int8 models are calibrated on the photos of the npm package ${PHOTO_PACKAGE}, which is not installed: run npm install`,
      { cause },
    );
  }
  while (
    !existsSync(join(dir, 'package.json')) ||
    !readFileSync(join(dir, 'package.json'), 'utf8').includes(`"name": "${PHOTO_PACKAGE}"`)
  ) {
    const parent = dirname(dir);
    if (parent === dir) throw new ModelMissingError(`Cannot find the root of ${PHOTO_PACKAGE}: reinstall it with npm install`);
    dir = parent;
  }
  return join(dir, 'assets');
}

/** Square regions: the model's side, 1.6x it and the photo's shorter side, 4 x 3 positions each at most. */
function regions(width: number, height: number, side: number): Array<{ x: number; y: number; width: number; height: number }> {
  const out = [];
  for (const s of new Set([side, Math.round(side * 1.6), Math.min(width, height)])) {
    if (s > width || s > height) continue;
    const stepX = Math.floor((width - s) / 3) || s;
    const stepY = Math.floor((height - s) / 2) || s;
    for (let y = 0; y + s <= height; y += stepY) for (let x = 0; x + s <= width; x += stepX) out.push({ x, y, width: s, height: s });
  }
  return out;
}

/** NCHW float32 inputs of `spec.side` squared, in a fixed order (the int8 model is reproducible). */
export async function calibrationInputs(spec: CalibrationSpec): Promise<Float32Array[]> {
  const dir = photoDir();
  const plane = spec.side * spec.side;
  const inputs: Float32Array[] = [];
  for (const name of CALIBRATION_PHOTOS) {
    const { data, info } = await sharp(join(dir, name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
    for (const roi of regions(info.width, info.height, spec.side)) {
      const options = {
        roi,
        width: spec.side,
        height: spec.side,
        layout: 'nchw-f32',
        letterbox: true,
        mean: spec.mean,
        std: spec.std,
      } as const;
      const crop = cropResize(rgb, 'rgb24', info.width, info.height, options).tensor as Float32Array;
      if (spec.channelOrder === 'rgb') {
        inputs.push(Float32Array.from(crop));
        continue;
      }
      inputs.push(reversePlanes(crop, new Float32Array(3 * plane), plane));
    }
  }
  return inputs;
}
