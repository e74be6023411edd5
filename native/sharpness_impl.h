// sharpness's kernels, private to sharpness.cc (dispatch and the scalar level), simd/sharpness_x86.cc
// (AVX2, AVX-512) and simd/sharpness_neon.cc: the exact sums, the reflected rows and the border
// columns every level shares.
//
// SIMD layout: a vector of bytes read as 16-bit lanes gives the even pixels (v & 0xff) and the odd
// pixels (v >> 8) without shuffles. Loads at x-1 and x+1 then provide, per lane j, the columns
// x-1+2j, x+2j, x+1+2j and x+2+2j: the left, centre and right neighbours of pixels x+2j and x+1+2j.
// Every intermediate fits int16 (|Gx|, |Gy|, |L| <= 1020); squares are summed in int32 by madd and
// widened to int64 at least every 128 blocks (128 * 8 * 1020^2 < 2^31).
#pragma once

#include <cstdint>
#include <cstring>

#include "sharpness.h"

namespace panoptes {
namespace sharpness_impl {

struct Sums {
  int64_t ten = 0;    // sum of Gx^2 + Gy^2
  int64_t lap = 0;    // sum of L
  int64_t lapSq = 0;  // sum of L^2
};

constexpr int kFlushBlocks = 128;

// BORDER_REFLECT_101 for an index at most one step outside [0, n); a 1-pixel dimension reflects onto
// itself.
inline int reflect101(int i, int n) {
  if (n == 1) return 0;
  if (i < 0) return 1;
  if (i >= n) return n - 2;
  return i;
}

// One pixel from rows a (above), b, c (below) and columns l, x, r.
inline void addPixel(const uint8_t* a, const uint8_t* b, const uint8_t* c, int l, int x, int r, Sums& s) {
  const int gx = (a[r] - a[l]) + 2 * (b[r] - b[l]) + (c[r] - c[l]);
  const int gy = (c[l] + 2 * c[x] + c[r]) - (a[l] + 2 * a[x] + a[r]);
  const int lap = a[x] + c[x] + b[l] + b[r] - 4 * b[x];
  s.ten += gx * gx + gy * gy;
  s.lap += lap;
  s.lapSq += lap * lap;
}

struct Rows {
  const uint8_t* a;
  const uint8_t* b;
  const uint8_t* c;
  Rows(const Plane& p, int y)
      : a(p.data + reflect101(y - 1, p.height) * p.stride),
        b(p.data + y * p.stride),
        c(p.data + reflect101(y + 1, p.height) * p.stride) {}
};

// Columns 0 and w-1, where the horizontal reflection applies.
inline void addBorders(const Rows& r, int w, Sums& s) {
  addPixel(r.a, r.b, r.c, reflect101(-1, w), 0, reflect101(1, w), s);
  if (w > 1) addPixel(r.a, r.b, r.c, w - 2, w - 1, reflect101(w, w), s);
}

// The interior [1, w-1) ends with a partial block of n < V pixels. AVX2 and NEON copy its bytes
// [x-1, w) into zero-padded buffers so no load passes the row; lanes past n are then cleared.
template <int V>
struct Tail {
  uint8_t rows[3][V + 2] = {};
  void load(const Rows& r, int x, int n) {
    std::memcpy(rows[0], r.a + x - 1, static_cast<size_t>(n) + 2);
    std::memcpy(rows[1], r.b + x - 1, static_cast<size_t>(n) + 2);
    std::memcpy(rows[2], r.c + x - 1, static_cast<size_t>(n) + 2);
  }
};

#ifdef PANOPTES_X86
PANOPTES_TARGET_AVX2 Sums sumsAvx2(const Plane& p);
PANOPTES_TARGET_AVX512 Sums sumsAvx512(const Plane& p);
#endif
#ifdef PANOPTES_NEON
Sums sumsNeon(const Plane& p);
#endif

}  // namespace sharpness_impl
}  // namespace panoptes
