// cropResize kernels: per content row, four-tap bilinear sampling straight from the frame, colour
// conversion and the tensor store, with the integer formula evaluated exactly (one rounding) at
// every level. Definition in crop_resize.h; mapping and sampling tables in crop_resize_tables.cc.
//
// Float outputs use a fused multiply-add in every path (std::fma, _mm*_fmadd_ps, vfmaq_f32) so
// that all levels round once and agree bit for bit whatever the compiler's contraction setting.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "crop_resize.h"

#ifdef PANOPTES_X86
// GCC 12 flags its own AVX-512 headers with -Wmaybe-uninitialized (PR105593, fixed in 13).
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

CropMapping cropMapping(const CropParams& p);
void buildCropTables(const Frame& f, const CropParams& p, const CropMapping& m, CropScratch& s);

namespace {

// BT.601 limited range with the (C, D, E) offsets folded in: R = (298Y + 409V + kR) >> 8, etc.
constexpr int kR = -298 * 16 - 409 * 128 + 128;
constexpr int kG = -298 * 16 + 100 * 128 + 208 * 128 + 128;
constexpr int kB = -298 * 16 - 516 * 128 + 128;

// Everything a row kernel reads, fixed for the call.
struct Job {
  PixelFormat format;
  int cw, ch, padX, padY, dstW;
  const uint8_t* luma;  // Y, gray or packed RGB rows
  ptrdiff_t lumaStride;
  const uint8_t* chroma[2];  // U and V planes; for nv12 both point into the UV plane, V one byte on
  ptrdiff_t chromaStride;
  int chromaStep;       // bytes between horizontally adjacent chroma samples
  const uint8_t* end;   // one past the frame: SIMD taps read ahead, see vectorColumns
  const int32_t *xIndex, *xCoeff, *yIndex, *yCoeff;
  uint8_t* u8;          // NhwcU8 output, or null
  float* f32;           // NchwF32 output, or null
  size_t plane;         // dstW * dstH
  float a[3], b[3];     // v * a + b per channel
  const float* lut;     // scalar level: the 3 x 256 normalised values
};

// The source rows of one content row.
struct Rows {
  const uint8_t *l0, *l1, *c0[2], *c1[2];
  int fy, cfy;
  int ty;  // tensor row
};

Rows rowsFor(const Job& j, int cy) {
  Rows r{};
  r.fy = j.yCoeff[cy];
  r.l0 = j.luma + j.yIndex[cy] * j.lumaStride;
  r.l1 = r.fy ? r.l0 + j.lumaStride : r.l0;
  if (j.chroma[0] != nullptr) {
    r.cfy = j.yCoeff[j.ch + cy];
    const ptrdiff_t row = j.yIndex[j.ch + cy] * j.chromaStride, next = r.cfy ? j.chromaStride : 0;
    for (int k = 0; k < 2; ++k) {
      r.c0[k] = j.chroma[k] + row;
      r.c1[k] = r.c0[k] + next;
    }
  }
  r.ty = j.padY + cy;
  return r;
}

// The second tap is read only when its weight is non-zero, so it never leaves the ROI.
inline int lerp(const uint8_t* r0, const uint8_t* r1, int off, int step, int32_t coeff, int fy) {
  const int fx = coeff >> 16, gx = coeff & 0xFFFF;
  const int top = r0[off] * gx + (fx ? r0[off + step] * fx : 0);
  const int bottom = r1[off] * gx + (fx ? r1[off + step] * fx : 0);
  return (top * (2048 - fy) + bottom * fy + (1 << 21)) >> 22;
}

inline uint8_t clamp255(int v) { return static_cast<uint8_t>(std::min(std::max(v, 0), 255)); }

inline float normalise(const Job& j, int c, int v) {
  return j.lut ? j.lut[c * 256 + v] : std::fma(static_cast<float>(v), j.a[c], j.b[c]);
}

inline void put(const Job& j, int ty, int tx, int r, int g, int b) {
  const size_t i = static_cast<size_t>(ty) * j.dstW + tx;
  if (j.u8) {
    uint8_t* p = j.u8 + 3 * i;
    p[0] = static_cast<uint8_t>(r);
    p[1] = static_cast<uint8_t>(g);
    p[2] = static_cast<uint8_t>(b);
  } else {
    j.f32[i] = normalise(j, 0, r);
    j.f32[j.plane + i] = normalise(j, 1, g);
    j.f32[2 * j.plane + i] = normalise(j, 2, b);
  }
}

// Content columns [from, to) of one row; also the tail of every SIMD level.
template <PixelFormat F>
void rowScalar(const Job& j, const Rows& r, int from, int to) {
  for (int cx = from; cx < to; ++cx) {
    const int off = j.xIndex[cx], co = j.xCoeff[cx];
    if (F == PixelFormat::Gray) {
      const int v = lerp(r.l0, r.l1, off, 1, co, r.fy);
      put(j, r.ty, j.padX + cx, v, v, v);
    } else if (F == PixelFormat::Rgb24 || F == PixelFormat::Bgr24) {
      const int c0 = lerp(r.l0, r.l1, off, 3, co, r.fy);
      const int c1 = lerp(r.l0 + 1, r.l1 + 1, off, 3, co, r.fy);
      const int c2 = lerp(r.l0 + 2, r.l1 + 2, off, 3, co, r.fy);
      if (F == PixelFormat::Rgb24) {
        put(j, r.ty, j.padX + cx, c0, c1, c2);
      } else {
        put(j, r.ty, j.padX + cx, c2, c1, c0);
      }
    } else {
      const int y = lerp(r.l0, r.l1, off, 1, co, r.fy);
      const int coff = j.xIndex[j.cw + cx], cco = j.xCoeff[j.cw + cx];
      const int u = lerp(r.c0[0], r.c1[0], coff, j.chromaStep, cco, r.cfy);
      const int v = lerp(r.c0[1], r.c1[1], coff, j.chromaStep, cco, r.cfy);
      put(j, r.ty, j.padX + cx, clamp255((298 * y + 409 * v + kR) >> 8),
          clamp255((298 * y - 100 * u - 208 * v + kG) >> 8), clamp255((298 * y + 516 * u + kB) >> 8));
    }
  }
}

template <PixelFormat F>
void rowsScalar(const Job& j) {
  for (int cy = 0; cy < j.ch; ++cy) rowScalar<F>(j, rowsFor(j, cy), 0, j.cw);
}

// Leading columns (a multiple of `lanes`) whose SIMD taps stay inside the frame: a window reads 16
// bytes from its lane's first tap, a gathered tap at most 6. Offsets grow with the column, so only
// the last groups of the last rows can fail.
inline int vectorColumns(const Job& j, const Rows& r, int lanes) {
  constexpr ptrdiff_t kSpan = 16;
  int n = j.cw / lanes * lanes;
  while (n > 0) {
    const int i = n - 1;
    bool ok = j.end - r.l1 >= j.xIndex[i] + kSpan;
    if (j.chroma[0] != nullptr) {
      ok = ok && j.end - r.c1[0] >= j.xIndex[j.cw + i] + kSpan && j.end - r.c1[1] >= j.xIndex[j.cw + i] + kSpan;
    }
    if (ok) break;
    n -= lanes;
  }
  return n;
}

#ifdef PANOPTES_X86
// Taps reach the vector registers two ways, both ending as u16 pairs (first | second << 16) in
// 32-bit lanes for pmaddwd against the packed (2048 - fx, fx) weights:
// - a lane of 4 pixels whose taps span at most 16 bytes (laneMasks): one 16-byte load and a pshufb;
// - otherwise 4 bytes per pixel by scalar loads and inserts, then a fixed pshufb. That emulated
//   gather measured faster than vpgatherdd on Zen 4 (and Intel's GDS mitigation slows it further).
PANOPTES_TARGET_AVX2 inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

PANOPTES_TARGET_AVX2 inline __m128i gather4(const uint8_t* row, const int32_t* off) {
  __m128i v = _mm_cvtsi32_si128(static_cast<int>(load32(row + off[0])));
  v = _mm_insert_epi32(v, static_cast<int>(load32(row + off[1])), 1);
  v = _mm_insert_epi32(v, static_cast<int>(load32(row + off[2])), 2);
  return _mm_insert_epi32(v, static_cast<int>(load32(row + off[3])), 3);
}

PANOPTES_TARGET_AVX2 inline __m256i gather8(const uint8_t* row, const int32_t* off) {
  return _mm256_inserti128_si256(_mm256_castsi128_si256(gather4(row, off)), gather4(row, off + 4), 1);
}

PANOPTES_TARGET_AVX2 inline __m256i window8(const uint8_t* row, const int32_t* off) {
  return _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(row + off[4]), reinterpret_cast<const __m128i*>(row + off[0]));
}

// The pshufb mask for gathered lanes: bytes 0 and `step` of each 32-bit lane.
PANOPTES_TARGET_AVX2 inline __m256i pairMask8(int step) {
  const __m128i m = _mm_add_epi32(_mm_set1_epi32(static_cast<int>(0x80008000u | (static_cast<unsigned>(step) << 16))),
                                  _mm_setr_epi32(0, 0x40004, 0x80008, 0xC000C));
  return _mm256_broadcastsi128_si256(m);
}

constexpr int pairWeights(int lo, int hi) {
  return static_cast<int>((static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16) | static_cast<uint16_t>(lo));
}

// top * (2048 - fy) + bottom * fy with one multiply (every term stays below 2^31), rounded once.
PANOPTES_TARGET_AVX2 inline __m256i lerp8(__m256i topPairs, __m256i bottomPairs, __m256i coeff, __m256i fy) {
  const __m256i top = _mm256_madd_epi16(topPairs, coeff), bottom = _mm256_madd_epi16(bottomPairs, coeff);
  const __m256i v = _mm256_add_epi32(_mm256_slli_epi32(top, 11), _mm256_mullo_epi32(_mm256_sub_epi32(bottom, top), fy));
  return _mm256_srai_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(1 << 21)), 22);
}

// `channels` planes for eight pixels starting at a multiple of 8: the same taps shifted by c bytes
// give nv12's V after U and packed G, B after R. Returns out[0].
PANOPTES_TARGET_AVX2 inline __m256i sample8(const uint8_t* r0, const uint8_t* r1, const int32_t* off, const int32_t* masks,
                                            int step, int channels, __m256i coeff, __m256i fy, __m256i* out) {
  if (masks[0] != -1 && masks[4] != -1) {
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(masks));
    const __m256i t = window8(r0, off), b = window8(r1, off);
    for (int c = 0; c < channels; ++c) {
      const __m256i mc = _mm256_add_epi8(m, _mm256_set1_epi8(static_cast<char>(c)));
      out[c] = lerp8(_mm256_shuffle_epi8(t, mc), _mm256_shuffle_epi8(b, mc), coeff, fy);
    }
  } else if (step == 3) {
    // Packed RGB: a 4-byte load from each channel's first tap reaches its second tap at +3.
    for (int c = 0; c < channels; ++c) {
      const __m256i t = gather8(r0 + c, off), b = gather8(r1 + c, off);
      out[c] = lerp8(_mm256_shuffle_epi8(t, pairMask8(3)), _mm256_shuffle_epi8(b, pairMask8(3)), coeff, fy);
    }
  } else {
    const __m256i t = gather8(r0, off), b = gather8(r1, off);
    for (int c = 0; c < channels; ++c) {
      const __m256i mc = _mm256_add_epi8(pairMask8(step), _mm256_set1_epi8(static_cast<char>(c)));
      out[c] = lerp8(_mm256_shuffle_epi8(t, mc), _mm256_shuffle_epi8(b, mc), coeff, fy);
    }
  }
  return out[0];
}

PANOPTES_TARGET_AVX2 inline void yuvToRgb8(__m256i y, __m256i u, __m256i v, __m256i* rgb) {
  const __m256i yu = _mm256_or_si256(y, _mm256_slli_epi32(u, 16)), yv = _mm256_or_si256(y, _mm256_slli_epi32(v, 16));
  const __m256i r = _mm256_madd_epi16(yv, _mm256_set1_epi32(pairWeights(298, 409)));
  const __m256i g = _mm256_add_epi32(_mm256_madd_epi16(yu, _mm256_set1_epi32(pairWeights(298, -100))),
                                     _mm256_madd_epi16(v, _mm256_set1_epi32(pairWeights(-208, 0))));
  const __m256i b = _mm256_madd_epi16(yu, _mm256_set1_epi32(pairWeights(298, 516)));
  rgb[0] = _mm256_srai_epi32(_mm256_add_epi32(r, _mm256_set1_epi32(kR)), 8);
  rgb[1] = _mm256_srai_epi32(_mm256_add_epi32(g, _mm256_set1_epi32(kG)), 8);
  rgb[2] = _mm256_srai_epi32(_mm256_add_epi32(b, _mm256_set1_epi32(kB)), 8);
}

// The normalisation constants, hoisted: float stores could alias the Job's copies.
struct Norm8 {
  __m256 a[3], b[3];
};

PANOPTES_TARGET_AVX2 inline void store8(const Job& j, const Norm8& n, int ty, int tx, const __m256i* rgb) {
  const size_t i = static_cast<size_t>(ty) * j.dstW + tx;
  if (j.u8) {
    // Saturating packs clamp to 0..255; then interleave 4 pixels a lane and close the lane gap.
    const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(rgb[0], rgb[1]), _mm256_packs_epi32(rgb[2], rgb[2]));
    const __m256i weave = _mm256_broadcastsi128_si256(_mm_setr_epi8(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, -1, -1, -1, -1));
    const __m256i v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(bytes, weave), _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(j.u8 + 3 * i), _mm256_castsi256_si128(v));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(j.u8 + 3 * i + 16), _mm256_extracti128_si256(v, 1));
  } else {
    for (int c = 0; c < 3; ++c) {
      const __m256i v = _mm256_min_epi32(_mm256_max_epi32(rgb[c], _mm256_setzero_si256()), _mm256_set1_epi32(255));
      _mm256_storeu_ps(j.f32 + c * j.plane + i, _mm256_fmadd_ps(_mm256_cvtepi32_ps(v), n.a[c], n.b[c]));
    }
  }
}

// Eight content pixels starting at column cx.
template <PixelFormat F>
PANOPTES_TARGET_AVX2 inline void group8(const Job& j, const Norm8& n, const Rows& r, int cx) {
  const __m256i co = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(j.xCoeff + cx));
  const __m256i fy = _mm256_set1_epi32(r.fy);
  const int32_t* off = j.xIndex + cx;
  const int32_t* masks = j.xIndex + 2 * j.cw + cx;
  __m256i c[3];
  if (F == PixelFormat::Gray) {
    c[1] = c[2] = sample8(r.l0, r.l1, off, masks, 1, 1, co, fy, c);
  } else if (F == PixelFormat::Rgb24 || F == PixelFormat::Bgr24) {
    __m256i v[3];
    sample8(r.l0, r.l1, off, masks, 3, 3, co, fy, v);
    for (int k = 0; k < 3; ++k) c[F == PixelFormat::Rgb24 ? k : 2 - k] = v[k];
  } else {
    const __m256i cco = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(j.xCoeff + j.cw + cx));
    const __m256i cfy = _mm256_set1_epi32(r.cfy);
    const int32_t* coff = off + j.cw;
    const int32_t* cmasks = masks + (j.cw + 3) / 4 * 4;
    __m256i y, uv[2];
    sample8(r.l0, r.l1, off, masks, 1, 1, co, fy, &y);
    if (F == PixelFormat::Nv12) {
      sample8(r.c0[0], r.c1[0], coff, cmasks, 2, 2, cco, cfy, uv);
    } else {
      sample8(r.c0[0], r.c1[0], coff, cmasks, 1, 1, cco, cfy, &uv[0]);
      sample8(r.c0[1], r.c1[1], coff, cmasks, 1, 1, cco, cfy, &uv[1]);
    }
    yuvToRgb8(y, uv[0], uv[1], c);
  }
  store8(j, n, r.ty, j.padX + cx, c);
}

PANOPTES_TARGET_AVX2 inline Norm8 norm8(const Job& j) {
  Norm8 n;
  for (int c = 0; c < 3; ++c) {
    n.a[c] = _mm256_set1_ps(j.a[c]);
    n.b[c] = _mm256_set1_ps(j.b[c]);
  }
  return n;
}

template <PixelFormat F>
struct Avx2Rows {
  PANOPTES_TARGET_AVX2 static void run(const Job& j) {
    const Norm8 n = norm8(j);
    for (int cy = 0; cy < j.ch; ++cy) {
      const Rows r = rowsFor(j, cy);
      const int end = vectorColumns(j, r, 8);
      for (int cx = 0; cx < end; cx += 8) group8<F>(j, n, r, cx);
      rowScalar<F>(j, r, end, j.cw);
    }
  }
};

PANOPTES_TARGET_AVX512 inline __m512i window16(const uint8_t* row, const int32_t* off) {
  __m512i v = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + off[0])));
  v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + off[4])), 1);
  v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + off[8])), 2);
  return _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + off[12])), 3);
}

PANOPTES_TARGET_AVX512 inline __m512i gather16(const uint8_t* row, const int32_t* off) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(gather8(row, off)), gather8(row, off + 8), 1);
}

PANOPTES_TARGET_AVX512 inline __m512i lerp16(__m512i topPairs, __m512i bottomPairs, __m512i coeff, __m512i fy) {
  const __m512i top = _mm512_madd_epi16(topPairs, coeff), bottom = _mm512_madd_epi16(bottomPairs, coeff);
  const __m512i v = _mm512_add_epi32(_mm512_slli_epi32(top, 11), _mm512_mullo_epi32(_mm512_sub_epi32(bottom, top), fy));
  return _mm512_srai_epi32(_mm512_add_epi32(v, _mm512_set1_epi32(1 << 21)), 22);
}

// As sample8, sixteen pixels (packed RGB comes here only as windows). Forced inline: GCC otherwise
// passes the vectors through memory, a third of the AVX-512 time (forcing sample8 made AVX2 slower).
PANOPTES_TARGET_AVX512 __attribute__((always_inline)) inline void sample16(const uint8_t* r0, const uint8_t* r1,
                                                                           const int32_t* off, const int32_t* masks,
                                                                           int step, int channels, __m512i coeff,
                                                                           __m512i fy, __m512i* out) {
  const bool window = masks[0] != -1 && masks[4] != -1 && masks[8] != -1 && masks[12] != -1;
  const __m512i pairs = _mm512_broadcast_i32x4(_mm256_castsi256_si128(pairMask8(step)));
  __m512i m = pairs, t, b;
  if (window) {
    m = _mm512_loadu_si512(masks);
    t = window16(r0, off);
    b = window16(r1, off);
  } else {
    t = gather16(r0, off);
    b = gather16(r1, off);
  }
  for (int c = 0; c < channels; ++c) {
    const __m512i mc = _mm512_add_epi8(m, _mm512_set1_epi8(static_cast<char>(c)));
    out[c] = lerp16(_mm512_shuffle_epi8(t, mc), _mm512_shuffle_epi8(b, mc), coeff, fy);
  }
}

PANOPTES_TARGET_AVX512 inline void yuvToRgb16(__m512i y, __m512i u, __m512i v, __m512i* rgb) {
  const __m512i yu = _mm512_or_si512(y, _mm512_slli_epi32(u, 16)), yv = _mm512_or_si512(y, _mm512_slli_epi32(v, 16));
  const __m512i r = _mm512_madd_epi16(yv, _mm512_set1_epi32(pairWeights(298, 409)));
  const __m512i g = _mm512_add_epi32(_mm512_madd_epi16(yu, _mm512_set1_epi32(pairWeights(298, -100))),
                                     _mm512_madd_epi16(v, _mm512_set1_epi32(pairWeights(-208, 0))));
  const __m512i b = _mm512_madd_epi16(yu, _mm512_set1_epi32(pairWeights(298, 516)));
  rgb[0] = _mm512_srai_epi32(_mm512_add_epi32(r, _mm512_set1_epi32(kR)), 8);
  rgb[1] = _mm512_srai_epi32(_mm512_add_epi32(g, _mm512_set1_epi32(kG)), 8);
  rgb[2] = _mm512_srai_epi32(_mm512_add_epi32(b, _mm512_set1_epi32(kB)), 8);
}

PANOPTES_TARGET_AVX512 inline void store16(const Job& j, const Norm8& n, int ty, int tx, const __m512i* rgb) {
  const size_t i = static_cast<size_t>(ty) * j.dstW + tx;
  if (j.u8) {
    const __m512i bytes = _mm512_packus_epi16(_mm512_packs_epi32(rgb[0], rgb[1]), _mm512_packs_epi32(rgb[2], rgb[2]));
    const __m512i weave = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, -1, -1, -1, -1));
    const __m512i v = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 3, 7, 11, 15),
                                               _mm512_shuffle_epi8(bytes, weave));
    _mm512_mask_storeu_epi32(j.u8 + 3 * i, 0x0FFF, v);  // 48 bytes; masked lanes are not touched
  } else {
    for (int c = 0; c < 3; ++c) {
      const __m512i v = _mm512_min_epi32(_mm512_max_epi32(rgb[c], _mm512_setzero_si512()), _mm512_set1_epi32(255));
      const __m512 a = _mm512_broadcast_f32x8(n.a[c]), b = _mm512_broadcast_f32x8(n.b[c]);
      _mm512_storeu_ps(j.f32 + c * j.plane + i, _mm512_fmadd_ps(_mm512_cvtepi32_ps(v), a, b));
    }
  }
}

template <PixelFormat F>
PANOPTES_TARGET_AVX512 inline void group16(const Job& j, const Norm8& n, const Rows& r, int cx) {
  const int32_t* off = j.xIndex + cx;
  const int32_t* masks = j.xIndex + 2 * j.cw + cx;
  const int32_t* cmasks = masks + (j.cw + 3) / 4 * 4;
  const __m512i co = _mm512_loadu_si512(j.xCoeff + cx), fy = _mm512_set1_epi32(r.fy);
  __m512i c[3];
  if (F == PixelFormat::Gray) {
    sample16(r.l0, r.l1, off, masks, 1, 1, co, fy, c);
    c[1] = c[2] = c[0];
  } else if (F == PixelFormat::Rgb24 || F == PixelFormat::Bgr24) {
    if (masks[0] == -1 || masks[4] == -1 || masks[8] == -1 || masks[12] == -1) {
      // Gathered RGB taps measured faster through the AVX2 path (less register pressure).
      group8<F>(j, n, r, cx);
      group8<F>(j, n, r, cx + 8);
      return;
    }
    __m512i v[3];
    sample16(r.l0, r.l1, off, masks, 3, 3, co, fy, v);
    for (int k = 0; k < 3; ++k) c[F == PixelFormat::Rgb24 ? k : 2 - k] = v[k];
  } else {
    const __m512i cco = _mm512_loadu_si512(j.xCoeff + j.cw + cx), cfy = _mm512_set1_epi32(r.cfy);
    __m512i y, uv[2];
    sample16(r.l0, r.l1, off, masks, 1, 1, co, fy, &y);
    if (F == PixelFormat::Nv12) {
      sample16(r.c0[0], r.c1[0], off + j.cw, cmasks, 2, 2, cco, cfy, uv);
    } else {
      sample16(r.c0[0], r.c1[0], off + j.cw, cmasks, 1, 1, cco, cfy, &uv[0]);
      sample16(r.c0[1], r.c1[1], off + j.cw, cmasks, 1, 1, cco, cfy, &uv[1]);
    }
    yuvToRgb16(y, uv[0], uv[1], c);
  }
  store16(j, n, r.ty, j.padX + cx, c);
}

template <PixelFormat F>
struct Avx512Rows {
  PANOPTES_TARGET_AVX512 static void run(const Job& j) {
    const Norm8 n = norm8(j);
    for (int cy = 0; cy < j.ch; ++cy) {
      const Rows r = rowsFor(j, cy);
      const int end = vectorColumns(j, r, 8);
      int cx = 0;
      for (; cx + 16 <= end; cx += 16) group16<F>(j, n, r, cx);
      for (; cx < end; cx += 8) group8<F>(j, n, r, cx);
      rowScalar<F>(j, r, cx, j.cw);
    }
  }
};
#endif  // PANOPTES_X86

#ifdef PANOPTES_NEON
// No gather on NEON: taps are loaded lane by lane, the arithmetic is vectorised.
inline void lerp8Neon(const uint8_t* r0, const uint8_t* r1, const int32_t* off, const int32_t* coeff, int step, int fy,
                      int32x4_t* out) {
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
    const int32x4_t top = vreinterpretq_s32_u32(vmlal_u16(vmull_u16(vld1_u16(t0 + 4 * h), gx), vld1_u16(t1 + 4 * h), fx));
    const int32x4_t bottom =
        vreinterpretq_s32_u32(vmlal_u16(vmull_u16(vld1_u16(b0 + 4 * h), gx), vld1_u16(b1 + 4 * h), fx));
    out[h] = vrshrq_n_s32(vmlaq_n_s32(vshlq_n_s32(top, 11), vsubq_s32(bottom, top), fy), 22);  // + 2^21, >> 22
  }
}

inline void storeNeon(const Job& j, int ty, int tx, int32x4_t (*rgb)[2]) {
  const size_t i = static_cast<size_t>(ty) * j.dstW + tx;
  if (j.u8) {
    uint8x8x3_t v;
    for (int c = 0; c < 3; ++c) v.val[c] = vqmovn_u16(vcombine_u16(vqmovun_s32(rgb[c][0]), vqmovun_s32(rgb[c][1])));
    vst3_u8(j.u8 + 3 * i, v);
  } else {
    for (int c = 0; c < 3; ++c) {
      for (int h = 0; h < 2; ++h) {
        const int32x4_t v = vmaxq_s32(vminq_s32(rgb[c][h], vdupq_n_s32(255)), vdupq_n_s32(0));
        vst1q_f32(j.f32 + c * j.plane + i + 4 * h, vfmaq_f32(vdupq_n_f32(j.b[c]), vcvtq_f32_s32(v), vdupq_n_f32(j.a[c])));
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
            lerp8Neon(r.l0 + k, r.l1 + k, j.xIndex + cx, j.xCoeff + cx, 3, r.fy, c[F == PixelFormat::Rgb24 ? k : 2 - k]);
          }
        } else {
          int32x4_t y[2], u[2], v[2];
          lerp8Neon(r.l0, r.l1, j.xIndex + cx, j.xCoeff + cx, 1, r.fy, y);
          lerp8Neon(r.c0[0], r.c1[0], j.xIndex + j.cw + cx, j.xCoeff + j.cw + cx, j.chromaStep, r.cfy, u);
          lerp8Neon(r.c0[1], r.c1[1], j.xIndex + j.cw + cx, j.xCoeff + j.cw + cx, j.chromaStep, r.cfy, v);
          for (int h = 0; h < 2; ++h) {
            const int32x4_t y298 = vmulq_n_s32(y[h], 298);
            c[0][h] = vshrq_n_s32(vaddq_s32(vmlaq_n_s32(y298, v[h], 409), vdupq_n_s32(kR)), 8);
            c[1][h] = vshrq_n_s32(vaddq_s32(vmlaq_n_s32(vmlaq_n_s32(y298, u[h], -100), v[h], -208), vdupq_n_s32(kG)), 8);
            c[2][h] = vshrq_n_s32(vaddq_s32(vmlaq_n_s32(y298, u[h], 516), vdupq_n_s32(kB)), 8);
          }
        }
        storeNeon(j, r.ty, j.padX + cx, c);
      }
      rowScalar<F>(j, r, n, j.cw);
    }
  }
};
#endif  // PANOPTES_NEON

using RowsFn = void (*)(const Job&);

template <template <PixelFormat> class K>
RowsFn pick(PixelFormat f) {
  switch (f) {
    case PixelFormat::Gray: return K<PixelFormat::Gray>::run;
    case PixelFormat::Yuv420p: return K<PixelFormat::Yuv420p>::run;
    case PixelFormat::Nv12: return K<PixelFormat::Nv12>::run;
    case PixelFormat::Rgb24: return K<PixelFormat::Rgb24>::run;
    case PixelFormat::Bgr24: return K<PixelFormat::Bgr24>::run;
  }
  return nullptr;
}

template <PixelFormat F>
struct ScalarRows {
  static void run(const Job& j) { rowsScalar<F>(j); }
};

void fillPad(const Job& j, int dstH, uint8_t pad) {
  const int right = j.padX + j.cw, bottom = j.padY + j.ch;
  auto fill = [&](int y0, int y1, int x0, int x1) {
    if (x0 >= x1) return;
    for (int y = y0; y < y1; ++y) {
      const size_t i = static_cast<size_t>(y) * j.dstW;
      if (j.u8) {
        std::memset(j.u8 + 3 * (i + x0), pad, 3 * static_cast<size_t>(x1 - x0));
      } else {
        for (int c = 0; c < 3; ++c) std::fill(j.f32 + c * j.plane + i + x0, j.f32 + c * j.plane + i + x1, normalise(j, c, pad));
      }
    }
  };
  fill(0, j.padY, 0, j.dstW);
  fill(bottom, dstH, 0, j.dstW);
  fill(j.padY, bottom, 0, j.padX);
  fill(j.padY, bottom, right, j.dstW);
}

}  // namespace

CropMapping cropResize(SimdLevel level, const Frame& src, const CropParams& params, void* dst, CropScratch& scratch) {
  const CropMapping m = cropMapping(params);
  buildCropTables(src, params, m, scratch);

  Job j{};
  j.format = src.format;
  j.cw = m.contentW;
  j.ch = m.contentH;
  j.padX = m.padX;
  j.padY = m.padY;
  j.dstW = params.dstW;
  j.plane = static_cast<size_t>(params.dstW) * params.dstH;
  j.luma = src.data;
  const bool rgb = src.format == PixelFormat::Rgb24 || src.format == PixelFormat::Bgr24;
  j.lumaStride = rgb ? 3 * static_cast<ptrdiff_t>(src.width) : src.width;
  j.end = src.data + frameBytes(src.format, src.width, src.height);
  const uint8_t* chroma = src.data + static_cast<size_t>(src.width) * src.height;
  const size_t cw = chromaWidth(src.width), ch = chromaHeight(src.height);
  if (src.format == PixelFormat::Yuv420p) {
    j.chroma[0] = chroma;
    j.chroma[1] = chroma + cw * ch;
    j.chromaStride = static_cast<ptrdiff_t>(cw);
    j.chromaStep = 1;
  } else if (src.format == PixelFormat::Nv12) {
    j.chroma[0] = chroma;
    j.chroma[1] = chroma + 1;
    j.chromaStride = 2 * static_cast<ptrdiff_t>(cw);
    j.chromaStep = 2;
  }
  j.xIndex = scratch.xIndex.data();
  j.xCoeff = scratch.xCoeff.data();
  j.yIndex = scratch.yIndex.data();
  j.yCoeff = scratch.yCoeff.data();

  // Normalisation constants rounded once from double, as the TypeScript oracle does with fround.
  float lut[3 * 256];
  if (params.layout == TensorLayout::NhwcU8) {
    j.u8 = static_cast<uint8_t*>(dst);
  } else {
    j.f32 = static_cast<float*>(dst);
    for (int c = 0; c < 3; ++c) {
      j.a[c] = static_cast<float>(1.0 / (255.0 * static_cast<double>(params.std[c])));
      j.b[c] = static_cast<float>(-static_cast<double>(params.mean[c]) / static_cast<double>(params.std[c]));
    }
    if (level == SimdLevel::Scalar || !simdCompiled(level)) {
      for (int c = 0; c < 3; ++c) {
        for (int v = 0; v < 256; ++v) lut[c * 256 + v] = std::fma(static_cast<float>(v), j.a[c], j.b[c]);
      }
      j.lut = lut;
    }
  }

  fillPad(j, params.dstH, params.pad);
  RowsFn run = pick<ScalarRows>(src.format);
#ifdef PANOPTES_X86
  if (level == SimdLevel::Avx512) run = pick<Avx512Rows>(src.format);
  if (level == SimdLevel::Avx2) run = pick<Avx2Rows>(src.format);
#endif
#ifdef PANOPTES_NEON
  if (level == SimdLevel::Neon) run = pick<NeonRows>(src.format);
#endif
  run(j);
  return m;
}

}  // namespace panoptes
