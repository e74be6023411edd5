/**
 * Frame sampling: per camera, whether a frame's candidates go to inference. Inference is the expensive
 * stage, so most frames should not reach it; the strategies differ in what they key on:
 *
 * - `every_n`: every Nth frame (frameIndex % n === 0), whatever happens in it.
 * - `motion`: frames with activity, at most one a `minIntervalMs`, and for `cooldownMs` after the last
 *   active frame (a person who stops walking has no motion but is still there).
 * - `adaptive`: a target rate that rises with activity (x`rise` each active frame, up to `maxFps`) and
 *   decays exponentially to `minFps` when idle (half-life `halfLifeMs`), so a quiet camera is still
 *   looked at now and then and a busy one gets the detector's attention.
 *
 * A frame is active when it has candidate regions and its changed-pixel ratio reaches `minMotionRatio`.
 * The samplers are pure state machines over (frameIndex, timeMs, motionRatio, candidates): no clock,
 * no video, one decision a call.
 */
import { z } from 'zod';

const minMotionRatio = z
  .number()
  .min(0)
  .max(1)
  .default(0)
  .describe('Changed pixels / frame pixels a frame with candidates needs to count as active.');

export const everyNSamplingSchema = z.strictObject({
  strategy: z.literal('every_n'),
  n: z.number().int().min(1).default(1).describe('Send every Nth frame to inference (1 = every frame).'),
});

export const motionSamplingSchema = z.strictObject({
  strategy: z.literal('motion'),
  minMotionRatio,
  minIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(200)
    .describe('Fewest ms between two sampled frames; a little below the frame interval takes every frame.'),
  cooldownMs: z.number().int().min(0).default(5000).describe('How long (ms) sampling goes on after the last active frame.'),
});

export const adaptiveSamplingSchema = z
  .strictObject({
    strategy: z.literal('adaptive'),
    minMotionRatio,
    minFps: z.number().positive().default(0.5).describe('Sampling rate of an idle camera (the floor).'),
    maxFps: z.number().positive().default(5).describe('Highest sampling rate, reached with sustained activity.'),
    rise: z.number().gt(1).default(2).describe('Factor the rate is multiplied by on each active frame.'),
    halfLifeMs: z.number().positive().default(10_000).describe("While idle, the rate's excess over minFps halves every halfLifeMs."),
  })
  .refine((o) => o.minFps <= o.maxFps, { path: ['minFps'], message: 'minFps must not be above maxFps' });

export const samplingSchema = z
  .discriminatedUnion('strategy', [everyNSamplingSchema, motionSamplingSchema, adaptiveSamplingSchema])
  .prefault({ strategy: 'every_n' });
export type SamplingOptionsInput = z.input<typeof samplingSchema>;
export type SamplingOptions = z.output<typeof samplingSchema>;

/** One frame as the sampler sees it. Callers may reuse one object for every frame. */
export interface FrameActivity {
  frameIndex: number;
  /** Capture time, ms. */
  timeMs: number;
  /** Changed pixels / frame pixels, 0..1. */
  motionRatio: number;
  /** Candidate regions the frame produced. */
  candidates: number;
}

export interface FrameSampler {
  /** Whether this frame goes to inference. Call once a frame, in capture order. */
  shouldInfer(frame: FrameActivity): boolean;
}

function active(frame: FrameActivity, minRatio: number): boolean {
  return frame.candidates > 0 && frame.motionRatio >= minRatio;
}

export class EveryNSampler implements FrameSampler {
  readonly #n: number;

  constructor(options: z.output<typeof everyNSamplingSchema>) {
    this.#n = options.n;
  }

  shouldInfer(frame: FrameActivity): boolean {
    return frame.frameIndex % this.#n === 0;
  }
}

export class MotionSampler implements FrameSampler {
  readonly #options: z.output<typeof motionSamplingSchema>;
  #lastActiveMs = Number.NEGATIVE_INFINITY;
  #lastSampleMs = Number.NEGATIVE_INFINITY;

  constructor(options: z.output<typeof motionSamplingSchema>) {
    this.#options = options;
  }

  shouldInfer(frame: FrameActivity): boolean {
    if (active(frame, this.#options.minMotionRatio)) this.#lastActiveMs = frame.timeMs;
    if (frame.timeMs - this.#lastActiveMs > this.#options.cooldownMs) return false;
    if (frame.timeMs - this.#lastSampleMs < this.#options.minIntervalMs) return false;
    this.#lastSampleMs = frame.timeMs;
    return true;
  }
}

export class AdaptiveSampler implements FrameSampler {
  readonly #options: z.output<typeof adaptiveSamplingSchema>;
  #rateFps: number;
  #lastFrameMs: number | null = null;
  #lastSampleMs = Number.NEGATIVE_INFINITY;

  constructor(options: z.output<typeof adaptiveSamplingSchema>) {
    this.#options = options;
    this.#rateFps = options.minFps;
  }

  /** The current target rate, frames a second. */
  get rateFps(): number {
    return this.#rateFps;
  }

  shouldInfer(frame: FrameActivity): boolean {
    const o = this.#options;
    const gapMs = this.#lastFrameMs === null ? 0 : Math.max(0, frame.timeMs - this.#lastFrameMs);
    this.#lastFrameMs = frame.timeMs;
    this.#rateFps = o.minFps + (this.#rateFps - o.minFps) * 2 ** (-gapMs / o.halfLifeMs);
    if (active(frame, o.minMotionRatio)) this.#rateFps = Math.min(o.maxFps, this.#rateFps * o.rise);
    // Take the frame nearest to when the next sample is due, not the first one after it: with capture
    // jitter, "at least 200 ms" at 5 fps would otherwise skip every frame that came 199 ms after the last.
    if (frame.timeMs - this.#lastSampleMs + gapMs / 2 < 1000 / this.#rateFps) return false;
    this.#lastSampleMs = frame.timeMs;
    return true;
  }
}

export function createSampler(options: SamplingOptions): FrameSampler {
  switch (options.strategy) {
    case 'every_n':
      return new EveryNSampler(options);
    case 'motion':
      return new MotionSampler(options);
    case 'adaptive':
      return new AdaptiveSampler(options);
  }
}
