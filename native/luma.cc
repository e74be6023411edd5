// toLuma kernels: RGB->luma rows, vertical row sums and horizontal box reduction for integer
// factors, per SIMD level. The exact definition lives in luma.h; the general (non-integer) area
// path is in luma_area.cc. This file holds the entry point and the dispatch; the scalar row kernels
// are in luma_impl.h, the SIMD ones in simd/luma_x86.cc and simd/luma_neon.cc.
#include "luma.h"

#include <algorithm>
#include <cstring>

#include "luma_impl.h"

namespace panoptes {
namespace {

using namespace luma_impl;

Divider makeDivider(uint32_t k) {
  Divider d{k, k / 2, 0, 0, false};
  const uint64_t amax = 255ull * k + k / 2;
  for (uint32_t s = 0; s < 32; ++s) {
    const uint64_t p = 1ull << s, m = (p + k - 1) / k;
    if (amax * m >= (1ull << 32)) break;  // m only grows with s
    if (amax * (m * k - p) < p) {
      d.mul = static_cast<uint32_t>(m);
      d.shift = s;
      d.simd = true;
      break;
    }
  }
  return d;
}

Kernels kernelsFor(SimdLevel level) {
#ifdef PANOPTES_X86
  if (level == SimdLevel::Avx512) return kAvx512;
  if (level == SimdLevel::Avx2) return kAvx2;
#endif
#ifdef PANOPTES_NEON
  if (level == SimdLevel::Neon) return kNeon;
#endif
  return {rgbRowScalar, sumRowsScalar, reduceRowScalar};
}

template <typename T>
T* grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace

void toLuma(SimdLevel level, const Frame& src, uint8_t* dst, int dstW, int dstH, ptrdiff_t dstStride,
            LumaScratch& scratch) {
  const Kernels k = kernelsFor(level);
  const int sw = src.width, sh = src.height;
  const bool rgb = src.format == PixelFormat::Rgb24 || src.format == PixelFormat::Bgr24;
  const bool bgr = src.format == PixelFormat::Bgr24;
  const ptrdiff_t stride = rgb ? 3 * static_cast<ptrdiff_t>(sw) : sw;  // Y comes first in yuv420p and nv12

  if (sw == dstW && sh == dstH) {
    for (int y = 0; y < sh; ++y) {
      const uint8_t* row = src.data + y * stride;
      if (rgb) {
        k.rgbRow(row, dst + y * dstStride, sw, bgr);
      } else {
        std::memcpy(dst + y * dstStride, row, static_cast<size_t>(sw));
      }
    }
    return;
  }
  if (dstW > sw || dstH > sh || sw % dstW != 0 || sh % dstH != 0) {
    lumaArea(src, dst, dstW, dstH, dstStride, scratch, k.rgbRow);
    return;
  }

  // Integer factors: every weight in the definition is equal, so it reduces to the rounded box mean.
  const int fx = sw / dstW, fy = sh / dstH;
  const Divider div = makeDivider(static_cast<uint32_t>(fx) * static_cast<uint32_t>(fy));
  uint32_t* sums = grow(scratch.rowSums, static_cast<size_t>(sw) + 64);  // the box kernels read past the row
  // RGB rows are converted in blocks so the luma buffer stays small for large factors.
  const int block = rgb ? std::min(fy, 8) : fy;
  uint8_t* luma = rgb ? grow(scratch.rowLuma, static_cast<size_t>(sw) * block) : nullptr;
  for (int dy = 0; dy < dstH; ++dy) {
    const uint8_t* first = src.data + static_cast<ptrdiff_t>(dy) * fy * stride;
    if (!rgb) {
      k.sumRows(first, stride, fy, sw, sums, false);
    } else {
      for (int j0 = 0; j0 < fy; j0 += block) {
        const int rows = std::min(block, fy - j0);
        for (int j = 0; j < rows; ++j) k.rgbRow(first + (j0 + j) * stride, luma + j * sw, sw, bgr);
        k.sumRows(luma, sw, rows, sw, sums, j0 > 0);
      }
    }
    k.reduceRow(sums, fx, dstW, div, dst + dy * dstStride);
  }
}

}  // namespace panoptes
