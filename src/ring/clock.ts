/**
 * Epoch milliseconds at sub-millisecond resolution, comparable across threads (each thread's
 * performance.now() counts from its own origin; adding that origin maps it onto the epoch).
 * `performance.timeOrigin` is a getter that calls into C++ on every read, so it is read once here.
 * Every call still returns a fresh heap number: in Node 20 any clock read (performance.now(),
 * Date.now(), with or without the cached origin) allocates 16 B, measured in an optimized loop. The hot
 * path therefore reads the clock as rarely as it can; a native stamp written straight into a
 * Float64Array (an N-API call returning undefined) measured 0 B and would remove the last per-frame read.
 */
const TIME_ORIGIN_MS = performance.timeOrigin;

export function epochMs(): number {
  return TIME_ORIGIN_MS + performance.now();
}
