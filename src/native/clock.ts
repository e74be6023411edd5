/**
 * The one clock of the tree: epoch milliseconds at sub-millisecond resolution, comparable across
 * threads (each thread's performance.now() counts from its own origin; adding that origin maps it onto
 * the epoch), read two ways:
 *
 * - `epochMs()` returns it. In Node 20 every JS clock read (performance.now(), Date.now(), with or
 *   without the cached origin) returns a fresh 16 B heap number, measured in an optimized loop.
 * - `stampNow(target, i)` writes it into a Float64Array (a frame's metadata in a SharedArrayBuffer)
 *   through the addon and returns nothing, so it allocates nothing: the per-frame read on the hot path.
 *
 * The addon reads CLOCK_MONOTONIC, the clock libuv's uv_hrtime (and so performance.now()) reads, and
 * adds an offset measured here once a thread as `epochMs() - monotonic`. Both sides tick on the same
 * monotonic clock, so the offset cannot drift: it is a constant (the origin on the epoch minus the
 * origin on CLOCK_MONOTONIC) that only the few microseconds between two reads blur. Like epochMs(),
 * the stamps follow neither wall-clock steps nor NTP corrections made after the thread started.
 */
import { addon } from './load.ts';

/** `performance.timeOrigin` is a getter that calls into C++ on every read, so it is read once here. */
const TIME_ORIGIN_MS = performance.timeOrigin;

export function epochMs(): number {
  return TIME_ORIGIN_MS + performance.now();
}

const CALIBRATION_READS = 5;
const probe = new Float64Array(1);
let offsetMs = 0;
let calibrated = false;

/**
 * Measures the offset from CLOCK_MONOTONIC to epochMs(): the midpoint of the narrowest of a few
 * epochMs() pairs around a raw stamp, so the error is under half that width (about a microsecond).
 * `stampNow` does it on first use; calling it again costs a few microseconds and is never needed
 * (the offset does not drift). Returns the offset in ms.
 */
export function calibrateStampClock(): number {
  const raw = addon();
  let width = Infinity;
  for (let i = 0; i < CALIBRATION_READS; i++) {
    const before = epochMs();
    raw.stampEpochMs(probe, 0, 0);
    const after = epochMs();
    if (after - before < width) {
      width = after - before;
      offsetMs = (before + after) / 2 - (probe[0] as number);
    }
  }
  calibrated = true;
  return offsetMs;
}

/** Writes epochMs() as of now into `target[index]`, allocating nothing on the JS heap. */
export function stampNow(target: Float64Array, index: number): void {
  if (!calibrated) calibrateStampClock();
  addon().stampEpochMs(target, index, offsetMs);
}
