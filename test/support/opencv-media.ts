/**
 * OpenCV's sample footage and photos, extracted from Debian's opencv-doc by
 * test/scripts/ensure-test-media.sh (npm test runs it): real people and vehicles no npm package ships.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPENCV_MEDIA_DIR = fileURLToPath(new URL('../../build/media/opencv-doc/', import.meta.url));

export type OpenCvMedia = 'vtest.avi' | 'pexels_double_decker_bus.jpg' | 'bus_det.jpg' | 'person_multi_det.jpg';

/** The file's path; throws naming the script that fetches it when it is missing. */
export function openCvMedia(name: OpenCvMedia): string {
  const file = path.join(OPENCV_MEDIA_DIR, name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run 'bash test/scripts/ensure-test-media.sh' (npm test runs it)`);
  return file;
}
