// toLuma's NEON row kernels (luma_impl.h declares them; luma.cc dispatches); row remainders go to
// the scalar kernels of luma_impl.h.
#include <algorithm>

#include "luma_impl.h"

#ifdef PANOPTES_NEON
#include <arm_neon.h>

namespace panoptes {
namespace luma_impl {
namespace {

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
      out[h] =
          vmovn_u16(vcombine_u16(vrshrn_n_u32(lo, kShift), vrshrn_n_u32(hi, kShift)));  // rounding = + kRound
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
    case 1:
      return vld1q_u32(v);
    case 2: {
      const uint32x4x2_t p = vld2q_u32(v);
      return vaddq_u32(p.val[0], p.val[1]);
    }
    case 3: {
      const uint32x4x3_t p = vld3q_u32(v);
      return vaddq_u32(vaddq_u32(p.val[0], p.val[1]), p.val[2]);
    }
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

}  // namespace

const Kernels kNeon = {rgbRowNeon, sumRowsNeon, reduceRowNeon};

}  // namespace luma_impl
}  // namespace panoptes
#endif  // PANOPTES_NEON
