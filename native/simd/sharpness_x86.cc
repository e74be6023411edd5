// sharpness's AVX2 and AVX-512 levels (sharpness_impl.h declares them and describes the layout;
// sharpness.cc dispatches).
#include "sharpness_impl.h"
#include "simd/x86.h"

#ifdef PANOPTES_X86
namespace panoptes {
namespace sharpness_impl {
namespace {

struct Cols2 {
  __m256i l, m, r0, r1;  // columns x-1+2j, x+2j, x+1+2j, x+2+2j
};

PANOPTES_TARGET_AVX2 inline Cols2 cols2(const uint8_t* p) {
  const __m256i lo = _mm256_set1_epi16(0xff);
  const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2));
  return {_mm256_and_si256(v0, lo), _mm256_srli_epi16(v0, 8), _mm256_and_si256(v1, lo),
          _mm256_srli_epi16(v1, 8)};
}

struct Acc2 {
  __m256i ten, lap, lapSq;  // int32 lanes
};

// 32 pixels starting one byte after a, b and c; `even`/`odd` clear the lanes of a partial block.
template <bool kPartial>
PANOPTES_TARGET_AVX2 inline void block2(const uint8_t* a, const uint8_t* b, const uint8_t* c, __m256i even,
                                        __m256i odd, Acc2& acc) {
  const Cols2 A = cols2(a), B = cols2(b), C = cols2(c);
  // Per column: S = above + below, V = S + 2 * centre (Sobel smoothing), D = below - above.
  const __m256i sm = _mm256_add_epi16(A.m, C.m);
  const __m256i s0 = _mm256_add_epi16(A.r0, C.r0);
  const __m256i vl = _mm256_add_epi16(_mm256_add_epi16(A.l, C.l), _mm256_slli_epi16(B.l, 1));
  const __m256i vm = _mm256_add_epi16(sm, _mm256_slli_epi16(B.m, 1));
  const __m256i v0 = _mm256_add_epi16(s0, _mm256_slli_epi16(B.r0, 1));
  const __m256i v1 = _mm256_add_epi16(_mm256_add_epi16(A.r1, C.r1), _mm256_slli_epi16(B.r1, 1));
  const __m256i dl = _mm256_sub_epi16(C.l, A.l);
  const __m256i dm = _mm256_sub_epi16(C.m, A.m);
  const __m256i d0 = _mm256_sub_epi16(C.r0, A.r0);
  const __m256i d1 = _mm256_sub_epi16(C.r1, A.r1);
  __m256i gxE = _mm256_sub_epi16(v0, vl);
  __m256i gxO = _mm256_sub_epi16(v1, vm);
  __m256i gyE = _mm256_add_epi16(_mm256_add_epi16(dl, d0), _mm256_slli_epi16(dm, 1));
  __m256i gyO = _mm256_add_epi16(_mm256_add_epi16(dm, d1), _mm256_slli_epi16(d0, 1));
  __m256i lapE =
      _mm256_sub_epi16(_mm256_add_epi16(sm, _mm256_add_epi16(B.l, B.r0)), _mm256_slli_epi16(B.m, 2));
  __m256i lapO =
      _mm256_sub_epi16(_mm256_add_epi16(s0, _mm256_add_epi16(B.m, B.r1)), _mm256_slli_epi16(B.r0, 2));
  if (kPartial) {
    gxE = _mm256_and_si256(gxE, even);
    gyE = _mm256_and_si256(gyE, even);
    lapE = _mm256_and_si256(lapE, even);
    gxO = _mm256_and_si256(gxO, odd);
    gyO = _mm256_and_si256(gyO, odd);
    lapO = _mm256_and_si256(lapO, odd);
  }
  const __m256i ten =
      _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(gxE, gxE), _mm256_madd_epi16(gyE, gyE)),
                       _mm256_add_epi32(_mm256_madd_epi16(gxO, gxO), _mm256_madd_epi16(gyO, gyO)));
  acc.ten = _mm256_add_epi32(acc.ten, ten);
  acc.lapSq = _mm256_add_epi32(
      acc.lapSq, _mm256_add_epi32(_mm256_madd_epi16(lapE, lapE), _mm256_madd_epi16(lapO, lapO)));
  acc.lap = _mm256_add_epi32(acc.lap, _mm256_madd_epi16(_mm256_add_epi16(lapE, lapO), _mm256_set1_epi16(1)));
}

PANOPTES_TARGET_AVX2 inline int64_t flush2(__m256i& v) {
  const __m256i wide = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)),
                                        _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)));
  v = _mm256_setzero_si256();
  const __m128i pair = _mm_add_epi64(_mm256_castsi256_si128(wide), _mm256_extracti128_si256(wide, 1));
  return _mm_cvtsi128_si64(pair) + _mm_extract_epi64(pair, 1);
}

PANOPTES_TARGET_AVX2 inline void flush2(Acc2& acc, Sums& s) {
  s.ten += flush2(acc.ten);
  s.lap += flush2(acc.lap);
  s.lapSq += flush2(acc.lapSq);
}

}  // namespace

PANOPTES_TARGET_AVX2 Sums sumsAvx2(const Plane& p) {
  constexpr int V = 32;
  const int end = p.width - 1;  // interior columns are [1, end)
  const int n = end > 1 ? (end - 1) % V : 0;
  const __m256i lane2 = _mm256_setr_epi16(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m256i even = _mm256_cmpgt_epi16(_mm256_set1_epi16(static_cast<int16_t>(n)), lane2);
  const __m256i odd = _mm256_cmpgt_epi16(_mm256_set1_epi16(static_cast<int16_t>(n - 1)), lane2);
  Tail<V> tail;
  Sums s;
  Acc2 acc{_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
  for (int y = 0; y < p.height; ++y) {
    const Rows r(p, y);
    addBorders(r, p.width, s);
    int x = 1;
    int blocks = 0;
    for (; x + V <= end; x += V) {
      block2<false>(r.a + x - 1, r.b + x - 1, r.c + x - 1, even, odd, acc);
      if (++blocks == kFlushBlocks) {
        flush2(acc, s);
        blocks = 0;
      }
    }
    if (x < end) {
      tail.load(r, x, n);
      block2<true>(tail.rows[0], tail.rows[1], tail.rows[2], even, odd, acc);
    }
    flush2(acc, s);
  }
  return s;
}

namespace {

struct Cols5 {
  __m512i l, m, r0, r1;
};

// AVX-512 masks its partial block at the loads: k0 covers the n + 1 bytes needed from x-1, k1 the n
// bytes from x+1.
PANOPTES_TARGET_AVX512 inline Cols5 cols5(const uint8_t* p, __mmask64 k0, __mmask64 k1) {
  const __m512i lo = _mm512_set1_epi16(0xff);
  const __m512i v0 = _mm512_maskz_loadu_epi8(k0, p);
  const __m512i v1 = _mm512_maskz_loadu_epi8(k1, p + 2);
  return {_mm512_and_si512(v0, lo), _mm512_srli_epi16(v0, 8), _mm512_and_si512(v1, lo),
          _mm512_srli_epi16(v1, 8)};
}

struct Acc5 {
  __m512i ten, lap, lapSq;
};

PANOPTES_TARGET_AVX512 inline void block5(const uint8_t* a, const uint8_t* b, const uint8_t* c, __mmask64 k0,
                                          __mmask64 k1, __mmask32 even, __mmask32 odd, Acc5& acc) {
  const Cols5 A = cols5(a, k0, k1), B = cols5(b, k0, k1), C = cols5(c, k0, k1);
  const __m512i sm = _mm512_add_epi16(A.m, C.m);
  const __m512i s0 = _mm512_add_epi16(A.r0, C.r0);
  const __m512i vl = _mm512_add_epi16(_mm512_add_epi16(A.l, C.l), _mm512_slli_epi16(B.l, 1));
  const __m512i vm = _mm512_add_epi16(sm, _mm512_slli_epi16(B.m, 1));
  const __m512i v0 = _mm512_add_epi16(s0, _mm512_slli_epi16(B.r0, 1));
  const __m512i v1 = _mm512_add_epi16(_mm512_add_epi16(A.r1, C.r1), _mm512_slli_epi16(B.r1, 1));
  const __m512i dl = _mm512_sub_epi16(C.l, A.l);
  const __m512i dm = _mm512_sub_epi16(C.m, A.m);
  const __m512i d0 = _mm512_sub_epi16(C.r0, A.r0);
  const __m512i d1 = _mm512_sub_epi16(C.r1, A.r1);
  const __m512i gxE = _mm512_maskz_sub_epi16(even, v0, vl);
  const __m512i gxO = _mm512_maskz_sub_epi16(odd, v1, vm);
  const __m512i gyE = _mm512_maskz_add_epi16(even, _mm512_add_epi16(dl, d0), _mm512_slli_epi16(dm, 1));
  const __m512i gyO = _mm512_maskz_add_epi16(odd, _mm512_add_epi16(dm, d1), _mm512_slli_epi16(d0, 1));
  const __m512i lapE = _mm512_maskz_sub_epi16(even, _mm512_add_epi16(sm, _mm512_add_epi16(B.l, B.r0)),
                                              _mm512_slli_epi16(B.m, 2));
  const __m512i lapO = _mm512_maskz_sub_epi16(odd, _mm512_add_epi16(s0, _mm512_add_epi16(B.m, B.r1)),
                                              _mm512_slli_epi16(B.r0, 2));
  const __m512i ten =
      _mm512_add_epi32(_mm512_add_epi32(_mm512_madd_epi16(gxE, gxE), _mm512_madd_epi16(gyE, gyE)),
                       _mm512_add_epi32(_mm512_madd_epi16(gxO, gxO), _mm512_madd_epi16(gyO, gyO)));
  acc.ten = _mm512_add_epi32(acc.ten, ten);
  acc.lapSq = _mm512_add_epi32(
      acc.lapSq, _mm512_add_epi32(_mm512_madd_epi16(lapE, lapE), _mm512_madd_epi16(lapO, lapO)));
  acc.lap = _mm512_add_epi32(acc.lap, _mm512_madd_epi16(_mm512_add_epi16(lapE, lapO), _mm512_set1_epi16(1)));
}

PANOPTES_TARGET_AVX512 inline int64_t flush5(__m512i& v) {
  const __m512i wide = _mm512_add_epi64(_mm512_cvtepi32_epi64(_mm512_castsi512_si256(v)),
                                        _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1)));
  v = _mm512_setzero_si512();
  return _mm512_reduce_add_epi64(wide);
}

}  // namespace

PANOPTES_TARGET_AVX512 Sums sumsAvx512(const Plane& p) {
  constexpr int V = 64;
  const int end = p.width - 1;
  Sums s;
  Acc5 acc{_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  const __mmask64 all = ~__mmask64{0};
  for (int y = 0; y < p.height; ++y) {
    const Rows r(p, y);
    addBorders(r, p.width, s);
    int x = 1;
    int blocks = 0;
    for (; x + V <= end; x += V) {
      block5(r.a + x - 1, r.b + x - 1, r.c + x - 1, all, all, ~__mmask32{0}, ~__mmask32{0}, acc);
      if (++blocks == kFlushBlocks) {
        s.ten += flush5(acc.ten);
        s.lap += flush5(acc.lap);
        s.lapSq += flush5(acc.lapSq);
        blocks = 0;
      }
    }
    if (x < end) {
      const unsigned n = static_cast<unsigned>(end - x);
      const __mmask32 even = static_cast<__mmask32>(_bzhi_u32(~0u, (n + 1) / 2));
      const __mmask32 odd = static_cast<__mmask32>(_bzhi_u32(~0u, n / 2));
      block5(r.a + x - 1, r.b + x - 1, r.c + x - 1, _bzhi_u64(all, n + 1), _bzhi_u64(all, n), even, odd, acc);
    }
    s.ten += flush5(acc.ten);
    s.lap += flush5(acc.lap);
    s.lapSq += flush5(acc.lapSq);
  }
  return s;
}

}  // namespace sharpness_impl
}  // namespace panoptes
#endif  // PANOPTES_X86
