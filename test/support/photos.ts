/**
 * Real photos of people from the @vladmandic/human package (the int8 models' calibration photos), decoded by sharp, and
 * crops of them prepared for a detector the way the product prepares them: through a CropSlab and its
 * writer (letterbox, the backend's normalisation), so a test exercises the shipped crop path.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { CropSlab } from '../../src/inference/crop-slab.ts';
import { photoDir } from '../../src/inference/models/calibration.ts';
import { CropSlabWriter } from '../../src/inference/crop-writer.ts';
import type { DetectorInput, TensorSpec } from '../../src/inference/types.ts';
import type { Rect } from '../../src/native/index.ts';

const ASSETS = photoDir();

export interface Photo {
  /** rgb24 */
  data: Uint8Array;
  width: number;
  height: number;
}

/** The file of `name` in @vladmandic/human/assets (ffmpeg reads it with `movie=filename=...`). */
export function photoPath(name: string): string {
  return join(ASSETS, name);
}

/** `name` in @vladmandic/human/assets, e.g. 'screenshot-facedetect.jpg'. */
export async function loadPhoto(name: string): Promise<Photo> {
  const { data, info } = await sharp(join(ASSETS, name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** The region of the photo cropped for a detector with this tensor spec, through a real crop slab. */
export function cropOf(photo: Photo, region: Rect, tensor: TensorSpec): DetectorInput {
  const slab = CropSlab.create(tensor, 1);
  const written = new CropSlabWriter(slab).write(photo.data, 'rgb24', photo.width, photo.height, region, 0);
  if (written === null) throw new Error('the crop slab dropped the crop');
  return { tensor: slab.tensors[written.slot] ?? null, mapping: written.mapping, region, motion: [], contrast: 0 };
}

/** Region resized (stretched) to size x size, RGB bytes: the input a TF.js reference run gets. */
export async function stretchedRgb(name: string, region: Rect, size: number): Promise<Uint8Array> {
  const buffer = await sharp(join(ASSETS, name))
    .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
    .resize(size, size, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
