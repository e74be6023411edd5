// motion() and sharpness(): the scalar path against a naive reference written straight from the
// header definitions, every compiled and supported SIMD level against scalar (bit-identical output),
// and hand-checked cases. `--bench` prints ns/pixel per level instead (no timing is asserted).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <new>
#include <string>
#include <vector>

#include "motion.h"
#include "sharpness.h"

using namespace panoptes;

// Counts heap allocations so a test can assert that a kernel call in steady state makes none.
// (GCC 12 flags the malloc/free pair of a replaced operator new/delete as mismatched.)
static size_t allocations = 0;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  return operator new(n);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const std::string& what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int uniform(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  bool chance(int percent) { return uniform(0, 99) < percent; }
};

// A plane whose buffer ends exactly at the last pixel, so any read past it trips ASan.
struct Image {
  int w = 0, h = 0;
  ptrdiff_t stride = 0;
  std::vector<uint8_t> bytes;
  Image(int width, int height, ptrdiff_t s) : w(width), h(height), stride(s) {
    bytes.assign(static_cast<size_t>(s) * static_cast<size_t>(h - 1) + static_cast<size_t>(w), 0xcd);
  }
  uint8_t& at(int x, int y) { return bytes[static_cast<size_t>(y) * static_cast<size_t>(stride) + x]; }
  uint8_t at(int x, int y) const { return bytes[static_cast<size_t>(y) * static_cast<size_t>(stride) + x]; }
  Plane plane() const { return Plane{bytes.data(), w, h, stride}; }
};

std::vector<SimdLevel> simdLevels() {
  std::vector<SimdLevel> levels;
  for (SimdLevel l : {SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (simdCompiled(l) && simdSupported(l)) levels.push_back(l);
  }
  return levels;
}

std::string sizeName(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

// ---------------------------------------------------------------------------------------------------
// motion

struct MotionResult {
  MotionStats stats{};
  std::vector<uint32_t> grid;
  std::vector<MotionBox> boxes;
  std::vector<uint8_t> mask;
  std::vector<float> bg;
};

struct MotionCase {
  const Image* cur;
  const Image* ref;        // same stride as cur; null in background mode
  std::vector<float>* bg;  // packed; null in reference mode
  const std::vector<uint8_t>* exclude;
  MotionParams params;
  bool withGrid = true;
  bool withBoxes = true;
};

int naiveBgByte(float v) {
  if (!(v > 0.f)) return 0;
  if (v >= 255.f) return 255;
  return static_cast<int>(std::nearbyint(static_cast<double>(v)));
}

// The header's definitions, pixel by pixel; components by flood fill in raster order.
MotionResult naiveMotion(const MotionCase& c) {
  const Image& cur = *c.cur;
  const MotionParams& p = c.params;
  const int w = cur.w, h = cur.h;
  MotionResult r;
  r.mask.assign(static_cast<size_t>(w) * h, 0);
  if (c.withGrid) r.grid.assign(static_cast<size_t>(p.gridCols) * p.gridRows, 0);
  if (c.bg != nullptr) r.bg = *c.bg;
  int minX = w, minY = h, maxX = -1, maxY = -1;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const size_t i = static_cast<size_t>(y) * w + x;
      const int refv = c.bg != nullptr ? naiveBgByte(r.bg[i]) : c.ref->at(x, y);
      const bool excluded = c.exclude != nullptr && (*c.exclude)[i] != 0;
      const bool changed = std::abs(cur.at(x, y) - refv) > p.threshold && !excluded;
      if (c.bg != nullptr) {
        volatile float t = static_cast<float>(cur.at(x, y)) - r.bg[i];
        volatile float prod = (changed ? p.foregroundAlpha : p.alpha) * t;
        r.bg[i] = r.bg[i] + prod;
      }
      if (!changed) continue;
      r.mask[i] = 1;
      ++r.stats.changed;
      minX = std::min(minX, x), maxX = std::max(maxX, x), minY = std::min(minY, y), maxY = std::max(maxY, y);
      if (c.withGrid) {
        const int64_t row = static_cast<int64_t>(y) * p.gridRows / h,
                      col = static_cast<int64_t>(x) * p.gridCols / w;
        ++r.grid[static_cast<size_t>(row * p.gridCols + col)];
      }
    }
  }
  if (r.stats.changed == 0) return r;
  r.stats.bboxX = minX, r.stats.bboxY = minY, r.stats.bboxW = maxX - minX + 1,
  r.stats.bboxH = maxY - minY + 1;
  std::vector<int> label(r.mask.size(), -1);
  std::vector<MotionBox> comps;
  for (size_t start = 0; start < r.mask.size(); ++start) {
    if (r.mask[start] == 0 || label[start] >= 0) continue;
    const int id = static_cast<int>(comps.size());
    MotionBox b{w, h, -1, -1, 0};
    std::deque<size_t> todo{start};
    label[start] = id;
    while (!todo.empty()) {
      const size_t i = todo.front();
      todo.pop_front();
      const int x = static_cast<int>(i % w), y = static_cast<int>(i / w);
      b.x = std::min(b.x, x), b.y = std::min(b.y, y), b.w = std::max(b.w, x), b.h = std::max(b.h, y),
      ++b.area;
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          const int nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const size_t j = static_cast<size_t>(ny) * w + nx;
          if (r.mask[j] == 1 && label[j] < 0) label[j] = id, todo.push_back(j);
        }
      }
    }
    b.w = b.w - b.x + 1, b.h = b.h - b.y + 1;
    comps.push_back(b);
  }
  std::vector<MotionBox> kept;
  for (const MotionBox& b : comps) {
    if (b.area >= p.minArea) kept.push_back(b);
  }
  std::stable_sort(kept.begin(), kept.end(), [](const MotionBox& a, const MotionBox& b) {
    if (a.area != b.area) return a.area > b.area;
    if (a.y != b.y) return a.y < b.y;
    return a.x < b.x;
  });
  // maxBoxes 0 is the count-only mode: no labelling, so no components either.
  r.stats.components = p.maxBoxes > 0 ? static_cast<int>(kept.size()) : 0;
  r.stats.boxes = c.withBoxes ? std::min(std::max(p.maxBoxes, 0), r.stats.components) : 0;
  r.boxes.assign(kept.begin(), kept.begin() + r.stats.boxes);
  return r;
}

MotionResult runMotion(SimdLevel level, const MotionCase& c, MotionScratch& scratch) {
  const MotionParams& p = c.params;
  MotionResult r;
  if (c.bg != nullptr) r.bg = *c.bg;
  // Exactly sized, pre-filled with garbage: the kernel must overwrite every cell and stay in bounds.
  if (c.withGrid) r.grid.assign(static_cast<size_t>(p.gridCols) * p.gridRows, 0xdeadbeefu);
  std::vector<MotionBox> boxes(static_cast<size_t>(std::max(p.maxBoxes, 0)), MotionBox{-7, -7, -7, -7, -7});
  motion(level, c.cur->plane(), c.ref != nullptr ? c.ref->bytes.data() : nullptr,
         c.bg != nullptr ? r.bg.data() : nullptr, c.exclude != nullptr ? c.exclude->data() : nullptr, p,
         c.withGrid ? r.grid.data() : nullptr, c.withBoxes ? boxes.data() : nullptr, r.stats, scratch);
  const size_t written = std::min<size_t>(static_cast<size_t>(std::max(r.stats.boxes, 0)), boxes.size());
  r.boxes.assign(boxes.begin(), boxes.begin() + static_cast<ptrdiff_t>(written));
  r.mask.assign(scratch.mask.begin(), scratch.mask.begin() + static_cast<ptrdiff_t>(c.cur->w) * c.cur->h);
  return r;
}

std::string diffMotion(const MotionResult& a, const MotionResult& b) {
  const MotionStats &s = a.stats, &t = b.stats;
  if (s.changed != t.changed)
    return "changed " + std::to_string(s.changed) + " vs " + std::to_string(t.changed);
  if (s.bboxX != t.bboxX || s.bboxY != t.bboxY || s.bboxW != t.bboxW || s.bboxH != t.bboxH) return "bbox";
  if (s.components != t.components) {
    return "components " + std::to_string(s.components) + " vs " + std::to_string(t.components);
  }
  if (s.boxes != t.boxes || a.boxes.size() != b.boxes.size()) return "box count";
  for (size_t i = 0; i < a.boxes.size(); ++i) {
    const MotionBox &p = a.boxes[i], &q = b.boxes[i];
    if (p.x != q.x || p.y != q.y || p.w != q.w || p.h != q.h || p.area != q.area)
      return "box " + std::to_string(i);
  }
  if (a.grid != b.grid) return "grid";
  if (a.mask != b.mask) return "mask";
  const bool sameBg =
      a.bg.size() == b.bg.size() &&
      (a.bg.empty() || std::memcmp(a.bg.data(), b.bg.data(), a.bg.size() * sizeof(float)) == 0);
  if (!sameBg) return "background";
  return "";
}

// Compares scalar with the naive reference and every SIMD level with scalar.
void checkMotion(const MotionCase& c, const std::string& name, MotionScratch& scratch) {
  const MotionResult want = naiveMotion(c);
  const MotionResult got = runMotion(SimdLevel::Scalar, c, scratch);
  const std::string d = diffMotion(got, want);
  check(d.empty(), "motion scalar matches the definition: " + name + " " + d);
  for (SimdLevel l : simdLevels()) {
    const std::string e = diffMotion(runMotion(l, c, scratch), got);
    check(e.empty(), std::string("motion ") + simdName(l) + " matches scalar: " + name + " " + e);
  }
}

// Style 0: cur is ref plus +-4 noise; 1: plus a few blocks with every byte flipped by 128; 2: two
// unrelated random frames (a dense mask of many ragged components).
void fillScene(Rng& rng, Image& ref, Image& cur, int style) {
  for (int y = 0; y < ref.h; ++y) {
    for (int x = 0; x < ref.w; ++x) {
      const int v = rng.uniform(0, 255);
      ref.at(x, y) = static_cast<uint8_t>(v);
      cur.at(x, y) = style == 2 ? static_cast<uint8_t>(rng.uniform(0, 255))
                                : static_cast<uint8_t>(std::clamp(v + rng.uniform(-4, 4), 0, 255));
    }
  }
  if (style != 1) return;
  for (int k = rng.uniform(1, 6); k > 0; --k) {
    const int x0 = rng.uniform(0, cur.w - 1), y0 = rng.uniform(0, cur.h - 1);
    const int x1 = std::min(cur.w - 1, x0 + rng.uniform(0, cur.w / 3 + 1));
    const int y1 = std::min(cur.h - 1, y0 + rng.uniform(0, cur.h / 3 + 1));
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) cur.at(x, y) = static_cast<uint8_t>(ref.at(x, y) ^ 0x80);
    }
  }
}

MotionParams randomParams(Rng& rng, int w, int h) {
  MotionParams p;
  const int t = rng.uniform(0, 9);
  p.threshold = t == 0 ? 0 : t == 1 ? 255 : rng.uniform(1, 40);
  p.minArea = rng.chance(30) ? 0 : rng.uniform(1, 40);
  p.gridCols = rng.uniform(1, std::min(w + 3, 48));
  p.gridRows = rng.uniform(1, std::min(h + 3, 27));
  p.maxBoxes = rng.uniform(0, 12);
  const int a = rng.uniform(0, 4);
  p.alpha = a == 0 ? 0.f : a == 1 ? 1.f : a == 2 ? 0.05f : static_cast<float>(rng.uniform(1, 999)) / 1000.f;
  const int f = rng.uniform(0, 3);
  p.foregroundAlpha = f == 0   ? p.alpha
                      : f == 1 ? 0.f
                      : f == 2 ? 0.02f
                               : static_cast<float>(rng.uniform(1, 999)) / 1000.f;
  return p;
}

void randomMotionTests(Rng& rng) {
  const int sizes[][2] = {{1, 1},    {1, 9},   {9, 1},    {3, 7},     {17, 9},    {33, 5},
                          {65, 3},   {63, 4},  {64, 3},   {100, 7},   {127, 5},   {129, 6},
                          {191, 13}, {255, 9}, {257, 11}, {200, 150}, {640, 360}, {1920, 1080}};
  MotionScratch scratch;  // shared on purpose: sizes go up and down
  for (const auto& s : sizes) {
    const int w = s[0], h = s[1];
    const int trials = w * h > 500000 ? 2 : w * h > 50000 ? 4 : 12;
    for (int t = 0; t < trials; ++t) {
      const ptrdiff_t stride = w + (rng.chance(50) ? rng.uniform(1, 37) : 0);
      Image cur(w, h, stride), ref(w, h, stride);
      fillScene(rng, ref, cur, t % 3);
      std::vector<uint8_t> exclude(static_cast<size_t>(w) * h);
      const int density = rng.uniform(0, 50);
      for (uint8_t& e : exclude) e = rng.chance(density) ? static_cast<uint8_t>(rng.uniform(1, 255)) : 0;
      MotionCase c{&cur, &ref, nullptr, rng.chance(50) ? &exclude : nullptr, randomParams(rng, w, h)};
      c.withGrid = rng.chance(85);
      c.withBoxes = rng.chance(85);
      const std::string name = sizeName(w, h) + " stride " + std::to_string(stride) + " trial " +
                               std::to_string(t) + " thr " + std::to_string(c.params.threshold);
      checkMotion(c, name, scratch);

      // Background mode over several frames: each level updates its own copy, which must equal scalar's
      // bit for bit after every frame.
      std::vector<float> bg(static_cast<size_t>(w) * h);
      for (size_t i = 0; i < bg.size(); ++i) {
        const int kind = rng.uniform(0, 99);
        const float base = static_cast<float>(ref.bytes[(i / w) * stride + i % w]);
        // Ties to round half to even, out-of-range values to saturate, NaN and infinity to propagate.
        bg[i] = kind < 5     ? base + 0.5f
                : kind < 8   ? -3.5f
                : kind < 10  ? 300.25f
                : kind == 10 ? NAN
                : kind == 11 ? INFINITY
                             : base + static_cast<float>(rng.uniform(-500, 500)) / 256.f;
      }
      std::vector<std::vector<float>> bgs(1 + simdLevels().size(), bg);
      std::vector<float> naiveBg = bg;
      for (int frame = 0; frame < 3; ++frame) {
        fillScene(rng, ref, cur, 1);
        MotionCase b{&cur, nullptr, &naiveBg, c.exclude, c.params};
        const MotionResult want = naiveMotion(b);
        b.bg = &bgs[0];
        const MotionResult got = runMotion(SimdLevel::Scalar, b, scratch);
        check(diffMotion(got, want).empty(), "background motion scalar matches the definition: " + name +
                                                 " frame " + std::to_string(frame) + " " +
                                                 diffMotion(got, want));
        for (size_t l = 0; l < simdLevels().size(); ++l) {
          b.bg = &bgs[l + 1];
          const std::string e = diffMotion(runMotion(simdLevels()[l], b, scratch), got);
          check(e.empty(), std::string("background motion ") + simdName(simdLevels()[l]) +
                               " matches scalar: " + name + " frame " + std::to_string(frame) + " " + e);
          bgs[l + 1] = got.bg;
        }
        bgs[0] = got.bg;
        naiveBg = got.bg;
      }
    }
  }
}

void handMotionTests() {
  MotionScratch scratch;
  // Two blobs on a 10x8 frame: a 3x2 block, and a diagonal that only 8-connectivity joins.
  Image ref(10, 8, 10), cur(10, 8, 10);
  std::fill(ref.bytes.begin(), ref.bytes.end(), 0);
  std::fill(cur.bytes.begin(), cur.bytes.end(), 0);
  for (int y = 1; y <= 2; ++y) {
    for (int x = 1; x <= 3; ++x) cur.at(x, y) = 200;
  }
  cur.at(6, 4) = cur.at(7, 5) = cur.at(8, 6) = 50;
  MotionParams p{30, 0, 2, 2, 4, 0.f, 0.f};
  std::vector<uint32_t> grid(4);
  MotionBox boxes[4];
  MotionStats st;
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (!simdSupported(l)) continue;
    const std::string n = simdName(l);
    motion(l, cur.plane(), ref.bytes.data(), nullptr, nullptr, p, grid.data(), boxes, st, scratch);
    check(st.changed == 9 && st.bboxX == 1 && st.bboxY == 1 && st.bboxW == 8 && st.bboxH == 6,
          "two blobs: 9 changed pixels inside x 1..8, y 1..6 (" + n + ")");
    check(st.components == 2 && st.boxes == 2, "two blobs give two 8-connected components (" + n + ")");
    check(boxes[0].x == 1 && boxes[0].y == 1 && boxes[0].w == 3 && boxes[0].h == 2 && boxes[0].area == 6,
          "the larger blob comes first with its exact box (" + n + ")");
    check(boxes[1].x == 6 && boxes[1].y == 4 && boxes[1].w == 3 && boxes[1].h == 3 && boxes[1].area == 3,
          "the diagonal blob is one component (" + n + ")");
    check(grid[0] == 6 && grid[1] == 0 && grid[2] == 0 && grid[3] == 3,
          "grid cells count changed pixels (" + n + ")");
    MotionParams big = p;
    big.minArea = 4;
    motion(l, cur.plane(), ref.bytes.data(), nullptr, nullptr, big, grid.data(), boxes, st, scratch);
    check(st.components == 1 && st.changed == 9,
          "minArea drops the small blob but still counts its pixels (" + n + ")");
  }
  // |cur - ref| must exceed the threshold; the background is rounded half to even.
  Image a(4, 1, 4), b(4, 1, 4);
  a.bytes = {20, 20, 12, 12};
  b.bytes = {10, 11, 0, 0};
  MotionParams q{10, 0, 1, 1, 0, 0.5f, 0.5f};
  motion(SimdLevel::Scalar, a.plane(), b.bytes.data(), nullptr, nullptr, q, nullptr, nullptr, st, scratch);
  check(st.changed == 2 && scratch.mask[0] == 0 && scratch.mask[1] == 0 && scratch.mask[2] == 1,
        "a difference equal to the threshold is not a change");
  std::vector<float> bg = {10.5f, 11.5f};
  q.threshold = 1;
  Image c(2, 1, 2);
  c.bytes = {12, 12};
  motion(SimdLevel::Scalar, c.plane(), nullptr, bg.data(), nullptr, q, nullptr, nullptr, st, scratch);
  check(st.changed == 1 && scratch.mask[0] == 1 && scratch.mask[1] == 0,
        "background 10.5 rounds to 10 (changed), 11.5 rounds to 12 (unchanged)");
  check(bg[0] == 11.25f && bg[1] == 11.75f, "the background moves by alpha * (cur - bg)");
  bg = {10.5f, 11.5f};
  q.foregroundAlpha = 0.25f;
  motion(SimdLevel::Scalar, c.plane(), nullptr, bg.data(), nullptr, q, nullptr, nullptr, st, scratch);
  check(bg[0] == 10.875f && bg[1] == 11.75f,
        "a changed pixel's background moves by foregroundAlpha * (cur - bg)");
}

// ---------------------------------------------------------------------------------------------------
// sharpness

int reflect(int i, int n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

Sharpness naiveSharpness(const Image& img) {
  int64_t ten = 0, sum = 0, sq = 0, pixels = 0;
  auto P = [&](int x, int y) { return static_cast<int>(img.at(reflect(x, img.w), reflect(y, img.h))); };
  for (int y = 0; y < img.h; ++y) {
    for (int x = 0; x < img.w; ++x) {
      int gx = 0, gy = 0;
      for (int d = -1; d <= 1; ++d) {
        const int wgt = d == 0 ? 2 : 1;
        gx += wgt * (P(x + 1, y + d) - P(x - 1, y + d));
        gy += wgt * (P(x + d, y + 1) - P(x + d, y - 1));
      }
      const int lap = P(x, y - 1) + P(x, y + 1) + P(x - 1, y) + P(x + 1, y) - 4 * P(x, y);
      ten += gx * gx + gy * gy, sum += lap, sq += static_cast<int64_t>(lap) * lap;
      pixels += img.at(x, y);
    }
  }
  const int64_t n = static_cast<int64_t>(img.w) * img.h;
  const __int128 num = static_cast<__int128>(n) * sq - static_cast<__int128>(sum) * sum;
  return Sharpness{static_cast<double>(ten) / static_cast<double>(n),
                   static_cast<double>(num) / (static_cast<double>(n) * static_cast<double>(n)),
                   static_cast<double>(pixels) / static_cast<double>(n)};
}

bool same(const Sharpness& a, const Sharpness& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

std::string show(const Sharpness& s) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "(%.17g, %.17g, %.17g)", s.tenengrad, s.laplacianVariance, s.mean);
  return buf;
}

void checkSharpness(const Image& img, const std::string& name) {
  const Sharpness want = naiveSharpness(img);
  const Sharpness got = sharpness(SimdLevel::Scalar, img.plane());
  check(same(got, want),
        "sharpness scalar matches the definition: " + name + " " + show(got) + " vs " + show(want));
  for (SimdLevel l : simdLevels()) {
    const Sharpness s = sharpness(l, img.plane());
    check(same(s, got), std::string("sharpness ") + simdName(l) + " matches scalar: " + name + " " + show(s) +
                            " vs " + show(got));
  }
}

void randomSharpnessTests(Rng& rng) {
  std::vector<std::pair<int, int>> sizes = {{1, 1},  {1, 13}, {13, 1}, {2, 2},     {3, 7},
                                            {17, 9}, {33, 5}, {65, 3}, {640, 360}, {1920, 1080}};
  for (int w = 1; w <= 150; ++w) sizes.push_back({w, 1 + w % 5});
  for (int w : {191, 192, 193, 255, 256, 257, 319, 321}) sizes.push_back({w, 4});
  for (const auto& s : sizes) {
    const int w = s.first, h = s.second;
    const ptrdiff_t stride = w + (rng.chance(50) ? rng.uniform(1, 40) : 0);
    Image img(w, h, stride);
    // Random bytes, or 0/255 noise, which drives |Gx|, |Gy| and |L| towards their maxima.
    const bool extreme = rng.chance(40) || w * h > 500000;
    for (uint8_t& v : img.bytes)
      v = extreme ? (rng.chance(50) ? 255 : 0) : static_cast<uint8_t>(rng.uniform(0, 255));
    checkSharpness(img, sizeName(w, h) + " stride " + std::to_string(stride) + (extreme ? " 0/255" : ""));
  }
  // Stripes 0 0 255 255 give |Gx| = 1020 at nearly every pixel; rows this wide overflow a 32-bit lane
  // sum unless the SIMD paths widen it within the row.
  Image wide(40000, 2, 40000);
  for (int y = 0; y < wide.h; ++y) {
    for (int x = 0; x < wide.w; ++x) wide.at(x, y) = (x & 2) != 0 ? 255 : 0;
  }
  checkSharpness(wide, "40000x2 stripes at maximum gradient");

  // An ROI is an isolated image: the view must equal a packed copy of the same pixels.
  Image parent(300, 200, 300);
  for (uint8_t& v : parent.bytes) v = static_cast<uint8_t>(rng.uniform(0, 255));
  for (int t = 0; t < 20; ++t) {
    const int x = rng.uniform(0, 299), y = rng.uniform(0, 199);
    const int w = rng.uniform(1, 300 - x), h = rng.uniform(1, 200 - y);
    Image roi(w, h, parent.stride);
    const auto first = parent.bytes.begin() + y * parent.stride + x;
    roi.bytes.assign(first, first + (h - 1) * parent.stride + w);
    Image packed(w, h, w);
    for (int j = 0; j < h; ++j) {
      for (int i = 0; i < w; ++i) packed.at(i, j) = roi.at(i, j);
    }
    const std::string name = "roi " + sizeName(w, h) + " at " + std::to_string(x) + "," + std::to_string(y);
    checkSharpness(roi, name);
    for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
      if (!simdSupported(l)) continue;
      check(same(sharpness(l, roi.plane()), sharpness(l, packed.plane())),
            std::string("an ROI view equals its packed copy (") + simdName(l) + "): " + name);
    }
  }
}

void handSharpnessTests() {
  // One pixel of 100 in a 5x5 zero image. Centre: Gx, Gy per neighbour are (+-100, +-100) on the
  // diagonals and (+-200, 0) / (0, +-200) on the sides: 4 * 20000 + 4 * 40000 = 240000, / 25 = 9600.
  // Laplacian: -400 at the pixel, 100 at its 4 neighbours: sum 0, sumSq 200000, variance 8000.
  // Corner (0,0), with reflection: (1,0) and (0,1) get |G| = 200, (1,1) gets (-100, -100): 100000 / 25
  // = 4000; Laplacian -400, 100, 100: 180000 / 25 - (-200 / 25)^2 = 7200 - 64 = 7136.
  Image centre(5, 5, 5), corner(5, 5, 7);
  std::fill(centre.bytes.begin(), centre.bytes.end(), 0);
  std::fill(corner.bytes.begin(), corner.bytes.end(), 0);
  centre.at(2, 2) = 100;
  corner.at(0, 0) = 100;
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (!simdSupported(l)) continue;
    const Sharpness a = sharpness(l, centre.plane());
    check(
        a.tenengrad == 9600.0 && a.laplacianVariance == 8000.0,
        std::string("a centred dot gives tenengrad 9600 and variance 8000 (") + simdName(l) + ") " + show(a));
    const Sharpness b = sharpness(l, corner.plane());
    check(b.tenengrad == 4000.0 && b.laplacianVariance == 7136.0,
          std::string("a corner dot reflects to tenengrad 4000 and variance 7136 (") + simdName(l) + ") " +
              show(b));
  }
  // A 1-pixel dimension reflects onto itself: a single row has Gy = 0, a single column Gx = 0, and a
  // flat image is 0 everywhere.
  Image row(4, 1, 4), col(1, 4, 3), flat(70, 9, 70);
  row.bytes = {0, 10, 0, 10};
  for (int y = 0; y < 4; ++y) col.at(0, y) = static_cast<uint8_t>(y % 2 == 0 ? 0 : 10);
  for (uint8_t& v : flat.bytes) v = 77;
  const Sharpness r = sharpness(SimdLevel::Scalar, row.plane()),
                  c = sharpness(SimdLevel::Scalar, col.plane());
  // In 0 10 0 10 the left and right neighbours of every pixel are equal (x = 0 and x = 3 reflect), so
  // Gx = 0; with the row above and below equal to the row itself, L = left + right - 2 * centre =
  // 20, -20, 20, -20: sum 0, sumSq 1600, variance 400.
  check(r.tenengrad == 0.0 && r.laplacianVariance == 400.0,
        "a 1-row image has no vertical gradient " + show(r));
  check(c.tenengrad == 0.0 && c.laplacianVariance == 400.0,
        "a 1-column image has no horizontal gradient " + show(c));
  const Sharpness f = sharpness(bestSimdLevel(), flat.plane());
  check(f.tenengrad == 0.0 && f.laplacianVariance == 0.0, "a flat image has zero sharpness");
}

void steadyStateTests() {
  Rng rng{7};
  const int w = 333, h = 97;
  Image ref(w, h, w + 5), cur(w, h, w + 5);
  fillScene(rng, ref, cur, 1);
  std::vector<float> bg(static_cast<size_t>(w) * h, 40.f);
  std::vector<uint8_t> exclude(static_cast<size_t>(w) * h, 0);
  MotionParams p{10, 5, 8, 6, 8, 0.1f, 0.1f};
  std::vector<uint32_t> grid(48);
  MotionBox boxes[8];
  MotionStats st;
  MotionScratch scratch;
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (!simdSupported(l)) continue;
    motion(l, cur.plane(), ref.bytes.data(), nullptr, exclude.data(), p, grid.data(), boxes, st, scratch);
    motion(l, cur.plane(), nullptr, bg.data(), nullptr, p, grid.data(), boxes, st, scratch);
    const size_t before = allocations;
    motion(l, cur.plane(), ref.bytes.data(), nullptr, exclude.data(), p, grid.data(), boxes, st, scratch);
    motion(l, cur.plane(), nullptr, bg.data(), nullptr, p, grid.data(), boxes, st, scratch);
    sharpness(l, cur.plane());
    const size_t made = allocations - before;
    check(made == 0 && st.components > 0, std::string("a repeated call allocates nothing (") + simdName(l) +
                                              "): " + std::to_string(made) + " allocations");
  }
  // A level this binary does not hold runs the next lower one: here that is always scalar.
  for (SimdLevel l : {SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (simdCompiled(l)) continue;
    MotionCase c{&cur, &ref, nullptr, &exclude, p};
    check(diffMotion(runMotion(l, c, scratch), runMotion(SimdLevel::Scalar, c, scratch)).empty() &&
              same(sharpness(l, cur.plane()), sharpness(SimdLevel::Scalar, cur.plane())),
          std::string("an uncompiled level falls back to scalar (") + simdName(l) + ")");
  }
}

// ---------------------------------------------------------------------------------------------------
// bench

template <class F>
double nsPerPixel(F&& run, int pixels) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < 3; ++i) run();
  std::vector<double> trials;
  for (int t = 0; t < 7; ++t) {
    int reps = 0;
    const auto start = Clock::now();
    do {
      run();
      ++reps;
    } while (Clock::now() - start < std::chrono::milliseconds(40));
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    trials.push_back(ns / reps / pixels);
  }
  std::sort(trials.begin(), trials.end());
  return trials[trials.size() / 2];
}

void bench() {
  std::vector<SimdLevel> levels{SimdLevel::Scalar};
  for (SimdLevel l : simdLevels()) levels.push_back(l);
  std::printf("median ns/pixel (7 trials of >= 40 ms)\n%-38s", "case");
  for (SimdLevel l : levels) std::printf("%10s", simdName(l));
  std::printf("\n");
  Rng rng{42};
  for (const auto& s : {std::pair<int, int>{640, 360}, std::pair<int, int>{1920, 1080}}) {
    const int w = s.first, h = s.second;
    Image ref(w, h, w), cur(w, h, w), noise(w, h, w);
    fillScene(rng, ref, cur, 1);
    for (uint8_t& v : noise.bytes) v = static_cast<uint8_t>(rng.uniform(0, 255));
    MotionParams p{25, 50, 16, 9, 16, 0.05f, 0.05f};
    std::vector<uint32_t> grid(16 * 9);
    MotionBox boxes[16];
    MotionStats st;
    MotionScratch scratch;
    std::vector<float> bg(static_cast<size_t>(w) * h);
    for (size_t i = 0; i < bg.size(); ++i) bg[i] = ref.bytes[i];
    struct Row {
      const char* name;
      const Image* ref;
      bool background;
    } rows[] = {{"motion ref, few blobs", &ref, false},
                {"motion ref, random (dense)", &noise, false},
                {"motion background, few blobs", &ref, true}};
    for (const Row& row : rows) {
      std::printf("%-32s%-6s", row.name, (std::to_string(w) + "p").c_str());
      for (SimdLevel l : levels) {
        // The background sees two frames in turn so that it never settles on either.
        bool odd = false;
        std::printf("%10.3f", nsPerPixel(
                                  [&] {
                                    const Image& frame = row.background && (odd = !odd) ? ref : cur;
                                    motion(l, frame.plane(), row.background ? nullptr : row.ref->bytes.data(),
                                           row.background ? bg.data() : nullptr, nullptr, p, grid.data(),
                                           boxes, st, scratch);
                                  },
                                  w * h));
      }
      std::printf("   (changed %llu, components %d)\n", static_cast<unsigned long long>(st.changed),
                  st.components);
    }
    std::printf("%-32s%-6s", "sharpness", (std::to_string(w) + "p").c_str());
    for (SimdLevel l : levels) {
      volatile double sink = 0;
      std::printf("%10.3f", nsPerPixel([&] { sink = sink + sharpness(l, cur.plane()).tenengrad; }, w * h));
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--bench") == 0) {
    bench();
    return 0;
  }
  std::printf("levels under test: scalar");
  for (SimdLevel l : simdLevels()) std::printf(", %s", simdName(l));
  std::printf("\n");
  Rng rng{20240601};
  handMotionTests();
  handSharpnessTests();
  randomMotionTests(rng);
  randomSharpnessTests(rng);
  steadyStateTests();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
