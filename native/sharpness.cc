// sharpness: Tenengrad and Laplacian variance in one pass with exact integer sums. Vertical
// reflection only chooses the three row pointers, so SIMD covers the interior columns of every row
// and scalar code the two border columns. Sums are exact, so any summation order (and any level)
// gives the same result. This file holds the entry point, the dispatch and the scalar level; the
// shared pieces and the SIMD layout are in sharpness_impl.h, the SIMD levels in
// simd/sharpness_x86.cc and simd/sharpness_neon.cc.
#include "sharpness.h"

#include "sharpness_impl.h"

namespace panoptes {
namespace {

using namespace sharpness_impl;

Sums sumsScalar(const Plane& p) {
  Sums s;
  for (int y = 0; y < p.height; ++y) {
    const Rows r(p, y);
    addBorders(r, p.width, s);
    for (int x = 1; x < p.width - 1; ++x) addPixel(r.a, r.b, r.c, x - 1, x, x + 1, s);
  }
  return s;
}

}  // namespace

Sharpness sharpness(SimdLevel level, const Plane& plane) {
  if (plane.width <= 0 || plane.height <= 0) return Sharpness{0.0, 0.0, 0.0};
  Sums s;
  switch (level) {
#ifdef PANOPTES_X86
    case SimdLevel::Avx512:
      s = sumsAvx512(plane);
      break;
    case SimdLevel::Avx2:
      s = sumsAvx2(plane);
      break;
#endif
#ifdef PANOPTES_NEON
    case SimdLevel::Neon:
      s = sumsNeon(plane);
      break;
#endif
    default:
      s = sumsScalar(plane);
      break;  // a level not compiled falls back to scalar
  }
  // tenengrad = sum / n; variance = sumSq/n - (sum/n)^2 = (n*sumSq - sum^2) / n^2, with the numerator
  // exact in 128 bits (it is n^2 times the variance, so never negative) and one rounding per double
  // operation: a BigInt oracle reproduces it as Number(n*sumSq - sum*sum) / (n*n).
  const int64_t n = static_cast<int64_t>(plane.width) * plane.height;
  const __int128 num = static_cast<__int128>(n) * s.lapSq - static_cast<__int128>(s.lap) * s.lap;
  const double nd = static_cast<double>(n);
  return Sharpness{static_cast<double>(s.ten) / nd, static_cast<double>(num) / (nd * nd), meanPixel(plane)};
}

double meanPixel(const Plane& plane) {
  if (plane.width <= 0 || plane.height <= 0) return 0.0;
  uint64_t sum = 0;
  for (int y = 0; y < plane.height; ++y) {
    const uint8_t* row = plane.data + static_cast<ptrdiff_t>(y) * plane.stride;
    // 32-bit lanes per row: a row of at most kMaxSide pixels cannot overflow them.
    uint32_t rowSum = 0;
    for (int x = 0; x < plane.width; ++x) rowSum += row[x];
    sum += rowSum;
  }
  return static_cast<double>(sum) / (static_cast<double>(plane.width) * plane.height);
}

}  // namespace panoptes
