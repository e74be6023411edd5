// toLuma kernels: RGB->luma rows, vertical row sums and horizontal box reduction for integer
// factors, per SIMD level. The exact definition lives in luma.h; the general (non-integer) area
// path is in luma_area.cc.
#include "luma.h"

#include <algorithm>
#include <cstring>

#ifdef PANOPTES_X86
// GCC 12's AVX-512 headers self-initialise their "undefined" vectors, which -Wmaybe-uninitialized
// reports at every inlined use (GCC PR105593, fixed in 13); the location is inside the header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
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

// luma_area.cc: exact area average for any ratio (scalar, O(src + dst) per row).
void lumaArea(const Frame& src, uint8_t* dst, int dstW, int dstH, ptrdiff_t dstStride, LumaScratch& scratch,
              void (*rgbRow)(const uint8_t*, uint8_t*, int, bool));

namespace {

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

// Channel order as a template parameter lets the compiler vectorise the scalar level (2x faster).
template <bool Bgr>
void rgbRow(const uint8_t* s, uint8_t* d, int n) {
  constexpr int ir = Bgr ? 2 : 0, ib = 2 - ir;
  for (int x = 0; x < n; ++x, s += 3) d[x] = static_cast<uint8_t>((s[ir] * kWr + s[1] * kWg + s[ib] * kWb + kRound) >> kShift);
}

void rgbRowScalar(const uint8_t* s, uint8_t* d, int n, bool bgr) {
  if (bgr) {
    rgbRow<true>(s, d, n);
  } else {
    rgbRow<false>(s, d, n);
  }
}

// sums[x] (+)= sum of `rows` rows starting at `row`.
void sumRowsScalar(const uint8_t* row, ptrdiff_t stride, int rows, int n, uint32_t* sums, bool accumulate) {
  if (!accumulate) std::fill(sums, sums + n, 0u);
  for (int r = 0; r < rows; ++r, row += stride) {
    for (int x = 0; x < n; ++x) sums[x] += row[x];
  }
}

void reduceRowScalar(const uint32_t* sums, int fx, int n, const Divider& d, uint8_t* dst) {
  for (int x = 0; x < n; ++x, sums += fx) {
    uint64_t s = 0;
    for (int t = 0; t < fx; ++t) s += sums[t];
    dst[x] = static_cast<uint8_t>((s + d.half) / d.k);
  }
}

struct Kernels {
  void (*rgbRow)(const uint8_t*, uint8_t*, int, bool);
  void (*sumRows)(const uint8_t*, ptrdiff_t, int, int, uint32_t*, bool);
  void (*reduceRow)(const uint32_t*, int, int, const Divider&, uint8_t*);
};

#ifdef PANOPTES_X86
// Column sums stay in u16 registers for up to 256 rows (255 * 256 < 65536), then widen.
constexpr int kRowBlock = 256;

PANOPTES_TARGET_AVX2 inline __m256i rgb8Avx2(const uint8_t* p, __m256i wPair, __m256i wThird) {
  // Lane 0 gets bytes 0..15, lane 1 bytes 12..27: four whole pixels at the start of each lane.
  const __m256i v = _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
                                                _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6));
  const __m256i pairs = _mm256_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1,
                                         0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1);
  const __m256i third = _mm256_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1,
                                         2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
  const __m256i s = _mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(v, pairs), wPair),
                                     _mm256_madd_epi16(_mm256_shuffle_epi8(v, third), wThird));
  return _mm256_srli_epi32(_mm256_add_epi32(s, _mm256_set1_epi32(kRound)), kShift);
}

// Sixteen u32 lanes holding bytes -> 16 bytes in order.
PANOPTES_TARGET_AVX2 inline void store16Avx2(uint8_t* d, __m256i lo, __m256i hi) {
  const __m256i w = _mm256_packus_epi32(lo, hi);
  const __m256i b = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w, w), _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(b));
}

PANOPTES_TARGET_AVX2 void rgbRowAvx2(const uint8_t* s, uint8_t* d, int n, bool bgr) {
  const __m256i wPair = _mm256_set1_epi32((kWg << 16) | (bgr ? kWb : kWr));
  const __m256i wThird = _mm256_set1_epi32(bgr ? kWr : kWb);
  int x = 0;
  // The second load reads 32 bytes from pixel x + 8; stop while that stays inside the row.
  for (; 3 * x + 56 <= 3 * n; x += 16) {
    store16Avx2(d + x, rgb8Avx2(s + 3 * x, wPair, wThird), rgb8Avx2(s + 3 * x + 24, wPair, wThird));
  }
  rgbRowScalar(s + 3 * x, d + x, n - x, bgr);
}

PANOPTES_TARGET_AVX2 void sumRowsAvx2(const uint8_t* row, ptrdiff_t stride, int rows, int n, uint32_t* sums,
                                      bool accumulate) {
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    __m256i lo = _mm256_setzero_si256(), hi = lo;
    if (accumulate) {
      lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums + x));
      hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums + x + 8));
    }
    for (int r0 = 0; r0 < rows; r0 += kRowBlock) {
      const int r1 = std::min(rows, r0 + kRowBlock);
      __m256i acc = _mm256_setzero_si256();
      for (int r = r0; r < r1; ++r) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + r * stride + x));
        acc = _mm256_add_epi16(acc, _mm256_cvtepu8_epi16(v));
      }
      lo = _mm256_add_epi32(lo, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(acc)));
      hi = _mm256_add_epi32(hi, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(acc, 1)));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums + x), lo);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums + x + 8), hi);
  }
  sumRowsScalar(row + x, stride, rows, n - x, sums + x, accumulate);
}

PANOPTES_TARGET_AVX2 inline __m256i loadAvx2(const uint32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Eight box sums of fx consecutive values from v. fx == 3 reads v[0..26): rowSums has padding.
PANOPTES_TARGET_AVX2 inline __m256i boxAvx2(const uint32_t* v, int fx) {
  switch (fx) {
    case 1: return loadAvx2(v);
    case 2: return _mm256_permute4x64_epi64(_mm256_hadd_epi32(loadAvx2(v), loadAvx2(v + 8)), 0xD8);
    case 3: {
      // Sliding sums of three, then keep every third one.
      __m256i s[3];
      for (int i = 0; i < 3; ++i) {
        const uint32_t* p = v + 8 * i;
        s[i] = _mm256_add_epi32(_mm256_add_epi32(loadAvx2(p), loadAvx2(p + 1)), loadAvx2(p + 2));
      }
      const __m256i a = _mm256_permutevar8x32_epi32(s[0], _mm256_setr_epi32(0, 3, 6, 0, 0, 0, 0, 0));
      const __m256i b = _mm256_permutevar8x32_epi32(s[1], _mm256_setr_epi32(0, 0, 0, 1, 4, 7, 0, 0));
      const __m256i c = _mm256_permutevar8x32_epi32(s[2], _mm256_setr_epi32(0, 0, 0, 0, 0, 0, 2, 5));
      return _mm256_blend_epi32(_mm256_blend_epi32(a, b, 0x38), c, 0xC0);
    }
    case 4: {
      const __m256i ab = _mm256_hadd_epi32(loadAvx2(v), loadAvx2(v + 8));
      const __m256i cd = _mm256_hadd_epi32(loadAvx2(v + 16), loadAvx2(v + 24));
      return _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(ab, cd), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    }
    default: {
      const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(fx));
      __m256i s = _mm256_setzero_si256();
      for (int t = 0; t < fx; ++t) {
        s = _mm256_add_epi32(s, _mm256_i32gather_epi32(reinterpret_cast<const int*>(v + t), idx, 4));
      }
      return s;
    }
  }
}

PANOPTES_TARGET_AVX2 inline __m256i divideAvx2(__m256i s, const Divider& d) {
  const __m256i a = _mm256_add_epi32(s, _mm256_set1_epi32(static_cast<int>(d.half)));
  return _mm256_srl_epi32(_mm256_mullo_epi32(a, _mm256_set1_epi32(static_cast<int>(d.mul))),
                          _mm_cvtsi32_si128(static_cast<int>(d.shift)));
}

PANOPTES_TARGET_AVX2 void reduceRowAvx2(const uint32_t* sums, int fx, int n, const Divider& d, uint8_t* dst) {
  int x = 0;
  for (; d.simd && x + 16 <= n; x += 16) {
    const uint32_t* v = sums + static_cast<ptrdiff_t>(x) * fx;
    store16Avx2(dst + x, divideAvx2(boxAvx2(v, fx), d), divideAvx2(boxAvx2(v + 8 * fx, fx), d));
  }
  reduceRowScalar(sums + static_cast<ptrdiff_t>(x) * fx, fx, n - x, d, dst + x);
}

PANOPTES_TARGET_AVX512 inline __m512i rgb16Avx512(const uint8_t* p, __m512i wPair, __m512i wThird) {
  const __m512i v = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9, 10, 11, 12),
                                             _mm512_loadu_si512(p));
  const __m512i pairs = _mm512_broadcast_i32x4(_mm_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1));
  const __m512i third = _mm512_broadcast_i32x4(_mm_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1));
  const __m512i s = _mm512_add_epi32(_mm512_madd_epi16(_mm512_shuffle_epi8(v, pairs), wPair),
                                     _mm512_madd_epi16(_mm512_shuffle_epi8(v, third), wThird));
  return _mm512_srli_epi32(_mm512_add_epi32(s, _mm512_set1_epi32(kRound)), kShift);
}

PANOPTES_TARGET_AVX512 void rgbRowAvx512(const uint8_t* s, uint8_t* d, int n, bool bgr) {
  const __m512i wPair = _mm512_set1_epi32((kWg << 16) | (bgr ? kWb : kWr));
  const __m512i wThird = _mm512_set1_epi32(bgr ? kWr : kWb);
  int x = 0;
  for (; 3 * x + 112 <= 3 * n; x += 32) {
    const __m512i lo = rgb16Avx512(s + 3 * x, wPair, wThird), hi = rgb16Avx512(s + 3 * x + 48, wPair, wThird);
    const __m512i w = _mm512_packus_epi32(lo, hi);
    const __m512i b = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0),
                                               _mm512_packus_epi16(w, w));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + x), _mm512_castsi512_si256(b));
  }
  rgbRowAvx2(s + 3 * x, d + x, n - x, bgr);
}

PANOPTES_TARGET_AVX512 void sumRowsAvx512(const uint8_t* row, ptrdiff_t stride, int rows, int n, uint32_t* sums,
                                          bool accumulate) {
  int x = 0;
  for (; x + 32 <= n; x += 32) {
    __m512i lo = _mm512_setzero_si512(), hi = lo;
    if (accumulate) {
      lo = _mm512_loadu_si512(sums + x);
      hi = _mm512_loadu_si512(sums + x + 16);
    }
    for (int r0 = 0; r0 < rows; r0 += kRowBlock) {
      const int r1 = std::min(rows, r0 + kRowBlock);
      __m512i acc = _mm512_setzero_si512();
      for (int r = r0; r < r1; ++r) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + r * stride + x));
        acc = _mm512_add_epi16(acc, _mm512_cvtepu8_epi16(v));
      }
      lo = _mm512_add_epi32(lo, _mm512_cvtepu16_epi32(_mm512_castsi512_si256(acc)));
      hi = _mm512_add_epi32(hi, _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(acc, 1)));
    }
    _mm512_storeu_si512(sums + x, lo);
    _mm512_storeu_si512(sums + x + 16, hi);
  }
  sumRowsAvx2(row + x, stride, rows, n - x, sums + x, accumulate);
}

PANOPTES_TARGET_AVX512 inline __m512i pairSumAvx512(__m512i a, __m512i b) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  return _mm512_add_epi32(_mm512_permutex2var_epi32(a, even, b), _mm512_permutex2var_epi32(a, odd, b));
}

// Sixteen box sums; fx == 3 reads v[0..50): rowSums has padding.
PANOPTES_TARGET_AVX512 inline __m512i boxAvx512(const uint32_t* v, int fx) {
  switch (fx) {
    case 1: return _mm512_loadu_si512(v);
    case 2: return pairSumAvx512(_mm512_loadu_si512(v), _mm512_loadu_si512(v + 16));
    case 3: {
      __m512i s[3];
      for (int i = 0; i < 3; ++i) {
        const uint32_t* p = v + 16 * i;
        s[i] = _mm512_add_epi32(_mm512_add_epi32(_mm512_loadu_si512(p), _mm512_loadu_si512(p + 1)),
                                _mm512_loadu_si512(p + 2));
      }
      const __m512i lo = _mm512_permutex2var_epi32(
          s[0], _mm512_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0), s[1]);
      return _mm512_mask_permutexvar_epi32(lo, 0xF800, _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 7, 10, 13),
                                           s[2]);
    }
    case 4:
      return pairSumAvx512(pairSumAvx512(_mm512_loadu_si512(v), _mm512_loadu_si512(v + 16)),
                           pairSumAvx512(_mm512_loadu_si512(v + 32), _mm512_loadu_si512(v + 48)));
    default: {
      const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(fx));
      __m512i s = _mm512_setzero_si512();
      for (int t = 0; t < fx; ++t) s = _mm512_add_epi32(s, _mm512_i32gather_epi32(idx, v + t, 4));
      return s;
    }
  }
}

PANOPTES_TARGET_AVX512 void reduceRowAvx512(const uint32_t* sums, int fx, int n, const Divider& d, uint8_t* dst) {
  int x = 0;
  const __m512i half = _mm512_set1_epi32(static_cast<int>(d.half)), mul = _mm512_set1_epi32(static_cast<int>(d.mul));
  const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(d.shift));
  for (; d.simd && x + 16 <= n; x += 16) {
    const __m512i s = boxAvx512(sums + static_cast<ptrdiff_t>(x) * fx, fx);
    const __m512i q = _mm512_srl_epi32(_mm512_mullo_epi32(_mm512_add_epi32(s, half), mul), shift);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + x), _mm512_cvtepi32_epi8(q));
  }
  reduceRowAvx2(sums + static_cast<ptrdiff_t>(x) * fx, fx, n - x, d, dst + x);
}
#endif  // PANOPTES_X86

#ifdef PANOPTES_NEON
void rgbRowNeon(const uint8_t* s, uint8_t* d, int n, bool bgr) {
  const uint16x4_t wr = vdup_n_u16(bgr ? kWb : kWr), wg = vdup_n_u16(kWg), wb = vdup_n_u16(bgr ? kWr : kWb);
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    const uint8x16x3_t p = vld3q_u8(s + 3 * x);
    uint8x8_t out[2];
    for (int h = 0; h < 2; ++h) {
      const uint16x8_t r = vmovl_u8(h ? vget_high_u8(p.val[0]) : vget_low_u8(p.val[0]));
      const uint16x8_t g = vmovl_u8(h ? vget_high_u8(p.val[1]) : vget_low_u8(p.val[1]));
      const uint16x8_t b = vmovl_u8(h ? vget_high_u8(p.val[2]) : vget_low_u8(p.val[2]));
      uint32x4_t lo = vmull_u16(vget_low_u16(r), wr), hi = vmull_u16(vget_high_u16(r), wr);
      lo = vmlal_u16(vmlal_u16(lo, vget_low_u16(g), wg), vget_low_u16(b), wb);
      hi = vmlal_u16(vmlal_u16(hi, vget_high_u16(g), wg), vget_high_u16(b), wb);
      out[h] = vmovn_u16(vcombine_u16(vrshrn_n_u32(lo, kShift), vrshrn_n_u32(hi, kShift)));  // rounding = + kRound
    }
    vst1q_u8(d + x, vcombine_u8(out[0], out[1]));
  }
  rgbRowScalar(s + 3 * x, d + x, n - x, bgr);
}

void sumRowsNeon(const uint8_t* row, ptrdiff_t stride, int rows, int n, uint32_t* sums, bool accumulate) {
  constexpr int kRowBlock = 256;
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    uint32x4_t s[4];
    for (int i = 0; i < 4; ++i) s[i] = accumulate ? vld1q_u32(sums + x + 4 * i) : vdupq_n_u32(0);
    for (int r0 = 0; r0 < rows; r0 += kRowBlock) {
      const int r1 = std::min(rows, r0 + kRowBlock);
      uint16x8_t lo = vdupq_n_u16(0), hi = lo;
      for (int r = r0; r < r1; ++r) {
        const uint8x16_t v = vld1q_u8(row + r * stride + x);
        lo = vaddw_u8(lo, vget_low_u8(v));
        hi = vaddw_u8(hi, vget_high_u8(v));
      }
      s[0] = vaddw_u16(s[0], vget_low_u16(lo));
      s[1] = vaddw_u16(s[1], vget_high_u16(lo));
      s[2] = vaddw_u16(s[2], vget_low_u16(hi));
      s[3] = vaddw_u16(s[3], vget_high_u16(hi));
    }
    for (int i = 0; i < 4; ++i) vst1q_u32(sums + x + 4 * i, s[i]);
  }
  sumRowsScalar(row + x, stride, rows, n - x, sums + x, accumulate);
}

inline uint32x4_t boxNeon(const uint32_t* v, int fx) {
  switch (fx) {
    case 1: return vld1q_u32(v);
    case 2: { const uint32x4x2_t p = vld2q_u32(v); return vaddq_u32(p.val[0], p.val[1]); }
    case 3: { const uint32x4x3_t p = vld3q_u32(v); return vaddq_u32(vaddq_u32(p.val[0], p.val[1]), p.val[2]); }
    default: {
      const uint32x4x4_t p = vld4q_u32(v);
      return vaddq_u32(vaddq_u32(p.val[0], p.val[1]), vaddq_u32(p.val[2], p.val[3]));
    }
  }
}

void reduceRowNeon(const uint32_t* sums, int fx, int n, const Divider& d, uint8_t* dst) {
  int x = 0;
  const uint32x4_t half = vdupq_n_u32(d.half);
  const int32x4_t shift = vdupq_n_s32(-static_cast<int32_t>(d.shift));
  for (; d.simd && fx <= 4 && x + 8 <= n; x += 8) {
    uint16x4_t q[2];
    for (int h = 0; h < 2; ++h) {
      const uint32x4_t s = vaddq_u32(boxNeon(sums + static_cast<ptrdiff_t>(x + 4 * h) * fx, fx), half);
      q[h] = vmovn_u32(vshlq_u32(vmulq_n_u32(s, d.mul), shift));
    }
    vst1_u8(dst + x, vmovn_u16(vcombine_u16(q[0], q[1])));
  }
  reduceRowScalar(sums + static_cast<ptrdiff_t>(x) * fx, fx, n - x, d, dst + x);
}
#endif  // PANOPTES_NEON

Kernels kernelsFor(SimdLevel level) {
#ifdef PANOPTES_X86
  if (level == SimdLevel::Avx512) return {rgbRowAvx512, sumRowsAvx512, reduceRowAvx512};
  if (level == SimdLevel::Avx2) return {rgbRowAvx2, sumRowsAvx2, reduceRowAvx2};
#endif
#ifdef PANOPTES_NEON
  if (level == SimdLevel::Neon) return {rgbRowNeon, sumRowsNeon, reduceRowNeon};
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
