// <immintrin.h> for the x86 kernel files (simd/*_x86.cc), which select AVX2 or AVX-512 per function
// with PANOPTES_TARGET_AVX2 / PANOPTES_TARGET_AVX512 (level.h).
#pragma once

#include "level.h"

#ifdef PANOPTES_X86
// GCC 12's AVX-512 headers self-initialise their "undefined" vectors, which -Wmaybe-uninitialized
// reports at every inlined use (GCC PR105593, fixed in 13); the location is inside the header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif
