// The kernel families of the addon; each header states the exact definition its implementations
// (scalar, AVX2, AVX-512, NEON) and the TypeScript oracle in test/ share.
#pragma once

#include "clock.h"
#include "crop_resize.h"
#include "frame.h"
#include "heap_trim.h"
#include "luma.h"
#include "motion.h"
#include "pipe_io.h"
#include "sharpness.h"
#include "simd/level.h"
