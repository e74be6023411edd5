// Which instruction set a kernel call uses. Every kernel takes the level explicitly so that tests
// and benchmarks can run the scalar and SIMD paths side by side in one process.
#pragma once

namespace panoptes {

enum class SimdLevel : int { Scalar = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };

// Compiled into this binary (depends on the target architecture) and supported by this CPU.
bool simdCompiled(SimdLevel level);
bool simdSupported(SimdLevel level);
// The best level both compiled and supported; PANOPTES_SIMD=scalar|avx2|avx512|neon lowers it.
SimdLevel bestSimdLevel();
const char* simdName(SimdLevel level);

}  // namespace panoptes

// Function-level target attributes let one file hold the scalar kernel next to its SIMD versions.
#if defined(__x86_64__) || defined(_M_X64)
#define PANOPTES_X86 1
#define PANOPTES_TARGET_AVX2 __attribute__((target("avx2,fma,bmi2")))
#define PANOPTES_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,bmi2")))
#endif
#if defined(__aarch64__)
#define PANOPTES_NEON 1
#endif
