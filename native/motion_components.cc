// Run-based two-pass labelling: each row of the bounding box becomes runs of set pixels, a run is
// united with the runs of the row above that touch it 8-wise, and union-find over run indices gives
// the components. Work is proportional to the bounding box (scanned 64 pixels at a time) plus the
// number of runs, so small motion costs little. The code is shared by every SIMD level, so levels
// can only differ in the mask they hand over.
#include <algorithm>
#include <climits>
#include <cstring>

#include "motion_components.h"

namespace panoptes {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "packBytes assumes little-endian loads");

// 8 mask bytes (each 0 or 1) to 8 bits, byte i -> bit i: the multiply moves every byte's low bit into
// the top byte, and the partial products never overlap, so nothing carries.
inline uint64_t packBytes(uint64_t v) {
  return (v * 0x0102040810204080ull) >> 56;
}

// Bits of n <= 64 mask bytes, byte i -> bit i. An all-zero block of 64 (most of a bounding box that
// spans separate blobs) costs one test.
inline uint64_t maskBits(const uint8_t* p, int n) {
  uint64_t bits = 0;
  if (n == 64) {
    uint64_t v[8];
    std::memcpy(v, p, sizeof v);
    if ((v[0] | v[1] | v[2] | v[3] | v[4] | v[5] | v[6] | v[7]) == 0) return 0;
    for (int i = 0; i < 8; ++i) bits |= packBytes(v[i]) << (8 * i);
    return bits;
  }
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, sizeof v);
    bits |= packBytes(v) << i;
  }
  for (; i < n; ++i) bits |= static_cast<uint64_t>(p[i]) << i;
  return bits;
}

// Runs live in scratch.labels as (x0, x1, y) triples; a run's index is its provisional label. Union
// keeps the smaller index as the root, so parent[i] <= i always holds: the flattening below relies
// on it, and a component's root is its first run in raster order (cv2's label order). The vectors
// only grow (doubling), and the hot loops use raw pointers into them.
struct Runs {
  int32_t* xy;
  int32_t* parent;
  int count;

  int x0(int i) const { return xy[3 * i]; }
  int x1(int i) const { return xy[3 * i + 1]; }
  int y(int i) const { return xy[3 * i + 2]; }

  void add(int a, int b, int row) {
    xy[3 * count] = a;
    xy[3 * count + 1] = b;
    xy[3 * count + 2] = row;
    parent[count] = count;
    ++count;
  }

  int find(int i) const {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }
};

// Makes room for `need` runs.
void reserveRuns(MotionScratch& scratch, Runs& runs, size_t need) {
  if (scratch.parent.size() < need) {
    const size_t size = std::max(need, 2 * scratch.parent.size());
    scratch.parent.resize(size);
    scratch.labels.resize(3 * size);
  }
  runs.xy = scratch.labels.data();
  runs.parent = scratch.parent.data();
}

// Appends the runs of one row, columns [x, end); pixels outside the bounding box are all zero.
void rowRuns(const uint8_t* row, int x, int end, int y, Runs& runs) {
  int open = -1;  // start of the run that continues into the next chunk
  for (; x < end; x += 64) {
    const int n = std::min(64, end - x);
    const uint64_t bits = maskBits(row + x, n);
    // A set bit marks a pixel that differs from its left neighbour: a run starts or ends there.
    uint64_t edges = bits ^ ((bits << 1) | (open >= 0 ? 1u : 0u));
    if (n < 64) edges &= (uint64_t{1} << n) - 1;
    while (edges != 0) {
      const int t = __builtin_ctzll(edges);
      edges &= edges - 1;
      if (open < 0) {
        open = x + t;
      } else {
        runs.add(open, x + t - 1, y);
        open = -1;
      }
    }
  }
  if (open >= 0) runs.add(open, end - 1, y);
}

// Links the runs [cur, curEnd) of a row to the runs [prev, prevEnd) of the row above. Both lists are
// sorted by x; runs touch 8-wise when their column spans overlap after widening by one. A run joins
// the smallest root it touches, and any other root it touches is merged into that one.
void uniteRows(int prev, int prevEnd, int cur, int curEnd, Runs& runs) {
  for (int j = cur; j < curEnd && prev < prevEnd; ++j) {
    while (prev < prevEnd && runs.x1(prev) < runs.x0(j) - 1) ++prev;
    int root = j;
    for (int k = prev; k < prevEnd && runs.x0(k) <= runs.x1(j) + 1; ++k) {
      const int r = runs.find(k);
      if (r < root) {
        if (root != j) runs.parent[root] = r;
        root = r;
      } else if (r > root) {
        runs.parent[r] = root;
      }
    }
    runs.parent[j] = root;
  }
}

}  // namespace

void motionComponents(const uint8_t* mask, int width, const Rect& bbox, const MotionParams& params,
                      MotionBox* boxes, MotionStats& stats, MotionScratch& scratch) {
  Runs runs{nullptr, nullptr, 0};
  const size_t rowMax = static_cast<size_t>(bbox.w) / 2 + 1;  // runs need a gap between them
  int prev = 0;
  for (int y = bbox.y; y < bbox.y + bbox.h; ++y) {
    reserveRuns(scratch, runs, static_cast<size_t>(runs.count) + rowMax);
    const int cur = runs.count;
    rowRuns(mask + static_cast<size_t>(y) * static_cast<size_t>(width), bbox.x, bbox.x + bbox.w, y, runs);
    uniteRows(prev, cur, cur, runs.count, runs);
    prev = cur;
  }

  // Flatten: a non-root's parent precedes it and already holds its final component id.
  int32_t* label = runs.parent;
  const int n = runs.count;
  int components = 0;
  for (int i = 0; i < n; ++i) label[i] = label[i] < i ? label[label[i]] : components++;

  // Bounds per component; w and h hold the max x and max y until the end.
  std::vector<MotionBox>& comps = scratch.comps;
  if (comps.size() < static_cast<size_t>(components)) comps.resize(static_cast<size_t>(components));
  MotionBox* box = comps.data();
  std::fill_n(box, components, MotionBox{INT_MAX, INT_MAX, -1, -1, 0});
  for (int i = 0; i < n; ++i) {
    MotionBox& c = box[label[i]];
    c.x = std::min(c.x, runs.x0(i));
    c.y = std::min(c.y, runs.y(i));
    c.w = std::max(c.w, runs.x1(i));
    c.h = std::max(c.h, runs.y(i));
    c.area += runs.x1(i) - runs.x0(i) + 1;
  }

  // The run labels are spent; label[0..kept) now lists the components that pass minArea.
  int kept = 0;
  for (int c = 0; c < components; ++c) {
    MotionBox& b = box[c];
    b.w = b.w - b.x + 1;
    b.h = b.h - b.y + 1;
    if (b.area >= params.minArea) label[kept++] = c;
  }
  stats.components = kept;
  const int wanted = boxes == nullptr ? 0 : std::clamp(params.maxBoxes, 0, kept);
  // Area descending, then y, then x; the component id (raster order of its first pixel) breaks the
  // remaining ties so the order is total.
  std::partial_sort(label, label + wanted, label + kept, [box](int a, int b) {
    const MotionBox& p = box[a];
    const MotionBox& q = box[b];
    if (p.area != q.area) return p.area > q.area;
    if (p.y != q.y) return p.y < q.y;
    if (p.x != q.x) return p.x < q.x;
    return a < b;
  });
  for (int i = 0; i < wanted; ++i) boxes[i] = box[label[i]];
  stats.boxes = wanted;
}

}  // namespace panoptes
