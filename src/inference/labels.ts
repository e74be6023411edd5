/** Class names of a detector: the COCO 80 by default, or a labels file with one name a line. */
import { readFile } from 'node:fs/promises';
import { LabelsInvalidError } from '../errors.ts';

/** The 80 COCO class names in the order YOLOv5/v8/11 and most COCO-trained exports use. */
export const COCO_LABELS: readonly string[] = Object.freeze([
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'airplane',
  'bus',
  'train',
  'truck',
  'boat',
  'traffic light',
  'fire hydrant',
  'stop sign',
  'parking meter',
  'bench',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'elephant',
  'bear',
  'zebra',
  'giraffe',
  'backpack',
  'umbrella',
  'handbag',
  'tie',
  'suitcase',
  'frisbee',
  'skis',
  'snowboard',
  'sports ball',
  'kite',
  'baseball bat',
  'baseball glove',
  'skateboard',
  'surfboard',
  'tennis racket',
  'bottle',
  'wine glass',
  'cup',
  'fork',
  'knife',
  'spoon',
  'bowl',
  'banana',
  'apple',
  'sandwich',
  'orange',
  'broccoli',
  'carrot',
  'hot dog',
  'pizza',
  'donut',
  'cake',
  'chair',
  'couch',
  'potted plant',
  'bed',
  'dining table',
  'toilet',
  'tv',
  'laptop',
  'mouse',
  'remote',
  'keyboard',
  'cell phone',
  'microwave',
  'oven',
  'toaster',
  'sink',
  'refrigerator',
  'book',
  'clock',
  'vase',
  'scissors',
  'teddy bear',
  'hair drier',
  'toothbrush',
]);

/**
 * Parses a labels file: one name a line, line N (0-based) names class N. Trailing blank lines are
 * ignored; a blank line between names is an error, because it would silently shift every later class.
 */
export function parseLabels(text: string, source: string): string[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) {
    throw new LabelsInvalidError(`Labels file ${source} is empty: expected one class name a line, class 0 first`);
  }
  const blank = lines.indexOf('');
  if (blank >= 0) {
    throw new LabelsInvalidError(
      `Labels file ${source} has a blank line at line ${blank + 1}: expected one class name a line with no gaps ` +
        '(a gap would shift every later class id); name unused classes instead, e.g. "unused"',
    );
  }
  return lines;
}

/** COCO names when no path is given. */
export async function loadLabels(path: string | undefined): Promise<readonly string[]> {
  if (path === undefined) return COCO_LABELS;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(cause as Error).message})`;
    throw new LabelsInvalidError(
      `Labels file ${path} ${reason}: set labelsPath to a text file with one class name a line, or leave it out for the COCO names`,
      { cause },
    );
  }
  return parseLabels(text, path);
}

/** The name for a class id, `class N` for ids the labels do not cover. */
export function labelOf(labels: readonly string[], classId: number): string {
  return labels[classId] ?? `class ${classId}`;
}

/** A name `labelOf` gives a class the labels do not cover (`class 80`). */
export function isNumberedClass(name: string): boolean {
  return /^class \d{1,5}$/.test(name);
}
