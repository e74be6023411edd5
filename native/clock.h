// The process clock the binding stamps frames with.
#pragma once

namespace panoptes {

// Milliseconds on CLOCK_MONOTONIC, the clock libuv's uv_hrtime reads on Linux and therefore the one
// behind Node's performance.now(): the two differ by a constant, which src/native/clock.ts measures
// once to map this onto the epoch exactly like its epochMs(). Sub-microsecond resolution.
double monotonicMs();

}  // namespace panoptes
