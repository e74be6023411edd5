// sharpness: Tenengrad and Laplacian variance in one pass with exact integer sums. Vertical
// reflection only chooses the three row pointers, so SIMD covers the interior columns of every row
// and scalar code the two border columns. Sums are exact, so any summation order (and any level)
// gives the same result.
//
// SIMD layout: a vector of bytes read as 16-bit lanes gives the even pixels (v & 0xff) and the odd
// pixels (v >> 8) without shuffles. Loads at x-1 and x+1 then provide, per lane j, the columns
// x-1+2j, x+2j, x+1+2j and x+2+2j: the left, centre and right neighbours of pixels x+2j and x+1+2j.
// Every intermediate fits int16 (|Gx|, |Gy|, |L| <= 1020); squares are summed in int32 by madd and
// widened to int64 at least every 128 blocks (128 * 8 * 1020^2 < 2^31).
#include "sharpness.h"

#include <cstring>

#ifdef PANOPTES_X86
// GCC 12's AVX-512 intrinsics trip a false -Wmaybe-uninitialized (GCC bug 105593, fixed in 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif
#ifdef PANOPTES_NEON
#include <arm_neon.h>
#endif

namespace panoptes {
namespace {

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

Sums sumsScalar(const Plane& p) {
  Sums s;
  for (int y = 0; y < p.height; ++y) {
    const Rows r(p, y);
    addBorders(r, p.width, s);
    for (int x = 1; x < p.width - 1; ++x) addPixel(r.a, r.b, r.c, x - 1, x, x + 1, s);
  }
  return s;
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

struct Cols2 {
  __m256i l, m, r0, r1;  // columns x-1+2j, x+2j, x+1+2j, x+2+2j
};

PANOPTES_TARGET_AVX2 inline Cols2 cols2(const uint8_t* p) {
  const __m256i lo = _mm256_set1_epi16(0xff);
  const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2));
  return {_mm256_and_si256(v0, lo), _mm256_srli_epi16(v0, 8), _mm256_and_si256(v1, lo), _mm256_srli_epi16(v1, 8)};
}

struct Acc2 {
  __m256i ten, lap, lapSq;  // int32 lanes
};

// 32 pixels starting one byte after a, b and c; `even`/`odd` clear the lanes of a partial block.
template <bool kPartial>
PANOPTES_TARGET_AVX2 inline void block2(const uint8_t* a, const uint8_t* b, const uint8_t* c, __m256i even,
                                        __m256i odd, Acc2& acc) {
  const Cols2 A = cols2(a), B = cols2(b), C = cols2(c);
  // Per column: S = above + below, V = S + 2 * centre (Sobel smoothing), D = below - above.
  const __m256i sm = _mm256_add_epi16(A.m, C.m);
  const __m256i s0 = _mm256_add_epi16(A.r0, C.r0);
  const __m256i vl = _mm256_add_epi16(_mm256_add_epi16(A.l, C.l), _mm256_slli_epi16(B.l, 1));
  const __m256i vm = _mm256_add_epi16(sm, _mm256_slli_epi16(B.m, 1));
  const __m256i v0 = _mm256_add_epi16(s0, _mm256_slli_epi16(B.r0, 1));
  const __m256i v1 = _mm256_add_epi16(_mm256_add_epi16(A.r1, C.r1), _mm256_slli_epi16(B.r1, 1));
  const __m256i dl = _mm256_sub_epi16(C.l, A.l);
  const __m256i dm = _mm256_sub_epi16(C.m, A.m);
  const __m256i d0 = _mm256_sub_epi16(C.r0, A.r0);
  const __m256i d1 = _mm256_sub_epi16(C.r1, A.r1);
  __m256i gxE = _mm256_sub_epi16(v0, vl);
  __m256i gxO = _mm256_sub_epi16(v1, vm);
  __m256i gyE = _mm256_add_epi16(_mm256_add_epi16(dl, d0), _mm256_slli_epi16(dm, 1));
  __m256i gyO = _mm256_add_epi16(_mm256_add_epi16(dm, d1), _mm256_slli_epi16(d0, 1));
  __m256i lapE = _mm256_sub_epi16(_mm256_add_epi16(sm, _mm256_add_epi16(B.l, B.r0)), _mm256_slli_epi16(B.m, 2));
  __m256i lapO = _mm256_sub_epi16(_mm256_add_epi16(s0, _mm256_add_epi16(B.m, B.r1)), _mm256_slli_epi16(B.r0, 2));
  if (kPartial) {
    gxE = _mm256_and_si256(gxE, even);
    gyE = _mm256_and_si256(gyE, even);
    lapE = _mm256_and_si256(lapE, even);
    gxO = _mm256_and_si256(gxO, odd);
    gyO = _mm256_and_si256(gyO, odd);
    lapO = _mm256_and_si256(lapO, odd);
  }
  const __m256i ten = _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(gxE, gxE), _mm256_madd_epi16(gyE, gyE)),
                                       _mm256_add_epi32(_mm256_madd_epi16(gxO, gxO), _mm256_madd_epi16(gyO, gyO)));
  acc.ten = _mm256_add_epi32(acc.ten, ten);
  acc.lapSq = _mm256_add_epi32(acc.lapSq,
                               _mm256_add_epi32(_mm256_madd_epi16(lapE, lapE), _mm256_madd_epi16(lapO, lapO)));
  acc.lap = _mm256_add_epi32(acc.lap, _mm256_madd_epi16(_mm256_add_epi16(lapE, lapO), _mm256_set1_epi16(1)));
}

PANOPTES_TARGET_AVX2 inline int64_t flush2(__m256i& v) {
  const __m256i wide = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)),
                                        _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)));
  v = _mm256_setzero_si256();
  const __m128i pair = _mm_add_epi64(_mm256_castsi256_si128(wide), _mm256_extracti128_si256(wide, 1));
  return _mm_cvtsi128_si64(pair) + _mm_extract_epi64(pair, 1);
}

PANOPTES_TARGET_AVX2 inline void flush2(Acc2& acc, Sums& s) {
  s.ten += flush2(acc.ten);
  s.lap += flush2(acc.lap);
  s.lapSq += flush2(acc.lapSq);
}

PANOPTES_TARGET_AVX2 Sums sumsAvx2(const Plane& p) {
  constexpr int V = 32;
  const int end = p.width - 1;  // interior columns are [1, end)
  const int n = end > 1 ? (end - 1) % V : 0;
  const __m256i lane2 = _mm256_setr_epi16(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m256i even = _mm256_cmpgt_epi16(_mm256_set1_epi16(static_cast<int16_t>(n)), lane2);
  const __m256i odd = _mm256_cmpgt_epi16(_mm256_set1_epi16(static_cast<int16_t>(n - 1)), lane2);
  Tail<V> tail;
  Sums s;
  Acc2 acc{_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
  for (int y = 0; y < p.height; ++y) {
    const Rows r(p, y);
    addBorders(r, p.width, s);
    int x = 1;
    int blocks = 0;
    for (; x + V <= end; x += V) {
      block2<false>(r.a + x - 1, r.b + x - 1, r.c + x - 1, even, odd, acc);
      if (++blocks == kFlushBlocks) {
        flush2(acc, s);
        blocks = 0;
      }
    }
    if (x < end) {
      tail.load(r, x, n);
      block2<true>(tail.rows[0], tail.rows[1], tail.rows[2], even, odd, acc);
    }
    flush2(acc, s);
  }
  return s;
}

struct Cols5 {
  __m512i l, m, r0, r1;
};

// AVX-512 masks its partial block at the loads: k0 covers the n + 1 bytes needed from x-1, k1 the n
// bytes from x+1.
PANOPTES_TARGET_AVX512 inline Cols5 cols5(const uint8_t* p, __mmask64 k0, __mmask64 k1) {
  const __m512i lo = _mm512_set1_epi16(0xff);
  const __m512i v0 = _mm512_maskz_loadu_epi8(k0, p);
  const __m512i v1 = _mm512_maskz_loadu_epi8(k1, p + 2);
  return {_mm512_and_si512(v0, lo), _mm512_srli_epi16(v0, 8), _mm512_and_si512(v1, lo), _mm512_srli_epi16(v1, 8)};
}

struct Acc5 {
  __m512i ten, lap, lapSq;
};

PANOPTES_TARGET_AVX512 inline void block5(const uint8_t* a, const uint8_t* b, const uint8_t* c, __mmask64 k0,
                                          __mmask64 k1, __mmask32 even, __mmask32 odd, Acc5& acc) {
  const Cols5 A = cols5(a, k0, k1), B = cols5(b, k0, k1), C = cols5(c, k0, k1);
  const __m512i sm = _mm512_add_epi16(A.m, C.m);
  const __m512i s0 = _mm512_add_epi16(A.r0, C.r0);
  const __m512i vl = _mm512_add_epi16(_mm512_add_epi16(A.l, C.l), _mm512_slli_epi16(B.l, 1));
  const __m512i vm = _mm512_add_epi16(sm, _mm512_slli_epi16(B.m, 1));
  const __m512i v0 = _mm512_add_epi16(s0, _mm512_slli_epi16(B.r0, 1));
  const __m512i v1 = _mm512_add_epi16(_mm512_add_epi16(A.r1, C.r1), _mm512_slli_epi16(B.r1, 1));
  const __m512i dl = _mm512_sub_epi16(C.l, A.l);
  const __m512i dm = _mm512_sub_epi16(C.m, A.m);
  const __m512i d0 = _mm512_sub_epi16(C.r0, A.r0);
  const __m512i d1 = _mm512_sub_epi16(C.r1, A.r1);
  const __m512i gxE = _mm512_maskz_sub_epi16(even, v0, vl);
  const __m512i gxO = _mm512_maskz_sub_epi16(odd, v1, vm);
  const __m512i gyE = _mm512_maskz_add_epi16(even, _mm512_add_epi16(dl, d0), _mm512_slli_epi16(dm, 1));
  const __m512i gyO = _mm512_maskz_add_epi16(odd, _mm512_add_epi16(dm, d1), _mm512_slli_epi16(d0, 1));
  const __m512i lapE =
      _mm512_maskz_sub_epi16(even, _mm512_add_epi16(sm, _mm512_add_epi16(B.l, B.r0)), _mm512_slli_epi16(B.m, 2));
  const __m512i lapO =
      _mm512_maskz_sub_epi16(odd, _mm512_add_epi16(s0, _mm512_add_epi16(B.m, B.r1)), _mm512_slli_epi16(B.r0, 2));
  const __m512i ten = _mm512_add_epi32(_mm512_add_epi32(_mm512_madd_epi16(gxE, gxE), _mm512_madd_epi16(gyE, gyE)),
                                       _mm512_add_epi32(_mm512_madd_epi16(gxO, gxO), _mm512_madd_epi16(gyO, gyO)));
  acc.ten = _mm512_add_epi32(acc.ten, ten);
  acc.lapSq = _mm512_add_epi32(acc.lapSq,
                               _mm512_add_epi32(_mm512_madd_epi16(lapE, lapE), _mm512_madd_epi16(lapO, lapO)));
  acc.lap = _mm512_add_epi32(acc.lap, _mm512_madd_epi16(_mm512_add_epi16(lapE, lapO), _mm512_set1_epi16(1)));
}

PANOPTES_TARGET_AVX512 inline int64_t flush5(__m512i& v) {
  const __m512i wide = _mm512_add_epi64(_mm512_cvtepi32_epi64(_mm512_castsi512_si256(v)),
                                        _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1)));
  v = _mm512_setzero_si512();
  return _mm512_reduce_add_epi64(wide);
}

PANOPTES_TARGET_AVX512 Sums sumsAvx512(const Plane& p) {
  constexpr int V = 64;
  const int end = p.width - 1;
  Sums s;
  Acc5 acc{_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  const __mmask64 all = ~__mmask64{0};
  for (int y = 0; y < p.height; ++y) {
    const Rows r(p, y);
    addBorders(r, p.width, s);
    int x = 1;
    int blocks = 0;
    for (; x + V <= end; x += V) {
      block5(r.a + x - 1, r.b + x - 1, r.c + x - 1, all, all, ~__mmask32{0}, ~__mmask32{0}, acc);
      if (++blocks == kFlushBlocks) {
        s.ten += flush5(acc.ten);
        s.lap += flush5(acc.lap);
        s.lapSq += flush5(acc.lapSq);
        blocks = 0;
      }
    }
    if (x < end) {
      const unsigned n = static_cast<unsigned>(end - x);
      const __mmask32 even = static_cast<__mmask32>(_bzhi_u32(~0u, (n + 1) / 2));
      const __mmask32 odd = static_cast<__mmask32>(_bzhi_u32(~0u, n / 2));
      block5(r.a + x - 1, r.b + x - 1, r.c + x - 1, _bzhi_u64(all, n + 1), _bzhi_u64(all, n), even, odd, acc);
    }
    s.ten += flush5(acc.ten);
    s.lap += flush5(acc.lap);
    s.lapSq += flush5(acc.lapSq);
  }
  return s;
}

#endif  // PANOPTES_X86

#ifdef PANOPTES_NEON

struct ColsN {
  int16x8_t l, m, r0, r1;
};

inline ColsN colsNeon(const uint8_t* p) {
  const uint16x8_t lo = vdupq_n_u16(0xff);
  const uint16x8_t v0 = vreinterpretq_u16_u8(vld1q_u8(p));
  const uint16x8_t v1 = vreinterpretq_u16_u8(vld1q_u8(p + 2));
  return {vreinterpretq_s16_u16(vandq_u16(v0, lo)), vreinterpretq_s16_u16(vshrq_n_u16(v0, 8)),
          vreinterpretq_s16_u16(vandq_u16(v1, lo)), vreinterpretq_s16_u16(vshrq_n_u16(v1, 8))};
}

struct AccN {
  int32x4_t ten, lap, lapSq;
};

inline int32x4_t squares(int32x4_t acc, int16x8_t v) {
  return vmlal_high_s16(vmlal_s16(acc, vget_low_s16(v), vget_low_s16(v)), v, v);
}

template <bool kPartial>
inline void blockNeon(const uint8_t* a, const uint8_t* b, const uint8_t* c, int16x8_t even, int16x8_t odd,
                      AccN& acc) {
  const ColsN A = colsNeon(a), B = colsNeon(b), C = colsNeon(c);
  const int16x8_t sm = vaddq_s16(A.m, C.m);
  const int16x8_t s0 = vaddq_s16(A.r0, C.r0);
  const int16x8_t vl = vaddq_s16(vaddq_s16(A.l, C.l), vshlq_n_s16(B.l, 1));
  const int16x8_t vm = vaddq_s16(sm, vshlq_n_s16(B.m, 1));
  const int16x8_t v0 = vaddq_s16(s0, vshlq_n_s16(B.r0, 1));
  const int16x8_t v1 = vaddq_s16(vaddq_s16(A.r1, C.r1), vshlq_n_s16(B.r1, 1));
  const int16x8_t dl = vsubq_s16(C.l, A.l);
  const int16x8_t dm = vsubq_s16(C.m, A.m);
  const int16x8_t d0 = vsubq_s16(C.r0, A.r0);
  const int16x8_t d1 = vsubq_s16(C.r1, A.r1);
  int16x8_t gxE = vsubq_s16(v0, vl);
  int16x8_t gxO = vsubq_s16(v1, vm);
  int16x8_t gyE = vaddq_s16(vaddq_s16(dl, d0), vshlq_n_s16(dm, 1));
  int16x8_t gyO = vaddq_s16(vaddq_s16(dm, d1), vshlq_n_s16(d0, 1));
  int16x8_t lapE = vsubq_s16(vaddq_s16(sm, vaddq_s16(B.l, B.r0)), vshlq_n_s16(B.m, 2));
  int16x8_t lapO = vsubq_s16(vaddq_s16(s0, vaddq_s16(B.m, B.r1)), vshlq_n_s16(B.r0, 2));
  if (kPartial) {
    gxE = vandq_s16(gxE, even);
    gyE = vandq_s16(gyE, even);
    lapE = vandq_s16(lapE, even);
    gxO = vandq_s16(gxO, odd);
    gyO = vandq_s16(gyO, odd);
    lapO = vandq_s16(lapO, odd);
  }
  acc.ten = squares(squares(squares(squares(acc.ten, gxE), gyE), gxO), gyO);
  acc.lapSq = squares(squares(acc.lapSq, lapE), lapO);
  acc.lap = vpadalq_s16(acc.lap, vaddq_s16(lapE, lapO));
}

inline int64_t flushNeon(int32x4_t& v) {
  const int64_t sum = vaddvq_s64(vpaddlq_s32(v));
  v = vdupq_n_s32(0);
  return sum;
}

Sums sumsNeon(const Plane& p) {
  constexpr int V = 16;
  const int end = p.width - 1;
  const int n = end > 1 ? (end - 1) % V : 0;
  const int16x8_t lane2 = {0, 2, 4, 6, 8, 10, 12, 14};
  const int16x8_t even = vreinterpretq_s16_u16(vcltq_s16(lane2, vdupq_n_s16(static_cast<int16_t>(n))));
  const int16x8_t odd = vreinterpretq_s16_u16(vcltq_s16(lane2, vdupq_n_s16(static_cast<int16_t>(n - 1))));
  Tail<V> tail;
  Sums s;
  AccN acc{vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
  for (int y = 0; y < p.height; ++y) {
    const Rows r(p, y);
    addBorders(r, p.width, s);
    int x = 1;
    int blocks = 0;
    for (; x + V <= end; x += V) {
      blockNeon<false>(r.a + x - 1, r.b + x - 1, r.c + x - 1, even, odd, acc);
      if (++blocks == kFlushBlocks) {
        s.ten += flushNeon(acc.ten);
        s.lap += flushNeon(acc.lap);
        s.lapSq += flushNeon(acc.lapSq);
        blocks = 0;
      }
    }
    if (x < end) {
      tail.load(r, x, n);
      blockNeon<true>(tail.rows[0], tail.rows[1], tail.rows[2], even, odd, acc);
    }
    s.ten += flushNeon(acc.ten);
    s.lap += flushNeon(acc.lap);
    s.lapSq += flushNeon(acc.lapSq);
  }
  return s;
}

#endif  // PANOPTES_NEON

}  // namespace

Sharpness sharpness(SimdLevel level, const Plane& plane) {
  if (plane.width <= 0 || plane.height <= 0) return Sharpness{0.0, 0.0};
  Sums s;
  switch (level) {
#ifdef PANOPTES_X86
    case SimdLevel::Avx512: s = sumsAvx512(plane); break;
    case SimdLevel::Avx2: s = sumsAvx2(plane); break;
#endif
#ifdef PANOPTES_NEON
    case SimdLevel::Neon: s = sumsNeon(plane); break;
#endif
    default: s = sumsScalar(plane); break;  // a level not compiled falls back to scalar
  }
  // tenengrad = sum / n; variance = sumSq/n - (sum/n)^2 = (n*sumSq - sum^2) / n^2, with the numerator
  // exact in 128 bits (it is n^2 times the variance, so never negative) and one rounding per double
  // operation: a BigInt oracle reproduces it as Number(n*sumSq - sum*sum) / (n*n).
  const int64_t n = static_cast<int64_t>(plane.width) * plane.height;
  const __int128 num = static_cast<__int128>(n) * s.lapSq - static_cast<__int128>(s.lap) * s.lap;
  const double nd = static_cast<double>(n);
  return Sharpness{static_cast<double>(s.ten) / nd, static_cast<double>(num) / (nd * nd)};
}

}  // namespace panoptes
