// Runtime SIMD dispatch: what the binary holds, what the CPU runs, and the operator's override.
#include "level.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace panoptes {

bool simdCompiled(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar:
      return true;
#ifdef PANOPTES_X86
    case SimdLevel::Avx2:
    case SimdLevel::Avx512:
      return true;
#endif
#ifdef PANOPTES_NEON
    case SimdLevel::Neon:
      return true;
#endif
    default:
      return false;
  }
}

bool simdSupported(SimdLevel level) {
  if (!simdCompiled(level)) return false;
  switch (level) {
    case SimdLevel::Scalar:
      return true;
#ifdef PANOPTES_X86
    case SimdLevel::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("bmi2");
    case SimdLevel::Avx512:
      return simdSupported(SimdLevel::Avx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq");
#endif
#ifdef PANOPTES_NEON
    case SimdLevel::Neon:
      return true;  // mandatory on AArch64
#endif
    default:
      return false;
  }
}

const char* simdName(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar:
      return "scalar";
    case SimdLevel::Avx2:
      return "avx2";
    case SimdLevel::Avx512:
      return "avx512";
    case SimdLevel::Neon:
      return "neon";
  }
  return "unknown";
}

SimdLevel bestSimdLevel() {
  SimdLevel best = SimdLevel::Scalar;
  for (SimdLevel l : {SimdLevel::Neon, SimdLevel::Avx2, SimdLevel::Avx512}) {
    if (simdSupported(l)) best = l;
  }
  // An operator may cap the level (e.g. to rule out a SIMD path while debugging); never raise it.
  const char* cap = std::getenv("PANOPTES_SIMD");
  if (cap == nullptr) return best;
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (std::strcmp(cap, simdName(l)) == 0 && simdSupported(l) &&
        static_cast<int>(l) <= static_cast<int>(best)) {
      return l;
    }
  }
  return best;
}

}  // namespace panoptes
