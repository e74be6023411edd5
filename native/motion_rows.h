// The per-row bookkeeping of the fused motion pass (motion.cc), shared by the scalar and every SIMD
// level: row views, the changed count, bounds and grid cells of a row, and the totals of a frame.
#pragma once
#include <algorithm>
#include <climits>
#include <cstring>

#include "motion.h"

namespace panoptes {
namespace motion_rows {

// One motion() call: `ref` shares cur's stride; bg, ex and mask are packed (stride = width). Inputs a
// mode does not use are null.
struct Job {
  const uint8_t* cur;
  const uint8_t* ref;
  float* bg;
  const uint8_t* ex;
  uint8_t* mask;
  ptrdiff_t stride;
  int width, height;
  int threshold;
  float alpha;
  float foregroundAlpha;  // the weight at changed pixels
  uint32_t* grid;         // null when no grid was asked for
  int gridCols, gridRows;
};

// Cell column c of a row covers x in [ceil(c*W/G), ceil((c+1)*W/G)), the exact inverse of
// col = x*G/W. `end` (first x of the next cell) is kept as quotient and remainder: no division.
struct CellWalk {
  uint32_t* row = nullptr;
  int cols = 0, c = 0, end = INT_MAX, q = 0, r = 0, stepQ = 0, stepR = 0;

  void start(uint32_t* gridRow, int gridCols, int width) {
    row = gridRow;
    cols = gridCols;
    c = 0;
    q = stepQ = width / gridCols;
    r = stepR = width % gridCols;
    end = q + (r != 0);
  }
  void next() {
    ++c;
    q += stepQ;
    r += stepR;
    if (r >= cols) {
      ++q;
      r -= cols;
    }
    end = q + (r != 0);
  }
};

struct RowAcc {
  CellWalk cells;
  uint64_t count = 0;
  int minX = INT_MAX, maxX = -1;

  // The scalar reference's bookkeeping, one pixel at a time.
  void pixel(int x) {
    ++count;
    minX = std::min(minX, x);
    maxX = x;
    if (cells.row == nullptr) return;
    while (x >= cells.end) cells.next();
    ++cells.row[cells.c];
  }

  // The SIMD paths' bookkeeping: bit i of m is pixel x + i.
  void bits(int x, uint64_t m) {
    if (m == 0) return;
    count += static_cast<uint64_t>(__builtin_popcountll(m));
    minX = std::min(minX, x + __builtin_ctzll(m));
    maxX = x + 63 - __builtin_clzll(m);
    if (cells.row == nullptr) return;
    while (cells.end <= x) cells.next();
    while (cells.end < x + 64) {
      const uint64_t low = m & ((uint64_t{1} << (cells.end - x)) - 1);
      cells.row[cells.c] += static_cast<uint32_t>(__builtin_popcountll(low));
      m ^= low;
      if (m == 0) return;
      cells.next();
    }
    cells.row[cells.c] += static_cast<uint32_t>(__builtin_popcountll(m));
  }

  // A run of 64-pixel masks from x on. Kept out of the SIMD loops (which only store the masks)
  // because GCC spills the loops' vectors when this bookkeeping shares their body.
  void words(int x, const uint64_t* m, int count) {
    for (int i = 0; i < count; ++i) bits(x + 64 * i, m[i]);
  }
};

// Masks buffered per chunk of a row by the SIMD loops, see RowAcc::words.
constexpr int kChunkWords = 32;

struct Totals {
  uint64_t changed = 0;
  int minX = INT_MAX, maxX = -1, minY = -1, maxY = -1;
};

// Row y of every plane.
struct Row {
  const uint8_t* cur;
  const uint8_t* ref;
  float* bg;
  const uint8_t* ex;
  uint8_t* mask;
};

inline Row rowAt(const Job& j, int y) {
  const size_t packed = static_cast<size_t>(y) * static_cast<size_t>(j.width);
  return Row{j.cur + y * j.stride, j.ref != nullptr ? j.ref + y * j.stride : nullptr,
             j.bg != nullptr ? j.bg + packed : nullptr, j.ex != nullptr ? j.ex + packed : nullptr,
             j.mask + packed};
}

inline RowAcc accAt(const Job& j, int y) {
  RowAcc acc;
  if (j.grid != nullptr) {
    const int64_t gridRow = static_cast<int64_t>(y) * j.gridRows / j.height;
    acc.cells.start(j.grid + gridRow * j.gridCols, j.gridCols, j.width);
  }
  return acc;
}

inline void finishRow(const RowAcc& acc, int y, Totals& t) {
  if (acc.count == 0) return;
  t.changed += acc.count;
  t.minX = std::min(t.minX, acc.minX);
  t.maxX = std::max(t.maxX, acc.maxX);
  if (t.minY < 0) t.minY = y;
  t.maxY = y;
}

// The last partial 64 pixels of a row (AVX2 and NEON): copied into zero-padded buffers so that the
// tail runs the same vector code with no read past the row. Padding compares equal (not changed).
struct alignas(64) Tail {
  uint8_t cur[64] = {}, ref[64] = {}, ex[64] = {}, mask[64] = {};
  float bg[64] = {};

  template <bool kBg, bool kEx>
  void load(const Row& row, int x, int n) {
    std::memcpy(cur, row.cur + x, static_cast<size_t>(n));
    if constexpr (kBg) {
      std::memcpy(bg, row.bg + x, sizeof(float) * static_cast<size_t>(n));
    } else {
      std::memcpy(ref, row.ref + x, static_cast<size_t>(n));
    }
    if constexpr (kEx) std::memcpy(ex, row.ex + x, static_cast<size_t>(n));
  }
  template <bool kBg>
  void store(const Row& row, int x, int n) const {
    std::memcpy(row.mask + x, mask, static_cast<size_t>(n));
    if constexpr (kBg) std::memcpy(row.bg + x, bg, sizeof(float) * static_cast<size_t>(n));
  }
};

}  // namespace motion_rows
}  // namespace panoptes
