// sharpness's NEON level (sharpness_impl.h declares it and describes the layout; sharpness.cc
// dispatches).
#include "sharpness_impl.h"

#ifdef PANOPTES_NEON
#include <arm_neon.h>

namespace panoptes {
namespace sharpness_impl {
namespace {

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

}  // namespace

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

}  // namespace sharpness_impl
}  // namespace panoptes
#endif  // PANOPTES_NEON
