// motion: one fused pass per row computes absdiff, threshold, exclusion, the 0/1 mask, the changed
// count, the bounding box and the grid counts; components are labelled afterwards over the bounding
// box only (motion_components.cc). The SIMD paths handle 64 pixels at a time and turn them into a
// 64-bit changed mask; counts, bounds and grid cells come from that mask with popcount, so every
// level shares the bookkeeping and differs only in how it computes the bits.
//
// Layouts: `ref` shares cur's stride (it is the previous plane of the same stream); `background`
// (float32), `exclude` and scratch.mask are packed, stride = width.
#include "motion.h"

#include <algorithm>
#include <cstdlib>

#include "motion_components.h"
#include "motion_rows.h"

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

// Pins a value in a register: the background update rounds alpha * (cur - bg) to float32 before the
// add in every path. Without the pin GCC (-ffp-contract=fast, its default outside strict ISO mode)
// fuses the pair into an FMA wherever the target has one, i.e. in the AVX2 path but not in scalar.
#if defined(PANOPTES_X86)
#define PANOPTES_PIN(v) asm("" : "+x"(v))
#define PANOPTES_PIN512(v) asm("" : "+v"(v))
#elif defined(PANOPTES_NEON)
#define PANOPTES_PIN(v) asm("" : "+w"(v))
#else
#define PANOPTES_PIN(v) (void)(v)
#endif

namespace panoptes {
namespace {

using namespace motion_rows;

// The background byte compared against cur: clamp to [0, 255], then round half to even. Clamping
// first equals rounding then saturating for every finite value, and `v > 0 ? v : 0` maps NaN to 0
// exactly as maxps(v, 0) does. Adding and removing 1.5 * 2^23 rounds in the default FP mode (half to
// even), like cvtps2dq and fcvtns; lrintf would be a libm call per pixel.
inline int bgByte(float v) {
  float c = v > 0.f ? v : 0.f;
  c = c < 255.f ? c : 255.f;
  return static_cast<int>((c + 0x1.8p23f) - 0x1.8p23f);
}

// bg' = bg + alpha * (cur - bg), each of the three operations rounded to float32 (the same value as
// cv2.accumulateWeighted up to its own rounding of (1 - alpha) * bg + alpha * cur).
inline float bgUpdate(float bg, uint8_t cur, float alpha) {
  float p = alpha * (static_cast<float>(cur) - bg);
  PANOPTES_PIN(p);
  return bg + p;
}

template <bool kBg, bool kEx>
void passScalar(const Job& j, Totals& t) {
  for (int y = 0; y < j.height; ++y) {
    const Row row = rowAt(j, y);
    RowAcc acc = accAt(j, y);
    for (int x = 0; x < j.width; ++x) {
      const int r = kBg ? bgByte(row.bg[x]) : row.ref[x];
      const int d = std::abs(row.cur[x] - r);
      const bool changed = d > j.threshold && (!kEx || row.ex[x] == 0);
      row.mask[x] = changed ? 1 : 0;
      if (kBg) row.bg[x] = bgUpdate(row.bg[x], row.cur[x], j.alpha);
      if (changed) acc.pixel(x);
    }
    finishRow(acc, y, t);
  }
}

using Pass = void (*)(const Job&, Totals&);

// Indexed by (background ? 2 : 0) | (exclude ? 1 : 0).
const Pass kScalar[4] = {passScalar<false, false>, passScalar<false, true>, passScalar<true, false>,
                         passScalar<true, true>};

#ifdef PANOPTES_X86

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

PANOPTES_TARGET_AVX2 inline void bgUpdateAvx2(const uint8_t* cur, float* bg, __m256 alpha) {
  for (int k = 0; k < 4; ++k) {
    const __m128i c8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(cur + 8 * k));
    const __m256 c = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(c8));
    const __m256 b = _mm256_loadu_ps(bg + 8 * k);
    __m256 p = _mm256_mul_ps(alpha, _mm256_sub_ps(c, b));
    PANOPTES_PIN(p);
    _mm256_storeu_ps(bg + 8 * k, _mm256_add_ps(b, p));
  }
}

// 64 pixels to changed bits. `thr` holds threshold ^ 0x80: a signed compare of d ^ 0x80 against it is
// the unsigned d > threshold, which AVX2 lacks.
template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX2 inline uint64_t blockAvx2(const uint8_t* cur, const uint8_t* ref, float* bg,
                                               const uint8_t* ex, uint8_t* mask, __m256i thr, __m256 alpha) {
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
    if constexpr (kBg) bgUpdateAvx2(cur + h, bg + h, alpha);
  }
  return bits;
}

// Out of line: its memcpy calls would otherwise make GCC spill the main loop's vectors.
template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX2 __attribute__((noinline)) uint64_t tailAvx2(const Row& row, int x, int n, Tail& tail,
                                                                  __m256i thr, __m256 alpha) {
  tail.load<kBg, kEx>(row, x, n);
  const uint64_t m = blockAvx2<kBg, kEx>(tail.cur, tail.ref, tail.bg, tail.ex, tail.mask, thr, alpha);
  tail.store<kBg>(row, x, n);
  return m & ((uint64_t{1} << n) - 1);
}

template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX2 void passAvx2(const Job& j, Totals& t) {
  const __m256i thr = _mm256_set1_epi8(static_cast<char>(j.threshold ^ 0x80));
  const __m256 alpha = _mm256_set1_ps(j.alpha);
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
                                       kEx ? row.ex + x : nullptr, row.mask + x, thr, alpha);
        any |= words[n];
      }
      if (any != 0) acc.words(start, words, n);
    }
    if (x < width) acc.bits(x, tailAvx2<kBg, kEx>(row, x, width - x, tail, thr, alpha));
    finishRow(acc, y, t);
  }
}

// AVX-512 masks the row's last partial block instead of copying it.
PANOPTES_TARGET_AVX512 inline __m128i bgBytesAvx512(const float* bg, __mmask16 k) {
  const __m512 v = _mm512_maskz_loadu_ps(k, bg);
  const __m512 c = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(255.f));
  return _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(c));
}

PANOPTES_TARGET_AVX512 inline void bgUpdateAvx512(const uint8_t* cur, float* bg, __mmask16 k, __m512 alpha) {
  const __m512 c = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, cur)));
  const __m512 b = _mm512_maskz_loadu_ps(k, bg);
  __m512 p = _mm512_mul_ps(alpha, _mm512_sub_ps(c, b));
  PANOPTES_PIN512(p);
  _mm512_mask_storeu_ps(bg, k, _mm512_add_ps(b, p));
}

template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX512 inline uint64_t blockAvx512(const uint8_t* cur, const uint8_t* ref, float* bg,
                                                   const uint8_t* ex, uint8_t* mask, __mmask64 k, __m512i thr,
                                                   __m512 alpha) {
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
      bgUpdateAvx512(cur + 16 * q, bg + 16 * q, static_cast<__mmask16>(k >> (16 * q)), alpha);
    }
  }
  return changed;
}

template <bool kBg, bool kEx>
PANOPTES_TARGET_AVX512 void passAvx512(const Job& j, Totals& t) {
  const __m512i thr = _mm512_set1_epi8(static_cast<char>(j.threshold));
  const __m512 alpha = _mm512_set1_ps(j.alpha);
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
                                         kEx ? row.ex + x : nullptr, row.mask + x, k, thr, alpha);
        any |= words[n];
      }
      if (any != 0) acc.words(start, words, n);
    }
    finishRow(acc, y, t);
  }
}

const Pass kAvx2[4] = {passAvx2<false, false>, passAvx2<false, true>, passAvx2<true, false>, passAvx2<true, true>};
const Pass kAvx512[4] = {passAvx512<false, false>, passAvx512<false, true>, passAvx512<true, false>,
                         passAvx512<true, true>};

#endif  // PANOPTES_X86

#ifdef PANOPTES_NEON

// Clamp with compare-and-select rather than fmaxnm/fminnm: it matches `v > 0 ? v : 0` for every
// NaN, signalling ones included.
inline uint8x16_t bgBytesNeon(const float* bg) {
  const float32x4_t lo = vdupq_n_f32(0.f);
  const float32x4_t hi = vdupq_n_f32(255.f);
  int32x4_t q[4];
  for (int k = 0; k < 4; ++k) {
    float32x4_t v = vld1q_f32(bg + 4 * k);
    v = vbslq_f32(vcgtq_f32(v, lo), v, lo);
    v = vbslq_f32(vcltq_f32(v, hi), v, hi);
    q[k] = vcvtnq_s32_f32(v);
  }
  const uint16x8_t h0 = vcombine_u16(vqmovun_s32(q[0]), vqmovun_s32(q[1]));
  const uint16x8_t h1 = vcombine_u16(vqmovun_s32(q[2]), vqmovun_s32(q[3]));
  return vcombine_u8(vqmovn_u16(h0), vqmovn_u16(h1));
}

inline void bgUpdateNeon(const uint8_t* cur, float* bg, float32x4_t alpha) {
  const uint8x16_t c8 = vld1q_u8(cur);
  const uint16x8_t lo = vmovl_u8(vget_low_u8(c8));
  const uint16x8_t hi = vmovl_high_u8(c8);
  const uint32x4_t c32[4] = {vmovl_u16(vget_low_u16(lo)), vmovl_high_u16(lo), vmovl_u16(vget_low_u16(hi)),
                             vmovl_high_u16(hi)};
  for (int k = 0; k < 4; ++k) {
    const float32x4_t b = vld1q_f32(bg + 4 * k);
    float32x4_t p = vmulq_f32(alpha, vsubq_f32(vcvtq_f32_u32(c32[k]), b));
    PANOPTES_PIN(p);
    vst1q_f32(bg + 4 * k, vaddq_f32(b, p));
  }
}

// NEON has no movemask: weight each compare byte by its bit and add pairwise down to 8 bytes.
inline uint64_t bitsNeon(const uint8x16_t g[4]) {
  const uint8x16_t w = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  uint8x16_t s0 = vpaddq_u8(vandq_u8(g[0], w), vandq_u8(g[1], w));
  const uint8x16_t s1 = vpaddq_u8(vandq_u8(g[2], w), vandq_u8(g[3], w));
  s0 = vpaddq_u8(s0, s1);
  s0 = vpaddq_u8(s0, s0);
  return vgetq_lane_u64(vreinterpretq_u64_u8(s0), 0);
}

template <bool kBg, bool kEx>
inline uint64_t blockNeon(const uint8_t* cur, const uint8_t* ref, float* bg, const uint8_t* ex, uint8_t* mask,
                          uint8x16_t thr, float32x4_t alpha) {
  uint8x16_t g[4];
  for (int q = 0; q < 4; ++q) {
    const int o = 16 * q;
    const uint8x16_t a = vld1q_u8(cur + o);
    uint8x16_t b;
    if constexpr (kBg) {
      b = bgBytesNeon(bg + o);
    } else {
      b = vld1q_u8(ref + o);
    }
    uint8x16_t changed = vcgtq_u8(vabdq_u8(a, b), thr);
    if constexpr (kEx) changed = vandq_u8(changed, vceqzq_u8(vld1q_u8(ex + o)));
    vst1q_u8(mask + o, vandq_u8(changed, vdupq_n_u8(1)));
    if constexpr (kBg) bgUpdateNeon(cur + o, bg + o, alpha);
    g[q] = changed;
  }
  return bitsNeon(g);
}

template <bool kBg, bool kEx>
void passNeon(const Job& j, Totals& t) {
  const uint8x16_t thr = vdupq_n_u8(static_cast<uint8_t>(j.threshold));
  const float32x4_t alpha = vdupq_n_f32(j.alpha);
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
        words[n] = blockNeon<kBg, kEx>(row.cur + x, kBg ? nullptr : row.ref + x, kBg ? row.bg + x : nullptr,
                                       kEx ? row.ex + x : nullptr, row.mask + x, thr, alpha);
        any |= words[n];
      }
      if (any != 0) acc.words(start, words, n);
    }
    if (x < width) {
      const int n = width - x;
      tail.load<kBg, kEx>(row, x, n);
      const uint64_t m = blockNeon<kBg, kEx>(tail.cur, tail.ref, tail.bg, tail.ex, tail.mask, thr, alpha);
      tail.store<kBg>(row, x, n);
      acc.bits(x, m & ((uint64_t{1} << n) - 1));
    }
    finishRow(acc, y, t);
  }
}

const Pass kNeon[4] = {passNeon<false, false>, passNeon<false, true>, passNeon<true, false>, passNeon<true, true>};

#endif  // PANOPTES_NEON

// A level that is not compiled falls back to the next lower one (AVX-512 -> AVX2 -> scalar).
const Pass* passes(SimdLevel level) {
  switch (level) {
#ifdef PANOPTES_X86
    case SimdLevel::Avx512: return kAvx512;
    case SimdLevel::Avx2: return kAvx2;
#endif
#ifdef PANOPTES_NEON
    case SimdLevel::Neon: return kNeon;
#endif
    default: return kScalar;
  }
}

}  // namespace

void motion(SimdLevel level, const Plane& cur, const uint8_t* ref, float* background, const uint8_t* exclude,
            const MotionParams& params, uint32_t* grid, MotionBox* boxes, MotionStats& stats,
            MotionScratch& scratch) {
  stats = MotionStats{};
  const bool useGrid = grid != nullptr && params.gridCols > 0 && params.gridRows > 0;
  if (useGrid) std::fill_n(grid, static_cast<size_t>(params.gridCols) * static_cast<size_t>(params.gridRows), 0u);
  const int w = cur.width;
  const int h = cur.height;
  if (w <= 0 || h <= 0) return;
  const size_t pixels = static_cast<size_t>(w) * static_cast<size_t>(h);
  if (scratch.mask.size() < pixels) scratch.mask.resize(pixels);

  Job job{cur.data,
          background != nullptr ? nullptr : ref,
          background,
          exclude,
          scratch.mask.data(),
          cur.stride,
          w,
          h,
          std::clamp(params.threshold, 0, 255),  // the binding checks 0..255; clamp keeps bytes exact
          params.alpha,
          useGrid ? grid : nullptr,
          params.gridCols,
          params.gridRows};
  Totals t;
  passes(level)[(background != nullptr ? 2 : 0) | (exclude != nullptr ? 1 : 0)](job, t);
  if (t.changed == 0) return;

  stats.changed = t.changed;
  stats.bboxX = t.minX;
  stats.bboxY = t.minY;
  stats.bboxW = t.maxX - t.minX + 1;
  stats.bboxH = t.maxY - t.minY + 1;
  // maxBoxes 0 is the count-only mode (the caller wants the ratio, bbox and grid, not objects).
  if (params.maxBoxes > 0) {
    motionComponents(scratch.mask.data(), w, Rect{stats.bboxX, stats.bboxY, stats.bboxW, stats.bboxH}, params,
                     boxes, stats, scratch);
  }
}

}  // namespace panoptes
