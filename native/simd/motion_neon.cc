// motion's NEON passes (motion_impl.h declares them; motion.cc dispatches). They turn 64 pixels at a
// time into a changed mask and leave the bookkeeping to motion_rows.h.
#include "motion_impl.h"

#ifdef PANOPTES_NEON
#include <arm_neon.h>

namespace panoptes {
namespace motion_impl {

using namespace motion_rows;

namespace {

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

// `changed` holds 16 compare bytes (0 or 0xff); each float lane takes alphaFg where its byte is set.
inline void bgUpdateNeon(const uint8_t* cur, float* bg, uint8x16_t changed, float32x4_t alpha,
                         float32x4_t alphaFg) {
  const uint8x16_t c8 = vld1q_u8(cur);
  const uint16x8_t lo = vmovl_u8(vget_low_u8(c8));
  const uint16x8_t hi = vmovl_high_u8(c8);
  const uint32x4_t c32[4] = {vmovl_u16(vget_low_u16(lo)), vmovl_high_u16(lo), vmovl_u16(vget_low_u16(hi)),
                             vmovl_high_u16(hi)};
  const int8x16_t m8 = vreinterpretq_s8_u8(changed);
  const int16x8_t mlo = vmovl_s8(vget_low_s8(m8));
  const int16x8_t mhi = vmovl_high_s8(m8);
  const int32x4_t m32[4] = {vmovl_s16(vget_low_s16(mlo)), vmovl_high_s16(mlo), vmovl_s16(vget_low_s16(mhi)),
                            vmovl_high_s16(mhi)};
  for (int k = 0; k < 4; ++k) {
    const float32x4_t b = vld1q_f32(bg + 4 * k);
    const float32x4_t a = vbslq_f32(vreinterpretq_u32_s32(m32[k]), alphaFg, alpha);
    float32x4_t p = vmulq_f32(a, vsubq_f32(vcvtq_f32_u32(c32[k]), b));
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
                          uint8x16_t thr, float32x4_t alpha, float32x4_t alphaFg) {
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
    if constexpr (kBg) bgUpdateNeon(cur + o, bg + o, changed, alpha, alphaFg);
    g[q] = changed;
  }
  return bitsNeon(g);
}

template <bool kBg, bool kEx>
void passNeon(const Job& j, Totals& t) {
  const uint8x16_t thr = vdupq_n_u8(static_cast<uint8_t>(j.threshold));
  const float32x4_t alpha = vdupq_n_f32(j.alpha);
  const float32x4_t alphaFg = vdupq_n_f32(j.foregroundAlpha);
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
                                       kEx ? row.ex + x : nullptr, row.mask + x, thr, alpha, alphaFg);
        any |= words[n];
      }
      if (any != 0) acc.words(start, words, n);
    }
    if (x < width) {
      const int n = width - x;
      tail.load<kBg, kEx>(row, x, n);
      const uint64_t m =
          blockNeon<kBg, kEx>(tail.cur, tail.ref, tail.bg, tail.ex, tail.mask, thr, alpha, alphaFg);
      tail.store<kBg>(row, x, n);
      acc.bits(x, m & ((uint64_t{1} << n) - 1));
    }
    finishRow(acc, y, t);
  }
}

}  // namespace

const Pass kNeon[4] = {passNeon<false, false>, passNeon<false, true>, passNeon<true, false>,
                       passNeon<true, true>};

}  // namespace motion_impl
}  // namespace panoptes
#endif  // PANOPTES_NEON
