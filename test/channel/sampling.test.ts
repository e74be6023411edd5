import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AdaptiveSampler,
  createSampler,
  samplingSchema,
  type FrameSampler,
  type SamplingOptionsInput,
} from '../../src/channel/sampling.ts';

/** Frames at 10 fps; `active(i)` says which ones have a candidate with 10% of the pixels changed. */
function sampled(sampler: FrameSampler, frames: number, active: (i: number) => boolean, frameMs = 100): number[] {
  const out: number[] = [];
  for (let i = 0; i < frames; i++) {
    const on = active(i);
    if (sampler.shouldInfer({ frameIndex: i, timeMs: 1_000_000 + i * frameMs, motionRatio: on ? 0.1 : 0, candidates: on ? 1 : 0 }))
      out.push(i);
  }
  return out;
}

const sampler = (options: SamplingOptionsInput) => createSampler(samplingSchema.parse(options));
const never = () => false;

test('the default strategy sends every frame to inference', () => {
  assert.deepEqual(samplingSchema.parse(undefined), { strategy: 'every_n', n: 1 });
  assert.deepEqual(sampled(sampler(undefined), 5, never), [0, 1, 2, 3, 4]);
});

test('every_n takes every Nth frame whatever happens in it', () => {
  assert.deepEqual(
    sampled(sampler({ strategy: 'every_n', n: 3 }), 10, () => true),
    [0, 3, 6, 9],
  );
  assert.deepEqual(sampled(sampler({ strategy: 'every_n', n: 3 }), 10, never), [0, 3, 6, 9]);
});

test('motion sampling takes active frames at most once a minimum interval and keeps going through the cooldown', () => {
  const motion = sampler({ strategy: 'motion', minIntervalMs: 250, cooldownMs: 500 });
  // Active 200..600 ms; the cooldown runs to 1100 ms.
  assert.deepEqual(
    sampled(motion, 20, (i) => i >= 2 && i <= 6),
    [2, 5, 8, 11],
  );
});

test('motion sampling takes nothing from a camera without activity', () => {
  assert.deepEqual(sampled(sampler({ strategy: 'motion' }), 100, never), []);
});

test('a frame counts as active only with a candidate and enough changed pixels', () => {
  const motion = sampler({ strategy: 'motion', minMotionRatio: 0.05, minIntervalMs: 0, cooldownMs: 0 });
  const frame = (timeMs: number, motionRatio: number, candidates: number) =>
    motion.shouldInfer({ frameIndex: 0, timeMs, motionRatio, candidates });
  assert.equal(frame(0, 0.04, 3), false, 'too few changed pixels');
  assert.equal(frame(100, 0.5, 0), false, 'no candidate region');
  assert.equal(frame(200, 0.05, 1), true);
});

test('adaptive sampling idles at the floor, rises to the max with activity and decays back when idle', () => {
  const adaptive = sampler({ strategy: 'adaptive', minFps: 1, maxFps: 10, rise: 2, halfLifeMs: 1000 });
  // Idle 0..9 (one a second), active 10..19 (x2 a frame: every frame from the fourth), then idle: the
  // rate halves its excess over 1 fps every second, so the gaps grow.
  assert.deepEqual(
    sampled(adaptive, 60, (i) => i >= 10 && i < 20),
    [0, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 29, 31, 33, 36, 39, 43, 47, 52, 58],
  );
});

test('adaptive sampling settles at the floor rate after a long idle time', () => {
  const adaptive = createSampler(samplingSchema.parse({ strategy: 'adaptive', minFps: 0.5, maxFps: 5 })) as AdaptiveSampler;
  sampled(adaptive, 20, () => true);
  assert.equal(adaptive.rateFps, 5);
  const idle = sampled(adaptive, 3000, never);
  assert.ok(Math.abs(adaptive.rateFps - 0.5) < 0.001, `rate ${adaptive.rateFps}`);
  const lastGaps = idle
    .slice(-5)
    .map((frame, i, all) => (i === 0 ? 0 : frame - (all[i - 1] as number)))
    .slice(1);
  assert.deepEqual(lastGaps, [20, 20, 20, 20], 'one frame in 20 at 10 fps = 0.5 fps');
});

test('adaptive sampling takes the frame nearest to when a sample is due, so capture jitter does not halve the rate', () => {
  const adaptive = sampler({ strategy: 'adaptive', minFps: 5, maxFps: 5 });
  const times = [0, 199, 400, 598, 800, 999];
  const taken = times.filter((timeMs, frameIndex) => adaptive.shouldInfer({ frameIndex, timeMs, motionRatio: 0, candidates: 0 }));
  assert.deepEqual(taken, times);
});

test('a bad sampling option is reported with the path of the field', () => {
  const paths = (input: unknown) =>
    samplingSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  assert.deepEqual(paths({ strategy: 'every_n', n: 0 }), ['n: Too small: expected number to be >=1']);
  assert.deepEqual(paths({ strategy: 'adaptive', minFps: 6, maxFps: 5 }), ['minFps: minFps must not be above maxFps']);
  assert.deepEqual(paths({ strategy: 'sometimes' }), ["strategy: Invalid discriminator value. Expected 'every_n' | 'motion' | 'adaptive'"]);
  assert.deepEqual(paths({ strategy: 'motion', cooldown: 5 }), [': Unrecognized key: "cooldown"']);
});
