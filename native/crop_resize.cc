// cropResize kernels: per content row, four-tap bilinear sampling straight from the frame, colour
// conversion and the tensor store, with the integer formula evaluated exactly (one rounding) at
// every level. Definition in crop_resize.h; mapping and sampling tables in crop_resize_tables.cc.
// This file holds the entry point, the dispatch and the scalar level; the shared row code is in
// crop_resize_impl.h, the SIMD levels in simd/crop_resize_x86.cc and simd/crop_resize_neon.cc.
//
// Float outputs use a fused multiply-add in every path (std::fma, _mm*_fmadd_ps, vfmaq_f32) so
// that all levels round once and agree bit for bit whatever the compiler's contraction setting.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "crop_resize.h"
#include "crop_resize_impl.h"

namespace panoptes {
namespace {

using namespace crop_resize_impl;

template <PixelFormat F>
void rowsScalar(const Job& j) {
  for (int cy = 0; cy < j.ch; ++cy) rowScalar<F>(j, rowsFor(j, cy), 0, j.cw);
}

template <PixelFormat F>
struct ScalarRows {
  static void run(const Job& j) { rowsScalar<F>(j); }
};

void fillPad(const Job& j, int dstH, uint8_t pad) {
  const int right = j.padX + j.cw, bottom = j.padY + j.ch;
  auto fill = [&](int y0, int y1, int x0, int x1) {
    if (x0 >= x1) return;
    for (int y = y0; y < y1; ++y) {
      const size_t i = static_cast<size_t>(y) * j.dstW;
      if (j.u8) {
        std::memset(j.u8 + 3 * (i + x0), pad, 3 * static_cast<size_t>(x1 - x0));
      } else {
        for (int c = 0; c < 3; ++c)
          std::fill(j.f32 + c * j.plane + i + x0, j.f32 + c * j.plane + i + x1, normalise(j, c, pad));
      }
    }
  };
  fill(0, j.padY, 0, j.dstW);
  fill(bottom, dstH, 0, j.dstW);
  fill(j.padY, bottom, 0, j.padX);
  fill(j.padY, bottom, right, j.dstW);
}

}  // namespace

namespace crop_resize_impl {

Rows rowsFor(const Job& j, int cy) {
  Rows r{};
  r.fy = j.yCoeff[cy];
  r.l0 = j.luma + j.yIndex[cy] * j.lumaStride;
  r.l1 = r.fy ? r.l0 + j.lumaStride : r.l0;
  if (j.chroma[0] != nullptr) {
    r.cfy = j.yCoeff[j.ch + cy];
    const ptrdiff_t row = j.yIndex[j.ch + cy] * j.chromaStride, next = r.cfy ? j.chromaStride : 0;
    for (int k = 0; k < 2; ++k) {
      r.c0[k] = j.chroma[k] + row;
      r.c1[k] = r.c0[k] + next;
    }
  }
  r.ty = j.padY + cy;
  return r;
}

}  // namespace crop_resize_impl

CropMapping cropResize(SimdLevel level, const Frame& src, const CropParams& params, void* dst,
                       CropScratch& scratch) {
  const CropMapping m = cropMapping(params);
  buildCropTables(src, params, m, scratch);

  Job j{};
  j.format = src.format;
  j.cw = m.contentW;
  j.ch = m.contentH;
  j.padX = m.padX;
  j.padY = m.padY;
  j.dstW = params.dstW;
  j.plane = static_cast<size_t>(params.dstW) * params.dstH;
  j.luma = src.data;
  const bool rgb = src.format == PixelFormat::Rgb24 || src.format == PixelFormat::Bgr24;
  j.lumaStride = rgb ? 3 * static_cast<ptrdiff_t>(src.width) : src.width;
  j.end = src.data + frameBytes(src.format, src.width, src.height);
  const uint8_t* chroma = src.data + static_cast<size_t>(src.width) * src.height;
  const size_t cw = chromaWidth(src.width), ch = chromaHeight(src.height);
  if (src.format == PixelFormat::Yuv420p) {
    j.chroma[0] = chroma;
    j.chroma[1] = chroma + cw * ch;
    j.chromaStride = static_cast<ptrdiff_t>(cw);
    j.chromaStep = 1;
  } else if (src.format == PixelFormat::Nv12) {
    j.chroma[0] = chroma;
    j.chroma[1] = chroma + 1;
    j.chromaStride = 2 * static_cast<ptrdiff_t>(cw);
    j.chromaStep = 2;
  }
  j.xIndex = scratch.xIndex.data();
  j.xCoeff = scratch.xCoeff.data();
  j.yIndex = scratch.yIndex.data();
  j.yCoeff = scratch.yCoeff.data();

  // Normalisation constants rounded once from double, as the TypeScript oracle does with fround.
  float lut[3 * 256];
  if (params.layout == TensorLayout::NhwcU8) {
    j.u8 = static_cast<uint8_t*>(dst);
  } else {
    j.f32 = static_cast<float*>(dst);
    for (int c = 0; c < 3; ++c) {
      j.a[c] = static_cast<float>(1.0 / (255.0 * static_cast<double>(params.std[c])));
      j.b[c] = static_cast<float>(-static_cast<double>(params.mean[c]) / static_cast<double>(params.std[c]));
    }
    if (level == SimdLevel::Scalar || !simdCompiled(level)) {
      for (int c = 0; c < 3; ++c) {
        for (int v = 0; v < 256; ++v) lut[c * 256 + v] = std::fma(static_cast<float>(v), j.a[c], j.b[c]);
      }
      j.lut = lut;
    }
  }

  fillPad(j, params.dstH, params.pad);
  RowsFn run = pick<ScalarRows>(src.format);
#ifdef PANOPTES_X86
  if (level == SimdLevel::Avx512) run = avx512Rows(src.format);
  if (level == SimdLevel::Avx2) run = avx2Rows(src.format);
#endif
#ifdef PANOPTES_NEON
  if (level == SimdLevel::Neon) run = neonRows(src.format);
#endif
  run(j);
  return m;
}

}  // namespace panoptes
