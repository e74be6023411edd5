// toLuma's AVX2 and AVX-512 row kernels (luma_impl.h declares them; luma.cc dispatches). Each level
// hands the remainder of a row to the level below, down to the scalar kernels of luma_impl.h.
#include <algorithm>

#include "luma_impl.h"
#include "simd/x86.h"

#ifdef PANOPTES_X86
namespace panoptes {
namespace luma_impl {
namespace {

// Column sums stay in u16 registers for up to 256 rows (255 * 256 < 65536), then widen.
constexpr int kRowBlock = 256;

PANOPTES_TARGET_AVX2 inline __m256i rgb8Avx2(const uint8_t* p, __m256i wPair, __m256i wThird) {
  // Lane 0 gets bytes 0..15, lane 1 bytes 12..27: four whole pixels at the start of each lane.
  const __m256i v = _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
                                                _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6));
  const __m256i pairs = _mm256_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1, 0, -1, 1,
                                         -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1);
  const __m256i third = _mm256_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1, 2, -1,
                                         -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
  const __m256i s = _mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(v, pairs), wPair),
                                     _mm256_madd_epi16(_mm256_shuffle_epi8(v, third), wThird));
  return _mm256_srli_epi32(_mm256_add_epi32(s, _mm256_set1_epi32(kRound)), kShift);
}

// Sixteen u32 lanes holding bytes -> 16 bytes in order.
PANOPTES_TARGET_AVX2 inline void store16Avx2(uint8_t* d, __m256i lo, __m256i hi) {
  const __m256i w = _mm256_packus_epi32(lo, hi);
  const __m256i b =
      _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w, w), _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5));
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
    case 1:
      return loadAvx2(v);
    case 2:
      return _mm256_permute4x64_epi64(_mm256_hadd_epi32(loadAvx2(v), loadAvx2(v + 8)), 0xD8);
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
      return _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(ab, cd),
                                         _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    }
    default: {
      const __m256i idx =
          _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(fx));
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
  const __m512i v = _mm512_permutexvar_epi32(
      _mm512_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9, 10, 11, 12), _mm512_loadu_si512(p));
  const __m512i pairs =
      _mm512_broadcast_i32x4(_mm_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1));
  const __m512i third =
      _mm512_broadcast_i32x4(_mm_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1));
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
    const __m512i b = _mm512_permutexvar_epi32(
        _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0), _mm512_packus_epi16(w, w));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + x), _mm512_castsi512_si256(b));
  }
  rgbRowAvx2(s + 3 * x, d + x, n - x, bgr);
}

PANOPTES_TARGET_AVX512 void sumRowsAvx512(const uint8_t* row, ptrdiff_t stride, int rows, int n,
                                          uint32_t* sums, bool accumulate) {
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
    case 1:
      return _mm512_loadu_si512(v);
    case 2:
      return pairSumAvx512(_mm512_loadu_si512(v), _mm512_loadu_si512(v + 16));
    case 3: {
      __m512i s[3];
      for (int i = 0; i < 3; ++i) {
        const uint32_t* p = v + 16 * i;
        s[i] = _mm512_add_epi32(_mm512_add_epi32(_mm512_loadu_si512(p), _mm512_loadu_si512(p + 1)),
                                _mm512_loadu_si512(p + 2));
      }
      const __m512i lo = _mm512_permutex2var_epi32(
          s[0], _mm512_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0), s[1]);
      return _mm512_mask_permutexvar_epi32(
          lo, 0xF800, _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 7, 10, 13), s[2]);
    }
    case 4:
      return pairSumAvx512(pairSumAvx512(_mm512_loadu_si512(v), _mm512_loadu_si512(v + 16)),
                           pairSumAvx512(_mm512_loadu_si512(v + 32), _mm512_loadu_si512(v + 48)));
    default: {
      const __m512i idx = _mm512_mullo_epi32(
          _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(fx));
      __m512i s = _mm512_setzero_si512();
      for (int t = 0; t < fx; ++t) s = _mm512_add_epi32(s, _mm512_i32gather_epi32(idx, v + t, 4));
      return s;
    }
  }
}

PANOPTES_TARGET_AVX512 void reduceRowAvx512(const uint32_t* sums, int fx, int n, const Divider& d,
                                            uint8_t* dst) {
  int x = 0;
  const __m512i half = _mm512_set1_epi32(static_cast<int>(d.half)),
                mul = _mm512_set1_epi32(static_cast<int>(d.mul));
  const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(d.shift));
  for (; d.simd && x + 16 <= n; x += 16) {
    const __m512i s = boxAvx512(sums + static_cast<ptrdiff_t>(x) * fx, fx);
    const __m512i q = _mm512_srl_epi32(_mm512_mullo_epi32(_mm512_add_epi32(s, half), mul), shift);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + x), _mm512_cvtepi32_epi8(q));
  }
  reduceRowAvx2(sums + static_cast<ptrdiff_t>(x) * fx, fx, n - x, d, dst + x);
}

}  // namespace

const Kernels kAvx2 = {rgbRowAvx2, sumRowsAvx2, reduceRowAvx2};
const Kernels kAvx512 = {rgbRowAvx512, sumRowsAvx512, reduceRowAvx512};

}  // namespace luma_impl
}  // namespace panoptes
#endif  // PANOPTES_X86
