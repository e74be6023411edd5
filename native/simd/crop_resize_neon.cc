// cropResize's NEON row loop (crop_resize_impl.h declares it; crop_resize.cc dispatches). Columns
// whose taps could leave the frame, and the row's remainder, go to rowScalar.
#include "crop_resize_impl.h"

#ifdef PANOPTES_NEON
#include <arm_neon.h>

namespace panoptes {
namespace crop_resize_impl {
namespace {

// No gather on NEON: taps are loaded lane by lane, the arithmetic is vectorised.
inline void lerp8Neon(const uint8_t* r0, const uint8_t* r1, const int32_t* off, const int32_t* coeff,
                      int step, int fy, int32x4_t* out) {
  uint16_t t0[8], t1[8], b0[8], b1[8];
  for (int k = 0; k < 8; ++k) {
    const int o = off[k];
    t0[k] = r0[o];
    t1[k] = r0[o + step];
    b0[k] = r1[o];
    b1[k] = r1[o + step];
  }
  for (int h = 0; h < 2; ++h) {
    const uint32x4_t c = vreinterpretq_u32_s32(vld1q_s32(coeff + 4 * h));
    const uint16x4_t gx = vmovn_u32(c), fx = vshrn_n_u32(c, 16);
    const int32x4_t top =
        vreinterpretq_s32_u32(vmlal_u16(vmull_u16(vld1_u16(t0 + 4 * h), gx), vld1_u16(t1 + 4 * h), fx));
    const int32x4_t bottom =
        vreinterpretq_s32_u32(vmlal_u16(vmull_u16(vld1_u16(b0 + 4 * h), gx), vld1_u16(b1 + 4 * h), fx));
    out[h] =
        vrshrq_n_s32(vmlaq_n_s32(vshlq_n_s32(top, 11), vsubq_s32(bottom, top), fy), 22);  // + 2^21, >> 22
  }
}

inline void storeNeon(const Job& j, int ty, int tx, int32x4_t (*rgb)[2]) {
  const size_t i = static_cast<size_t>(ty) * j.dstW + tx;
  if (j.u8) {
    uint8x8x3_t v;
    for (int c = 0; c < 3; ++c)
      v.val[c] = vqmovn_u16(vcombine_u16(vqmovun_s32(rgb[c][0]), vqmovun_s32(rgb[c][1])));
    vst3_u8(j.u8 + 3 * i, v);
  } else {
    for (int c = 0; c < 3; ++c) {
      for (int h = 0; h < 2; ++h) {
        const int32x4_t v = vmaxq_s32(vminq_s32(rgb[c][h], vdupq_n_s32(255)), vdupq_n_s32(0));
        vst1q_f32(j.f32 + c * j.plane + i + 4 * h,
                  vfmaq_f32(vdupq_n_f32(j.b[c]), vcvtq_f32_s32(v), vdupq_n_f32(j.a[c])));
      }
    }
  }
}

template <PixelFormat F>
struct NeonRows {
  static void run(const Job& j) {
    constexpr bool rgb = F == PixelFormat::Rgb24 || F == PixelFormat::Bgr24;
    for (int cy = 0; cy < j.ch; ++cy) {
      const Rows r = rowsFor(j, cy);
      const int n = vectorColumns(j, r, 8);
      for (int cx = 0; cx < n; cx += 8) {
        int32x4_t c[3][2];
        if (F == PixelFormat::Gray) {
          lerp8Neon(r.l0, r.l1, j.xIndex + cx, j.xCoeff + cx, 1, r.fy, c[0]);
          for (int h = 0; h < 2; ++h) c[1][h] = c[2][h] = c[0][h];
        } else if (rgb) {
          for (int k = 0; k < 3; ++k) {
            lerp8Neon(r.l0 + k, r.l1 + k, j.xIndex + cx, j.xCoeff + cx, 3, r.fy,
                      c[F == PixelFormat::Rgb24 ? k : 2 - k]);
          }
        } else {
          int32x4_t y[2], u[2], v[2];
          lerp8Neon(r.l0, r.l1, j.xIndex + cx, j.xCoeff + cx, 1, r.fy, y);
          lerp8Neon(r.c0[0], r.c1[0], j.xIndex + j.cw + cx, j.xCoeff + j.cw + cx, j.chromaStep, r.cfy, u);
          lerp8Neon(r.c0[1], r.c1[1], j.xIndex + j.cw + cx, j.xCoeff + j.cw + cx, j.chromaStep, r.cfy, v);
          for (int h = 0; h < 2; ++h) {
            const int32x4_t y298 = vmulq_n_s32(y[h], 298);
            c[0][h] = vshrq_n_s32(vaddq_s32(vmlaq_n_s32(y298, v[h], 409), vdupq_n_s32(kR)), 8);
            c[1][h] = vshrq_n_s32(
                vaddq_s32(vmlaq_n_s32(vmlaq_n_s32(y298, u[h], -100), v[h], -208), vdupq_n_s32(kG)), 8);
            c[2][h] = vshrq_n_s32(vaddq_s32(vmlaq_n_s32(y298, u[h], 516), vdupq_n_s32(kB)), 8);
          }
        }
        storeNeon(j, r.ty, j.padX + cx, c);
      }
      rowScalar<F>(j, r, n, j.cw);
    }
  }
};

}  // namespace

RowsFn neonRows(PixelFormat f) {
  return pick<NeonRows>(f);
}

}  // namespace crop_resize_impl
}  // namespace panoptes
#endif  // PANOPTES_NEON
