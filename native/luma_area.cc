// toLuma's general path: the exact integer-weight area average of luma.h for any ratio
// (non-integer downscale, upscale, mixed). Scalar: every SIMD level lands here only for ratios the
// box kernels in luma.cc cannot take, and it is O(srcW + dstW) per source row touched.
#include <algorithm>

#include "luma.h"
#include "luma_impl.h"

namespace panoptes {

namespace {

template <typename T>
T* grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace

void lumaArea(const Frame& src, uint8_t* dst, int dstW, int dstH, ptrdiff_t dstStride, LumaScratch& scratch,
              void (*rgbRow)(const uint8_t*, uint8_t*, int, bool)) {
  const int sw = src.width, sh = src.height;
  const bool rgb = src.format == PixelFormat::Rgb24 || src.format == PixelFormat::Bgr24;
  const bool bgr = src.format == PixelFormat::Bgr24;
  const ptrdiff_t stride = rgb ? 3 * static_cast<ptrdiff_t>(sw) : sw;

  // Column table: destination column dx covers source columns xIndex[dx] .. with the weights
  // xWeight[xIndex[dstW + dx] .. xIndex[dstW + dx + 1]). Total entries <= srcW + dstW.
  int32_t* xIndex = grow(scratch.xIndex, 2 * static_cast<size_t>(dstW) + 1);
  int32_t* xWeight = grow(scratch.xWeight, static_cast<size_t>(sw) + dstW);
  int32_t used = 0;
  for (int dx = 0; dx < dstW; ++dx) {
    const int64_t a = static_cast<int64_t>(dx) * sw, b = a + sw;  // the span, in units scaled by dstW
    const int64_t i0 = a / dstW, i1 = (b - 1) / dstW;
    xIndex[dx] = static_cast<int32_t>(i0);
    xIndex[dstW + dx] = used;
    for (int64_t i = i0; i <= i1; ++i) {
      xWeight[used++] = static_cast<int32_t>(std::min(b, (i + 1) * dstW) - std::max(a, i * dstW));
    }
  }
  xIndex[2 * dstW] = used;

  // Column sums weighted by wy stay below 255 * srcH (the weights of one output row sum to srcH).
  uint32_t* sums = grow(scratch.rowSums, static_cast<size_t>(sw));
  uint8_t* luma = rgb ? grow(scratch.rowLuma, static_cast<size_t>(sw)) : nullptr;
  const uint64_t total = static_cast<uint64_t>(sw) * static_cast<uint64_t>(sh);
  for (int dy = 0; dy < dstH; ++dy) {
    const int64_t a = static_cast<int64_t>(dy) * sh, b = a + sh;
    const int64_t j0 = a / dstH, j1 = (b - 1) / dstH;
    std::fill(sums, sums + sw, 0u);
    for (int64_t j = j0; j <= j1; ++j) {
      const uint32_t wy = static_cast<uint32_t>(std::min(b, (j + 1) * dstH) - std::max(a, j * dstH));
      const uint8_t* row = src.data + j * stride;
      if (rgb) {
        rgbRow(row, luma, sw, bgr);
        row = luma;
      }
      for (int i = 0; i < sw; ++i) sums[i] += wy * row[i];
    }
    uint8_t* out = dst + dy * dstStride;
    for (int dx = 0; dx < dstW; ++dx) {
      const uint32_t* s = sums + xIndex[dx];
      const int32_t* w = xWeight + xIndex[dstW + dx];
      const int n = xIndex[dstW + dx + 1] - xIndex[dstW + dx];
      uint64_t t = 0;
      for (int i = 0; i < n; ++i) t += static_cast<uint64_t>(w[i]) * s[i];
      out[dx] = static_cast<uint8_t>((t + total / 2) / total);
    }
  }
}

}  // namespace panoptes
