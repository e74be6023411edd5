// cropResize's row kernels, private to crop_resize.cc (entry point, dispatch and the scalar level),
// crop_resize_tables.cc, simd/crop_resize_x86.cc (AVX2, AVX-512) and simd/crop_resize_neon.cc: what a
// row kernel reads, the scalar row that is also every SIMD level's tail, and the per-level entry
// points.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "crop_resize.h"

namespace panoptes {

// crop_resize_tables.cc: the letterbox mapping and the sampling tables of one call.
CropMapping cropMapping(const CropParams& p);
void buildCropTables(const Frame& f, const CropParams& p, const CropMapping& m, CropScratch& s);

namespace crop_resize_impl {

// BT.601 limited range with the (C, D, E) offsets folded in: R = (298Y + 409V + kR) >> 8, etc.
constexpr int kR = -298 * 16 - 409 * 128 + 128;
constexpr int kG = -298 * 16 + 100 * 128 + 208 * 128 + 128;
constexpr int kB = -298 * 16 - 516 * 128 + 128;

// Everything a row kernel reads, fixed for the call.
struct Job {
  PixelFormat format;
  int cw, ch, padX, padY, dstW;
  const uint8_t* luma;  // Y, gray or packed RGB rows
  ptrdiff_t lumaStride;
  const uint8_t* chroma[2];  // U and V planes; for nv12 both point into the UV plane, V one byte on
  ptrdiff_t chromaStride;
  int chromaStep;      // bytes between horizontally adjacent chroma samples
  const uint8_t* end;  // one past the frame: SIMD taps read ahead, see vectorColumns
  const int32_t *xIndex, *xCoeff, *yIndex, *yCoeff;
  uint8_t* u8;       // NhwcU8 output, or null
  float* f32;        // NchwF32 output, or null
  size_t plane;      // dstW * dstH
  float a[3], b[3];  // v * a + b per channel
  const float* lut;  // scalar level: the 3 x 256 normalised values
};

// The source rows of one content row.
struct Rows {
  const uint8_t *l0, *l1, *c0[2], *c1[2];
  int fy, cfy;
  int ty;  // tensor row
};

// Out of line (crop_resize.cc) on purpose: inlined into the SIMD row loops it changed their register
// allocation and cost the AVX-512 yuv420p path 9% (measured).
Rows rowsFor(const Job& j, int cy);

// The second tap is read only when its weight is non-zero, so it never leaves the ROI.
inline int lerp(const uint8_t* r0, const uint8_t* r1, int off, int step, int32_t coeff, int fy) {
  const int fx = coeff >> 16, gx = coeff & 0xFFFF;
  const int top = r0[off] * gx + (fx ? r0[off + step] * fx : 0);
  const int bottom = r1[off] * gx + (fx ? r1[off + step] * fx : 0);
  return (top * (2048 - fy) + bottom * fy + (1 << 21)) >> 22;
}

inline uint8_t clamp255(int v) {
  return static_cast<uint8_t>(std::min(std::max(v, 0), 255));
}

inline float normalise(const Job& j, int c, int v) {
  return j.lut ? j.lut[c * 256 + v] : std::fma(static_cast<float>(v), j.a[c], j.b[c]);
}

inline void put(const Job& j, int ty, int tx, int r, int g, int b) {
  const size_t i = static_cast<size_t>(ty) * j.dstW + tx;
  if (j.u8) {
    uint8_t* p = j.u8 + 3 * i;
    p[0] = static_cast<uint8_t>(r);
    p[1] = static_cast<uint8_t>(g);
    p[2] = static_cast<uint8_t>(b);
  } else {
    j.f32[i] = normalise(j, 0, r);
    j.f32[j.plane + i] = normalise(j, 1, g);
    j.f32[2 * j.plane + i] = normalise(j, 2, b);
  }
}

// Content columns [from, to) of one row; also the tail of every SIMD level. Never inlined: a level
// calls it once per row, and inlined into a SIMD row loop it would crowd the vector code (see rowsFor).
template <PixelFormat F>
__attribute__((noinline)) void rowScalar(const Job& j, const Rows& r, int from, int to) {
  for (int cx = from; cx < to; ++cx) {
    const int off = j.xIndex[cx], co = j.xCoeff[cx];
    if (F == PixelFormat::Gray) {
      const int v = lerp(r.l0, r.l1, off, 1, co, r.fy);
      put(j, r.ty, j.padX + cx, v, v, v);
    } else if (F == PixelFormat::Rgb24 || F == PixelFormat::Bgr24) {
      const int c0 = lerp(r.l0, r.l1, off, 3, co, r.fy);
      const int c1 = lerp(r.l0 + 1, r.l1 + 1, off, 3, co, r.fy);
      const int c2 = lerp(r.l0 + 2, r.l1 + 2, off, 3, co, r.fy);
      if (F == PixelFormat::Rgb24) {
        put(j, r.ty, j.padX + cx, c0, c1, c2);
      } else {
        put(j, r.ty, j.padX + cx, c2, c1, c0);
      }
    } else {
      const int y = lerp(r.l0, r.l1, off, 1, co, r.fy);
      const int coff = j.xIndex[j.cw + cx], cco = j.xCoeff[j.cw + cx];
      const int u = lerp(r.c0[0], r.c1[0], coff, j.chromaStep, cco, r.cfy);
      const int v = lerp(r.c0[1], r.c1[1], coff, j.chromaStep, cco, r.cfy);
      put(j, r.ty, j.padX + cx, clamp255((298 * y + 409 * v + kR) >> 8),
          clamp255((298 * y - 100 * u - 208 * v + kG) >> 8), clamp255((298 * y + 516 * u + kB) >> 8));
    }
  }
}

// Leading columns (a multiple of `lanes`) whose SIMD taps stay inside the frame: a window reads 16
// bytes from its lane's first tap, a gathered tap at most 6. Offsets grow with the column, so only
// the last groups of the last rows can fail.
inline int vectorColumns(const Job& j, const Rows& r, int lanes) {
  constexpr ptrdiff_t kSpan = 16;
  int n = j.cw / lanes * lanes;
  while (n > 0) {
    const int i = n - 1;
    bool ok = j.end - r.l1 >= j.xIndex[i] + kSpan;
    if (j.chroma[0] != nullptr) {
      ok = ok && j.end - r.c1[0] >= j.xIndex[j.cw + i] + kSpan &&
           j.end - r.c1[1] >= j.xIndex[j.cw + i] + kSpan;
    }
    if (ok) break;
    n -= lanes;
  }
  return n;
}

// One level's row loop over every content row, for one pixel format; pick instantiates a level's
// template for the frame's format.
using RowsFn = void (*)(const Job&);

template <template <PixelFormat> class K>
RowsFn pick(PixelFormat f) {
  switch (f) {
    case PixelFormat::Gray:
      return K<PixelFormat::Gray>::run;
    case PixelFormat::Yuv420p:
      return K<PixelFormat::Yuv420p>::run;
    case PixelFormat::Nv12:
      return K<PixelFormat::Nv12>::run;
    case PixelFormat::Rgb24:
      return K<PixelFormat::Rgb24>::run;
    case PixelFormat::Bgr24:
      return K<PixelFormat::Bgr24>::run;
  }
  return nullptr;
}

// The SIMD levels' row loops for a format.
#ifdef PANOPTES_X86
RowsFn avx2Rows(PixelFormat f);
RowsFn avx512Rows(PixelFormat f);
#endif
#ifdef PANOPTES_NEON
RowsFn neonRows(PixelFormat f);
#endif

}  // namespace crop_resize_impl
}  // namespace panoptes
