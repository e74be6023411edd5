/**
 * Token bucket for event rate limits: `burst` events at once, then `perMinute` on average. Time is
 * passed in (frame capture times), so tests drive it with plain numbers and the limiter never reads a
 * clock of its own.
 */
import { z } from 'zod';

export const tokenBucketSchema = z.strictObject({
  burst: z.number().int().min(1).describe('Event starts allowed at once after a quiet period (the bucket size).'),
  perMinute: z.number().positive().describe('Sustained event starts a minute (the refill rate).'),
});
export type TokenBucketOptions = z.infer<typeof tokenBucketSchema>;

export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #lastMs: number | null = null;

  constructor(options: TokenBucketOptions) {
    this.#capacity = options.burst;
    this.#perMs = options.perMinute / 60_000;
    this.#tokens = options.burst;
  }

  /**
   * Refills for the time since the last call. Cameras' capture clocks are not perfectly ordered against
   * each other, so a time earlier than one already seen refills nothing instead of draining the bucket.
   */
  #refill(nowMs: number): void {
    if (this.#lastMs !== null && nowMs > this.#lastMs) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + (nowMs - this.#lastMs) * this.#perMs);
    }
    if (this.#lastMs === null || nowMs > this.#lastMs) this.#lastMs = nowMs;
  }

  /** Whether a token is there at `nowMs`, without taking it. */
  available(nowMs: number): boolean {
    this.#refill(nowMs);
    // The epsilon absorbs the rounding of many small refills (60 refills of 1/60 token make 0.999...).
    return this.#tokens >= 1 - 1e-9;
  }

  /** Takes a token if there is one. */
  tryTake(nowMs: number): boolean {
    if (!this.available(nowMs)) return false;
    this.#tokens = Math.max(0, this.#tokens - 1);
    return true;
  }
}
