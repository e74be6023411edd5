/**
 * The `motion` backend (the default; needs no model and no pixels): the channel worker's motion boxes
 * become detections labelled `motion`. Boxes that overlap are merged first, since one object often
 * breaks into several components (a person's legs and torso); their changed-pixel areas add up.
 *
 * Score, in 0..1: (1 - exp(-area / areaScale)) * (1 - exp(-contrast / contrastScale)).
 * Both factors saturate: a component much larger than areaScale (default 400 px, a 20x20 blob at the
 * analysis size) is as certain as size can make it, and small specks (noise, rain) stay near 0; likewise
 * contrast (mean luma difference of the changed pixels) well above contrastScale (default 40 levels) is
 * certainly a real change, while shimmer just over the motion threshold (25) scores about half. The
 * product needs both: a big faint region (a shadow) and a tiny sharp one (a raindrop) both score low.
 */
import { z } from 'zod';
import type { Rect } from '../../native/index.ts';
import type { Detection, Detector, DetectorInput } from '../types.ts';

export const motionBackendOptions = z
  .object({
    type: z.literal('motion').default('motion'),
    /** Changed pixels at which the size factor reaches 1 - 1/e. */
    areaScale: z.number().positive().default(400),
    /** Mean luma difference at which the contrast factor reaches 1 - 1/e. */
    contrastScale: z.number().positive().default(40),
    /** Largest batch a call takes (the backend is cheap; this only bounds a task's size). */
    maxBatch: z.number().int().min(1).max(256).default(64),
    /**
     * Boxes this close (pixels) are one object: a moving object's trail against the running background
     * breaks into components a pixel or two apart, and each would otherwise start a track of its own.
     */
    mergeGap: z.number().int().min(0).max(64).default(8),
  })
  .strict();
export type MotionBackendOptions = z.input<typeof motionBackendOptions>;

type Box = Rect & { area: number };

const near = (a: Rect, b: Rect, gap: number): boolean =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

/** Merges boxes that overlap or lie within `gap` pixels until none do (a merged box can reach a third one). */
export function mergeOverlapping(boxes: readonly Box[], gap = 0): Box[] {
  const out = boxes.map((b) => ({ x: b.x, y: b.y, width: b.width, height: b.height, area: b.area }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i] as Box;
        const b = out[j] as Box;
        if (!near(a, b, gap)) continue;
        const x = Math.min(a.x, b.x);
        const y = Math.min(a.y, b.y);
        out[i] = {
          x,
          y,
          width: Math.max(a.x + a.width, b.x + b.width) - x,
          height: Math.max(a.y + a.height, b.y + b.height) - y,
          area: a.area + b.area,
        };
        out.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  return out;
}

export function motionScore(area: number, contrast: number, areaScale: number, contrastScale: number): number {
  return (1 - Math.exp(-area / areaScale)) * (1 - Math.exp(-Math.max(0, contrast) / contrastScale));
}

export class MotionBackend implements Detector {
  readonly type = 'motion';
  readonly tensor = null;
  readonly maxBatch: number;
  private readonly areaScale: number;
  private readonly contrastScale: number;
  private readonly mergeGap: number;

  constructor(options: MotionBackendOptions = {}) {
    const o = motionBackendOptions.parse(options);
    this.maxBatch = o.maxBatch;
    this.areaScale = o.areaScale;
    this.contrastScale = o.contrastScale;
    this.mergeGap = o.mergeGap;
  }

  /** Synchronous form, for the pool's degraded mode on the coordinator thread. */
  detectOne(input: Pick<DetectorInput, 'motion' | 'contrast'>): Detection[] {
    return mergeOverlapping(input.motion, this.mergeGap).map((b) => ({
      label: 'motion',
      classId: -1,
      score: motionScore(b.area, input.contrast, this.areaScale, this.contrastScale),
      box: { x: b.x, y: b.y, width: b.width, height: b.height },
    }));
  }

  async detect(inputs: readonly DetectorInput[]): Promise<Detection[][]> {
    return inputs.map((input) => this.detectOne(input));
  }

  async close(): Promise<void> {
    // Holds nothing.
  }
}

export async function createMotionDetector(options: unknown): Promise<Detector> {
  return new MotionBackend(motionBackendOptions.parse(options ?? {}));
}
