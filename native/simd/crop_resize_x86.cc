// cropResize's AVX2 and AVX-512 row loops (crop_resize_impl.h declares them; crop_resize.cc
// dispatches). Columns whose taps could leave the frame, and the row's remainder, go to rowScalar.
#include <cstring>

#include "crop_resize_impl.h"
#include "simd/x86.h"

#ifdef PANOPTES_X86
namespace panoptes {
namespace crop_resize_impl {
namespace {

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
  return _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(row + off[4]),
                             reinterpret_cast<const __m128i*>(row + off[0]));
}

// The pshufb mask for gathered lanes: bytes 0 and `step` of each 32-bit lane.
PANOPTES_TARGET_AVX2 inline __m256i pairMask8(int step) {
  const __m128i m =
      _mm_add_epi32(_mm_set1_epi32(static_cast<int>(0x80008000u | (static_cast<unsigned>(step) << 16))),
                    _mm_setr_epi32(0, 0x40004, 0x80008, 0xC000C));
  return _mm256_broadcastsi128_si256(m);
}

constexpr int pairWeights(int lo, int hi) {
  return static_cast<int>((static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16) |
                          static_cast<uint16_t>(lo));
}

// top * (2048 - fy) + bottom * fy with one multiply (every term stays below 2^31), rounded once.
PANOPTES_TARGET_AVX2 inline __m256i lerp8(__m256i topPairs, __m256i bottomPairs, __m256i coeff, __m256i fy) {
  const __m256i top = _mm256_madd_epi16(topPairs, coeff), bottom = _mm256_madd_epi16(bottomPairs, coeff);
  const __m256i v =
      _mm256_add_epi32(_mm256_slli_epi32(top, 11), _mm256_mullo_epi32(_mm256_sub_epi32(bottom, top), fy));
  return _mm256_srai_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(1 << 21)), 22);
}

// `channels` planes for eight pixels starting at a multiple of 8: the same taps shifted by c bytes
// give nv12's V after U and packed G, B after R. Returns out[0].
PANOPTES_TARGET_AVX2 inline __m256i sample8(const uint8_t* r0, const uint8_t* r1, const int32_t* off,
                                            const int32_t* masks, int step, int channels, __m256i coeff,
                                            __m256i fy, __m256i* out) {
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
  const __m256i yu = _mm256_or_si256(y, _mm256_slli_epi32(u, 16)),
                yv = _mm256_or_si256(y, _mm256_slli_epi32(v, 16));
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
    const __m256i bytes =
        _mm256_packus_epi16(_mm256_packs_epi32(rgb[0], rgb[1]), _mm256_packs_epi32(rgb[2], rgb[2]));
    const __m256i weave =
        _mm256_broadcastsi128_si256(_mm_setr_epi8(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, -1, -1, -1, -1));
    const __m256i v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(bytes, weave),
                                                  _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(j.u8 + 3 * i), _mm256_castsi256_si128(v));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(j.u8 + 3 * i + 16), _mm256_extracti128_si256(v, 1));
  } else {
    for (int c = 0; c < 3; ++c) {
      const __m256i v =
          _mm256_min_epi32(_mm256_max_epi32(rgb[c], _mm256_setzero_si256()), _mm256_set1_epi32(255));
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

PANOPTES_TARGET_AVX512 inline __m512i lerp16(__m512i topPairs, __m512i bottomPairs, __m512i coeff,
                                             __m512i fy) {
  const __m512i top = _mm512_madd_epi16(topPairs, coeff), bottom = _mm512_madd_epi16(bottomPairs, coeff);
  const __m512i v =
      _mm512_add_epi32(_mm512_slli_epi32(top, 11), _mm512_mullo_epi32(_mm512_sub_epi32(bottom, top), fy));
  return _mm512_srai_epi32(_mm512_add_epi32(v, _mm512_set1_epi32(1 << 21)), 22);
}

// As sample8, sixteen pixels (packed RGB comes here only as windows). Forced inline: GCC otherwise
// passes the vectors through memory, a third of the AVX-512 time (forcing sample8 made AVX2 slower).
PANOPTES_TARGET_AVX512 __attribute__((always_inline)) inline void sample16(
    const uint8_t* r0, const uint8_t* r1, const int32_t* off, const int32_t* masks, int step, int channels,
    __m512i coeff, __m512i fy, __m512i* out) {
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
  const __m512i yu = _mm512_or_si512(y, _mm512_slli_epi32(u, 16)),
                yv = _mm512_or_si512(y, _mm512_slli_epi32(v, 16));
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
    const __m512i bytes =
        _mm512_packus_epi16(_mm512_packs_epi32(rgb[0], rgb[1]), _mm512_packs_epi32(rgb[2], rgb[2]));
    const __m512i weave =
        _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, -1, -1, -1, -1));
    const __m512i v =
        _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 3, 7, 11, 15),
                                 _mm512_shuffle_epi8(bytes, weave));
    _mm512_mask_storeu_epi32(j.u8 + 3 * i, 0x0FFF, v);  // 48 bytes; masked lanes are not touched
  } else {
    for (int c = 0; c < 3; ++c) {
      const __m512i v =
          _mm512_min_epi32(_mm512_max_epi32(rgb[c], _mm512_setzero_si512()), _mm512_set1_epi32(255));
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

}  // namespace

RowsFn avx2Rows(PixelFormat f) {
  return pick<Avx2Rows>(f);
}
RowsFn avx512Rows(PixelFormat f) {
  return pick<Avx512Rows>(f);
}

}  // namespace crop_resize_impl
}  // namespace panoptes
#endif  // PANOPTES_X86
