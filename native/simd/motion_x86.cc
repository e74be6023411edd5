// motion's AVX2 and AVX-512 passes (motion_impl.h declares them; motion.cc dispatches). Both turn 64
// pixels at a time into a changed mask and leave the bookkeeping to motion_rows.h.
#include "motion_impl.h"
#include "simd/x86.h"

#ifdef PANOPTES_X86
namespace panoptes {
namespace motion_impl {

using namespace motion_rows;

namespace {

// 32 background floats to bytes: clamp, round (cvtps2dq, half to even), pack. The packs work within
// 128-bit lanes; the permute restores pixel order.
PANOPTES_TARGET_AVX2 inline __m256i bgBytesAvx2(const float* bg) {
  const __m256 lo = _mm256_setzero_ps();
  const __m256 hi = _mm256_set1_ps(255.f);
  __m256i q[4];
  for (int k = 0; k < 4; ++k) {
    q[k] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_loadu_ps(bg + 8 * k), lo), hi));
  }
  const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// `changed` holds 32 compare bytes (0 or 0xff); each float lane takes alphaFg where its byte is set.
PANOPTES_TARGET_AVX2 inline void bgUpdateAvx2(const uint8_t* cur, float* bg, __m256i changed, __m256 alpha,
                                              __m256 alphaFg) {
  const __m128i lo = _mm256_castsi256_si128(changed);
  const __m128i hi = _mm256_extracti128_si256(changed, 1);
  const __m128i bytes[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
  for (int k = 0; k < 4; ++k) {
    const __m128i c8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(cur + 8 * k));
    const __m256 c = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(c8));
    const __m256 b = _mm256_loadu_ps(bg + 8 * k);
    const __m256 a = _mm256_blendv_ps(alpha, alphaFg, _mm256_castsi256_ps(_mm256_cvtepi8_epi32(bytes[k])));
    __m256 p = _mm256_mul_ps(a, _mm256_sub_ps(c, b));
    PANOPTES_PIN(p);
    _mm256_storeu_ps(bg + 8 * k, _mm256_add_ps(b, p));
  }
}

// 64 pixels to changed bits. `thr` holds threshold ^ 0x80: a signed compare of d ^ 0x80 against it is
// the unsigned d > threshold, which AVX2 lacks.
template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX2 inline uint64_t blockAvx2(const uint8_t* cur, const uint8_t* ref, float* bg,
                                               const uint8_t* ex, uint8_t* mask, __m256i thr, __m256 alpha,
                                               __m256 alphaFg) {
  uint64_t bits = 0;
  for (int h = 0; h < 64; h += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cur + h));
    __m256i b;
    if constexpr (kBg) {
      b = bgBytesAvx2(bg + h);
    } else {
      b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ref + h));
    }
    const __m256i d = _mm256_or_si256(_mm256_subs_epu8(a, b), _mm256_subs_epu8(b, a));
    __m256i changed = _mm256_cmpgt_epi8(_mm256_xor_si256(d, _mm256_set1_epi8(-128)), thr);
    if constexpr (kEx) {
      const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ex + h));
      changed = _mm256_and_si256(changed, _mm256_cmpeq_epi8(e, _mm256_setzero_si256()));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + h), _mm256_and_si256(changed, _mm256_set1_epi8(1)));
    bits |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(changed))) << h;
    if constexpr (kBg) bgUpdateAvx2(cur + h, bg + h, changed, alpha, alphaFg);
  }
  return bits;
}

// Out of line: its memcpy calls would otherwise make GCC spill the main loop's vectors.
template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX2 __attribute__((noinline)) uint64_t tailAvx2(const Row& row, int x, int n, Tail& tail,
                                                                 __m256i thr, __m256 alpha, __m256 alphaFg) {
  tail.load<kBg, kEx>(row, x, n);
  const uint64_t m =
      blockAvx2<kBg, kEx>(tail.cur, tail.ref, tail.bg, tail.ex, tail.mask, thr, alpha, alphaFg);
  tail.store<kBg>(row, x, n);
  return m & ((uint64_t{1} << n) - 1);
}

template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX2 void passAvx2(const Job& j, Totals& t) {
  const __m256i thr = _mm256_set1_epi8(static_cast<char>(j.threshold ^ 0x80));
  const __m256 alpha = _mm256_set1_ps(j.alpha);
  const __m256 alphaFg = _mm256_set1_ps(j.foregroundAlpha);
  const int width = j.width;
  Tail tail;
  for (int y = 0; y < j.height; ++y) {
    const Row row = rowAt(j, y);
    RowAcc acc = accAt(j, y);
    int x = 0;
    while (x + 64 <= width) {
      uint64_t words[kChunkWords];
      uint64_t any = 0;
      const int start = x;
      int n = 0;
      for (; n < kChunkWords && x + 64 <= width; ++n, x += 64) {
        words[n] = blockAvx2<kBg, kEx>(row.cur + x, kBg ? nullptr : row.ref + x, kBg ? row.bg + x : nullptr,
                                       kEx ? row.ex + x : nullptr, row.mask + x, thr, alpha, alphaFg);
        any |= words[n];
      }
      if (any != 0) acc.words(start, words, n);
    }
    if (x < width) acc.bits(x, tailAvx2<kBg, kEx>(row, x, width - x, tail, thr, alpha, alphaFg));
    finishRow(acc, y, t);
  }
}

// AVX-512 masks the row's last partial block instead of copying it.
PANOPTES_TARGET_AVX512 inline __m128i bgBytesAvx512(const float* bg, __mmask16 k) {
  const __m512 v = _mm512_maskz_loadu_ps(k, bg);
  const __m512 c = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(255.f));
  return _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(c));
}

PANOPTES_TARGET_AVX512 inline void bgUpdateAvx512(const uint8_t* cur, float* bg, __mmask16 k,
                                                  __mmask16 changed, __m512 alpha, __m512 alphaFg) {
  const __m512 c = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, cur)));
  const __m512 b = _mm512_maskz_loadu_ps(k, bg);
  __m512 p = _mm512_mul_ps(_mm512_mask_blend_ps(changed, alpha, alphaFg), _mm512_sub_ps(c, b));
  PANOPTES_PIN512(p);
  _mm512_mask_storeu_ps(bg, k, _mm512_add_ps(b, p));
}

template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX512 inline uint64_t blockAvx512(const uint8_t* cur, const uint8_t* ref, float* bg,
                                                   const uint8_t* ex, uint8_t* mask, __mmask64 k, __m512i thr,
                                                   __m512 alpha, __m512 alphaFg) {
  const __m512i a = _mm512_maskz_loadu_epi8(k, cur);
  __m512i b;
  if constexpr (kBg) {
    b = _mm512_castsi128_si512(bgBytesAvx512(bg, static_cast<__mmask16>(k)));
    b = _mm512_inserti32x4(b, bgBytesAvx512(bg + 16, static_cast<__mmask16>(k >> 16)), 1);
    b = _mm512_inserti32x4(b, bgBytesAvx512(bg + 32, static_cast<__mmask16>(k >> 32)), 2);
    b = _mm512_inserti32x4(b, bgBytesAvx512(bg + 48, static_cast<__mmask16>(k >> 48)), 3);
  } else {
    b = _mm512_maskz_loadu_epi8(k, ref);
  }
  const __m512i d = _mm512_sub_epi8(_mm512_max_epu8(a, b), _mm512_min_epu8(a, b));
  __mmask64 changed = _mm512_mask_cmpgt_epu8_mask(k, d, thr);
  if constexpr (kEx) {
    const __m512i e = _mm512_maskz_loadu_epi8(k, ex);
    changed = _mm512_mask_testn_epi8_mask(changed, e, e);
  }
  _mm512_mask_storeu_epi8(mask, k, _mm512_maskz_mov_epi8(changed, _mm512_set1_epi8(1)));
  if constexpr (kBg) {
    for (int q = 0; q < 4; ++q) {
      bgUpdateAvx512(cur + 16 * q, bg + 16 * q, static_cast<__mmask16>(k >> (16 * q)),
                     static_cast<__mmask16>(changed >> (16 * q)), alpha, alphaFg);
    }
  }
  return changed;
}

template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX512 void passAvx512(const Job& j, Totals& t) {
  const __m512i thr = _mm512_set1_epi8(static_cast<char>(j.threshold));
  const __m512 alpha = _mm512_set1_ps(j.alpha);
  const __m512 alphaFg = _mm512_set1_ps(j.foregroundAlpha);
  const int width = j.width;
  for (int y = 0; y < j.height; ++y) {
    const Row row = rowAt(j, y);
    RowAcc acc = accAt(j, y);
    for (int x = 0; x < width;) {
      uint64_t words[kChunkWords];
      uint64_t any = 0;
      const int start = x;
      int n = 0;
      for (; n < kChunkWords && x < width; ++n, x += 64) {
        const int left = width - x;
        const __mmask64 k = left >= 64 ? ~__mmask64{0} : _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(left));
        words[n] = blockAvx512<kBg, kEx>(row.cur + x, kBg ? nullptr : row.ref + x, kBg ? row.bg + x : nullptr,
                                         kEx ? row.ex + x : nullptr, row.mask + x, k, thr, alpha, alphaFg);
        any |= words[n];
      }
      if (any != 0) acc.words(start, words, n);
    }
    finishRow(acc, y, t);
  }
}

}  // namespace

const Pass kAvx2[4] = {passAvx2<false, false>, passAvx2<false, true>, passAvx2<true, false>,
                       passAvx2<true, true>};
const Pass kAvx512[4] = {passAvx512<false, false>, passAvx512<false, true>, passAvx512<true, false>,
                         passAvx512<true, true>};

}  // namespace motion_impl
}  // namespace panoptes
#endif  // PANOPTES_X86
