// motion: one fused pass per row computes absdiff, threshold, exclusion, the 0/1 mask, the changed
// count, the bounding box and the grid counts; components are labelled afterwards over the bounding
// box only (motion_components.cc). The SIMD paths handle 64 pixels at a time and turn them into a
// 64-bit changed mask; counts, bounds and grid cells come from that mask with popcount, so every
// level shares the bookkeeping and differs only in how it computes the bits.
//
// Layouts: `ref` shares cur's stride (it is the previous plane of the same stream); `background`
// (float32), `exclude` and scratch.mask are packed, stride = width.
//
// This file holds the entry point, the dispatch and the scalar level; the SIMD levels are in
// simd/motion_x86.cc and simd/motion_neon.cc (declared in motion_impl.h).
#include "motion.h"

#include <algorithm>
#include <cstdlib>

#include "motion_components.h"
#include "motion_impl.h"
#include "motion_rows.h"

namespace panoptes {
namespace {

using namespace motion_rows;
using namespace motion_impl;

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
      if (kBg) row.bg[x] = bgUpdate(row.bg[x], row.cur[x], changed ? j.foregroundAlpha : j.alpha);
      if (changed) acc.pixel(x);
    }
    finishRow(acc, y, t);
  }
}

// Indexed by (background ? 2 : 0) | (exclude ? 1 : 0).
const Pass kScalar[4] = {passScalar<false, false>, passScalar<false, true>, passScalar<true, false>,
                         passScalar<true, true>};

// A level that is not compiled falls back to the next lower one (AVX-512 -> AVX2 -> scalar).
const Pass* passes(SimdLevel level) {
  switch (level) {
#ifdef PANOPTES_X86
    case SimdLevel::Avx512:
      return kAvx512;
    case SimdLevel::Avx2:
      return kAvx2;
#endif
#ifdef PANOPTES_NEON
    case SimdLevel::Neon:
      return kNeon;
#endif
    default:
      return kScalar;
  }
}

}  // namespace

void motion(SimdLevel level, const Plane& cur, const uint8_t* ref, float* background, const uint8_t* exclude,
            const MotionParams& params, uint32_t* grid, MotionBox* boxes, MotionStats& stats,
            MotionScratch& scratch) {
  stats = MotionStats{};
  const bool useGrid = grid != nullptr && params.gridCols > 0 && params.gridRows > 0;
  if (useGrid)
    std::fill_n(grid, static_cast<size_t>(params.gridCols) * static_cast<size_t>(params.gridRows), 0u);
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
          params.foregroundAlpha,
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
