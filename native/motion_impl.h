// motion's fused passes, private to motion.cc (dispatch and the scalar level), simd/motion_x86.cc
// (AVX2, AVX-512) and simd/motion_neon.cc. The per-row bookkeeping they share is in motion_rows.h.
#pragma once

#include "motion_rows.h"
#include "simd/level.h"

// Pins a value in a register: the background update rounds alpha * (cur - bg) to float32 before the
// add in every path. Without the pin GCC (-ffp-contract=fast, its default outside strict ISO mode)
// fuses the pair into an FMA wherever the target has one, i.e. in the AVX2 path but not in scalar.
#if defined(PANOPTES_X86)
#define PANOPTES_PIN(v) asm("" : "+x"(v))
#define PANOPTES_PIN512(v) asm("" : "+v"(v))
#elif defined(PANOPTES_NEON)
#define PANOPTES_PIN(v) asm("" : "+w"(v))
#else
#define PANOPTES_PIN(v) (void)(v)
#endif

namespace panoptes {
namespace motion_impl {

using Pass = void (*)(const motion_rows::Job&, motion_rows::Totals&);

// Each level's passes, indexed by (background ? 2 : 0) | (exclude ? 1 : 0).
#ifdef PANOPTES_X86
extern const Pass kAvx2[4];
extern const Pass kAvx512[4];
#endif
#ifdef PANOPTES_NEON
extern const Pass kNeon[4];
#endif

}  // namespace motion_impl
}  // namespace panoptes
