// toLuma's kernels, private to luma.cc (dispatch and the scalar level), simd/luma_x86.cc (AVX2,
// AVX-512), simd/luma_neon.cc and luma_area.cc. The scalar row kernels live here so that every SIMD
// level inlines them for its tail.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "luma.h"

namespace panoptes {

// luma_area.cc: exact area average for any ratio (scalar, O(src + dst) per row).
void lumaArea(const Frame& src, uint8_t* dst, int dstW, int dstH, ptrdiff_t dstStride, LumaScratch& scratch,
              void (*rgbRow)(const uint8_t*, uint8_t*, int, bool));

namespace luma_impl {

// OpenCV 4.x's fixed-point BT.601 RGB2GRAY weights (15-bit; they sum to 1 << 15), so our luma of an
// RGB frame equals cv2.cvtColor(COLOR_RGB2GRAY) exactly. Each fits an int16 for madd.
constexpr int kWr = 9798, kWg = 19235, kWb = 3735;
constexpr int kShift = 15, kRound = 1 << 14;

// (s + k/2) / k for s <= 255k. SIMD lanes use ((s + k/2) * mul) >> shift, exact whenever
// amax * (mul*k - 2^shift) < 2^shift; `simd` is false when no such 32-bit pair exists (huge k).
struct Divider {
  uint32_t k, half, mul, shift;
  bool simd;
};

// Channel order as a template parameter lets the compiler vectorise the scalar level (2x faster).
template <bool Bgr>
void rgbRow(const uint8_t* s, uint8_t* d, int n) {
  constexpr int ir = Bgr ? 2 : 0, ib = 2 - ir;
  for (int x = 0; x < n; ++x, s += 3)
    d[x] = static_cast<uint8_t>((s[ir] * kWr + s[1] * kWg + s[ib] * kWb + kRound) >> kShift);
}

inline void rgbRowScalar(const uint8_t* s, uint8_t* d, int n, bool bgr) {
  if (bgr) {
    rgbRow<true>(s, d, n);
  } else {
    rgbRow<false>(s, d, n);
  }
}

// sums[x] (+)= sum of `rows` rows starting at `row`.
inline void sumRowsScalar(const uint8_t* row, ptrdiff_t stride, int rows, int n, uint32_t* sums,
                          bool accumulate) {
  if (!accumulate) std::fill(sums, sums + n, 0u);
  for (int r = 0; r < rows; ++r, row += stride) {
    for (int x = 0; x < n; ++x) sums[x] += row[x];
  }
}

inline void reduceRowScalar(const uint32_t* sums, int fx, int n, const Divider& d, uint8_t* dst) {
  for (int x = 0; x < n; ++x, sums += fx) {
    uint64_t s = 0;
    for (int t = 0; t < fx; ++t) s += sums[t];
    dst[x] = static_cast<uint8_t>((s + d.half) / d.k);
  }
}

// One level's row kernels. The SIMD levels hand a row's remainder to the level below (AVX-512 ->
// AVX2 -> scalar, NEON -> scalar).
struct Kernels {
  void (*rgbRow)(const uint8_t*, uint8_t*, int, bool);
  void (*sumRows)(const uint8_t*, ptrdiff_t, int, int, uint32_t*, bool);
  void (*reduceRow)(const uint32_t*, int, int, const Divider&, uint8_t*);
};

#ifdef PANOPTES_X86
extern const Kernels kAvx2;
extern const Kernels kAvx512;
#endif
#ifdef PANOPTES_NEON
extern const Kernels kNeon;
#endif

}  // namespace luma_impl
}  // namespace panoptes
