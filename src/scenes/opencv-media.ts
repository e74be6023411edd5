/**
 * OpenCV's sample footage and photos, extracted from Debian's opencv-doc (Apache-2.0 AND BSD-3-Clause,
 * its copyright file copied beside them) into build/media/opencv-doc by test/scripts/ensure-test-media.sh
 * (npm test runs it): real vehicles and a real street that no npm package ships. Only the scenes that
 * need them read them, so the demo and everything else run without them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SceneMediaMissingError } from '../errors.ts';

export const OPENCV_MEDIA_DIR = fileURLToPath(new URL('../../build/media/opencv-doc/', import.meta.url));

export type OpenCvMedia = 'vtest.avi' | 'pexels_double_decker_bus.jpg' | 'bus_det.jpg' | 'person_multi_det.jpg';

/** The file's path; throws E_MEDIA_MISSING naming the script that extracts it when it is not there. */
export function openCvMedia(name: OpenCvMedia, dir: string = OPENCV_MEDIA_DIR): string {
  const file = path.join(dir, name);
  if (!existsSync(file)) throw new SceneMediaMissingError(file, 'bash test/scripts/ensure-test-media.sh');
  return file;
}
