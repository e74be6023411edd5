// toLuma and cropResize: every compiled and supported SIMD level against scalar, and scalar against a
// literal reference of the definitions in luma.h and crop_resize.h. Frames and tensors sit right
// before a PROT_NONE page, so any read or write past their end faults (gathers escape ASan).
// `--bench` prints ns per output pixel per level; it asserts nothing about time.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "crop_resize.h"
#include "luma.h"

using namespace panoptes;

namespace {

int passed = 0, failed = 0;

void check(bool ok, const std::string& what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    if (failed <= 30) std::printf("FAIL %s\n", what.c_str());
  }
}

// n bytes ending exactly at a guard page.
class Guarded {
 public:
  explicit Guarded(size_t n) : n_(n) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    len_ = (n + page - 1) / page * page + page;
    base_ = static_cast<uint8_t*>(
        mmap(nullptr, len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(base_ + len_ - page, page, PROT_NONE);
    data_ = base_ + len_ - page - n;
  }
  ~Guarded() { munmap(base_, len_); }
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;
  uint8_t* data() const { return data_; }
  size_t size() const { return n_; }

 private:
  size_t n_, len_;
  uint8_t *base_, *data_;
};

const char* formatName(PixelFormat f) {
  static const char* names[] = {"gray", "yuv420p", "nv12", "rgb24", "bgr24"};
  return names[static_cast<int>(f)];
}
const PixelFormat kFormats[] = {PixelFormat::Gray, PixelFormat::Yuv420p, PixelFormat::Nv12,
                                PixelFormat::Rgb24, PixelFormat::Bgr24};

std::vector<SimdLevel> simdLevels() {
  // A level that is not compiled in must fall back to a lower one, so it is tested too.
  std::vector<SimdLevel> out;
  for (SimdLevel l : {SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (simdSupported(l) || !simdCompiled(l)) out.push_back(l);
  }
  return out;
}

struct TestFrame {
  Guarded buf;
  Frame frame;
  TestFrame(PixelFormat f, int w, int h, std::mt19937& rng)
      : buf(frameBytes(f, w, h)), frame{buf.data(), w, h, f} {
    for (size_t i = 0; i < buf.size(); ++i) buf.data()[i] = static_cast<uint8_t>(rng());
  }
};

// ---- literal references ----

int lumaAt(const Frame& f, int x, int y) {
  const uint8_t* p = f.data;
  if (f.format == PixelFormat::Rgb24 || f.format == PixelFormat::Bgr24) {
    p += (static_cast<size_t>(y) * f.width + x) * 3;
    const int r = f.format == PixelFormat::Rgb24 ? p[0] : p[2],
              b = f.format == PixelFormat::Rgb24 ? p[2] : p[0];
    return (r * 9798 + p[1] * 19235 + b * 3735 + 16384) >> 15;
  }
  return p[static_cast<size_t>(y) * f.width + x];
}

std::vector<uint8_t> refLuma(const Frame& f, int dw, int dh) {
  const int64_t sw = f.width, sh = f.height;
  std::vector<uint8_t> out(static_cast<size_t>(dw) * dh);
  for (int dy = 0; dy < dh; ++dy) {
    for (int dx = 0; dx < dw; ++dx) {
      uint64_t acc = 0;
      for (int64_t j = dy * sh / dh; j < sh && j * dh < (dy + 1) * sh; ++j) {
        const int64_t wy = std::min((dy + 1) * sh, (j + 1) * dh) - std::max(dy * sh, j * dh);
        for (int64_t i = dx * sw / dw; i < sw && i * dw < (dx + 1) * sw; ++i) {
          const int64_t wx = std::min((dx + 1) * sw, (i + 1) * dw) - std::max(dx * sw, i * dw);
          if (wx > 0 && wy > 0)
            acc += static_cast<uint64_t>(wx * wy) * lumaAt(f, static_cast<int>(i), static_cast<int>(j));
        }
      }
      const uint64_t total = static_cast<uint64_t>(sw * sh);
      out[static_cast<size_t>(dy) * dw + dx] = static_cast<uint8_t>((acc + total / 2) / total);
    }
  }
  return out;
}

struct Axis {
  int i0, i1, frac;
};
Axis axis(double s, int hi) {
  s = std::min(std::max(s, 0.0), static_cast<double>(hi));
  const int i0 = static_cast<int>(std::floor(s));
  return {i0, std::min(i0 + 1, hi), static_cast<int>(std::floor((s - i0) * 2048 + 0.5))};
}

int bilinear(const uint8_t* plane, int stride, int step, Axis x, Axis y) {
  auto at = [&](int xi, int yi) {
    return static_cast<int64_t>(plane[static_cast<size_t>(yi) * stride + xi * step]);
  };
  const int64_t top = at(x.i0, y.i0) * (2048 - x.frac) + at(x.i1, y.i0) * x.frac;
  const int64_t bottom = at(x.i0, y.i1) * (2048 - x.frac) + at(x.i1, y.i1) * x.frac;
  return static_cast<int>((top * (2048 - y.frac) + bottom * y.frac + (1 << 21)) >> 22);
}

struct RefCrop {
  CropMapping m;
  std::vector<uint8_t> u8;
  std::vector<float> f32;
};

RefCrop refCrop(const Frame& f, const CropParams& p) {
  RefCrop out{};
  const Rect& roi = p.roi;
  int cw = p.dstW, ch = p.dstH, padX = 0, padY = 0;
  if (p.letterbox) {
    const double s = std::min(static_cast<double>(p.dstW) / roi.w, static_cast<double>(p.dstH) / roi.h);
    cw = std::clamp(static_cast<int>(std::floor(roi.w * s + 0.5)), 1, p.dstW);
    ch = std::clamp(static_cast<int>(std::floor(roi.h * s + 0.5)), 1, p.dstH);
    padX = (p.dstW - cw) / 2;
    padY = (p.dstH - ch) / 2;
  }
  out.m = {static_cast<double>(cw) / roi.w, static_cast<double>(ch) / roi.h, padX, padY, cw, ch};
  const size_t plane = static_cast<size_t>(p.dstW) * p.dstH;
  out.u8.assign(plane * 3, 0);
  out.f32.assign(plane * 3, 0.0f);
  const int chw = static_cast<int>(chromaWidth(f.width)), chh = static_cast<int>(chromaHeight(f.height));
  const uint8_t* chroma = f.data + static_cast<size_t>(f.width) * f.height;
  for (int ty = 0; ty < p.dstH; ++ty) {
    for (int tx = 0; tx < p.dstW; ++tx) {
      int rgb[3] = {p.pad, p.pad, p.pad};
      const int cx = tx - padX, cy = ty - padY;
      if (cx >= 0 && cx < cw && cy >= 0 && cy < ch) {
        const double sx =
            std::min(std::max((cx + 0.5) * roi.w / cw - 0.5, 0.0), static_cast<double>(roi.w - 1));
        const double sy =
            std::min(std::max((cy + 0.5) * roi.h / ch - 0.5, 0.0), static_cast<double>(roi.h - 1));
        Axis ax = axis(sx, roi.w - 1), ay = axis(sy, roi.h - 1);
        ax = {ax.i0 + roi.x, ax.i1 + roi.x, ax.frac};
        ay = {ay.i0 + roi.y, ay.i1 + roi.y, ay.frac};
        switch (f.format) {
          case PixelFormat::Gray:
            rgb[0] = rgb[1] = rgb[2] = bilinear(f.data, f.width, 1, ax, ay);
            break;
          case PixelFormat::Rgb24:
          case PixelFormat::Bgr24:
            for (int c = 0; c < 3; ++c) {
              const int ch3 = f.format == PixelFormat::Rgb24 ? c : 2 - c;
              rgb[c] = bilinear(f.data + ch3, f.width * 3, 3, ax, ay);
            }
            break;
          default: {
            const int y = bilinear(f.data, f.width, 1, ax, ay);
            const Axis bx = axis((roi.x + sx + 0.5) / 2 - 0.5, chw - 1),
                       by = axis((roi.y + sy + 0.5) / 2 - 0.5, chh - 1);
            const bool nv12 = f.format == PixelFormat::Nv12;
            const int stride = nv12 ? 2 * chw : chw, step = nv12 ? 2 : 1;
            const int u = bilinear(chroma, stride, step, bx, by);
            const int v =
                bilinear(nv12 ? chroma + 1 : chroma + static_cast<size_t>(chw) * chh, stride, step, bx, by);
            const int C = y - 16, D = u - 128, E = v - 128;
            auto clip = [](int q) { return std::min(std::max(q, 0), 255); };
            rgb[0] = clip((298 * C + 409 * E + 128) >> 8);
            rgb[1] = clip((298 * C - 100 * D - 208 * E + 128) >> 8);
            rgb[2] = clip((298 * C + 516 * D + 128) >> 8);
          }
        }
      }
      const size_t i = static_cast<size_t>(ty) * p.dstW + tx;
      for (int c = 0; c < 3; ++c) {
        out.u8[i * 3 + c] = static_cast<uint8_t>(rgb[c]);
        // As a TypeScript oracle would: constants through Math.fround, the expression in double.
        const float a = static_cast<float>(1 / (255 * static_cast<double>(p.std[c])));
        const float b = static_cast<float>(-static_cast<double>(p.mean[c]) / p.std[c]);
        out.f32[c * plane + i] = static_cast<float>(rgb[c] * static_cast<double>(a) + b);
      }
    }
  }
  return out;
}

// ---- runners ----

LumaScratch lumaScratch;
CropScratch cropScratch;

std::vector<uint8_t> runLuma(SimdLevel level, const Frame& f, int dw, int dh) {
  const ptrdiff_t stride = dw + 3;  // a padded stride; the last row has no padding
  Guarded out(static_cast<size_t>(stride) * (dh - 1) + dw);
  std::memset(out.data(), 0xA5, out.size());
  toLuma(level, f, out.data(), dw, dh, stride, lumaScratch);
  std::vector<uint8_t> packed(static_cast<size_t>(dw) * dh);
  bool padKept = true;
  for (int y = 0; y < dh; ++y) {
    std::memcpy(packed.data() + static_cast<size_t>(y) * dw, out.data() + y * stride,
                static_cast<size_t>(dw));
    for (int x = dw; x < stride && y + 1 < dh; ++x) padKept = padKept && out.data()[y * stride + x] == 0xA5;
  }
  check(padKept, "toLuma leaves the stride padding alone");
  return packed;
}

void testLuma(PixelFormat fmt, int sw, int sh, int dw, int dh, std::mt19937& rng) {
  TestFrame tf(fmt, sw, sh, rng);
  char name[128];
  std::snprintf(name, sizeof name, "toLuma %s %dx%d -> %dx%d", formatName(fmt), sw, sh, dw, dh);
  const std::vector<uint8_t> scalar = runLuma(SimdLevel::Scalar, tf.frame, dw, dh);
  check(scalar == refLuma(tf.frame, dw, dh), std::string(name) + " scalar matches the definition");
  for (SimdLevel l : simdLevels()) {
    check(runLuma(l, tf.frame, dw, dh) == scalar, std::string(name) + " " + simdName(l) + " matches scalar");
  }
}

CropParams params(Rect roi, int dw, int dh, TensorLayout layout, bool letterbox) {
  CropParams p{roi, dw, dh, layout, letterbox, 114, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  return p;
}

struct CropRun {
  CropMapping m;
  std::vector<uint8_t> bytes;
};

CropRun runCrop(SimdLevel level, const Frame& f, const CropParams& p) {
  const size_t n = static_cast<size_t>(p.dstW) * p.dstH * 3 * (p.layout == TensorLayout::NchwF32 ? 4 : 1);
  Guarded out(n);
  std::memset(out.data(), 0xA5, n);  // anything left unwritten shows up against the reference
  CropRun r{cropResize(level, f, p, out.data(), cropScratch), {}};
  r.bytes.assign(out.data(), out.data() + n);
  return r;
}

bool sameMapping(const CropMapping& a, const CropMapping& b) {
  return a.scaleX == b.scaleX && a.scaleY == b.scaleY && a.padX == b.padX && a.padY == b.padY &&
         a.contentW == b.contentW && a.contentH == b.contentH;
}

void testCrop(const Frame& f, Rect roi, int dw, int dh, TensorLayout layout, bool letterbox) {
  const CropParams p = params(roi, dw, dh, layout, letterbox);
  char name[192];
  std::snprintf(name, sizeof name, "cropResize %s %dx%d roi(%d,%d %dx%d) -> %dx%d %s%s", formatName(f.format),
                f.width, f.height, roi.x, roi.y, roi.w, roi.h, dw, dh,
                layout == TensorLayout::NhwcU8 ? "u8" : "f32", letterbox ? " letterbox" : "");
  const CropRun scalar = runCrop(SimdLevel::Scalar, f, p);
  const RefCrop ref = refCrop(f, p);
  bool ok = sameMapping(scalar.m, ref.m);
  if (layout == TensorLayout::NhwcU8) {
    ok = ok && scalar.bytes == ref.u8;
  } else {
    std::vector<float> got(ref.f32.size());
    std::memcpy(got.data(), scalar.bytes.data(), scalar.bytes.size());
    for (size_t i = 0; ok && i < got.size(); ++i) ok = std::fabs(got[i] - ref.f32[i]) <= 1e-6f;
  }
  check(ok, std::string(name) + " scalar matches the definition");
  for (SimdLevel l : simdLevels()) {
    const CropRun r = runCrop(l, f, p);
    check(sameMapping(r.m, scalar.m) && r.bytes == scalar.bytes,
          std::string(name) + " " + simdName(l) + " matches scalar");
  }
}

// ---- hand-checked cases ----

void handChecked() {
  const uint8_t box[] = {1, 2, 3, 4};
  uint8_t out = 0;
  toLuma(SimdLevel::Scalar, {box, 2, 2, PixelFormat::Gray}, &out, 1, 1, 1, lumaScratch);
  check(out == 3, "a 2x2 box mean of 2.5 rounds half up to 3");
  const uint8_t box2[] = {0, 0, 1, 0};
  toLuma(SimdLevel::Scalar, {box2, 2, 2, PixelFormat::Gray}, &out, 1, 1, 1, lumaScratch);
  check(out == 0, "a 2x2 box mean of 0.25 rounds down to 0");
  const uint8_t up[] = {10, 21};
  uint8_t up3[3];
  toLuma(SimdLevel::Scalar, {up, 2, 1, PixelFormat::Gray}, up3, 3, 1, 3, lumaScratch);
  check(up3[0] == 10 && up3[1] == 16 && up3[2] == 21,
        "upscaling 2 -> 3 averages the straddling middle column");

  const uint8_t red[] = {255, 0, 0}, green[] = {0, 255, 0}, blue[] = {0, 0, 255}, white[] = {255, 255, 255};
  auto gray = [&](const uint8_t* px, PixelFormat f) {
    toLuma(SimdLevel::Scalar, {px, 1, 1, f}, &out, 1, 1, 1, lumaScratch);
    return out;
  };
  check(gray(red, PixelFormat::Rgb24) == 76, "RGB2GRAY of pure red is 76");
  check(gray(green, PixelFormat::Rgb24) == 150, "RGB2GRAY of pure green is 150");
  check(gray(blue, PixelFormat::Rgb24) == 29, "RGB2GRAY of pure blue is 29");
  check(gray(white, PixelFormat::Rgb24) == 255, "RGB2GRAY of white is 255");
  check(gray(blue, PixelFormat::Bgr24) == 76, "BGR2GRAY of bytes (0, 0, 255) is red, 76");

  CropParams lb = params({0, 0, 1920, 1080}, 320, 320, TensorLayout::NchwF32, true);
  std::mt19937 rng(7);
  TestFrame hd(PixelFormat::Yuv420p, 1920, 1080, rng);
  std::vector<float> tensor(320 * 320 * 3);
  const CropMapping m = cropResize(SimdLevel::Scalar, hd.frame, lb, tensor.data(), cropScratch);
  check(m.contentW == 320 && m.contentH == 180 && m.padX == 0 && m.padY == 70,
        "a 1920x1080 ROI letterboxed into 320x320 is 320x180 with 70 rows of padding above");
  const float padValue =
      std::fma(114.0f, static_cast<float>(1 / (255 * 0.229)), static_cast<float>(-0.485 / 0.229));
  check(tensor[0] == padValue && tensor[69 * 320 + 319] == padValue && tensor[250 * 320] == padValue,
        "letterbox padding holds the normalised pad value");

  // BT.601 limited-range red (Y 81, U 90, V 240) and mid grey (128, 128, 128) from flat frames.
  const struct {
    int y, u, v, r, g, b;
  } flats[] = {{81, 90, 240, 255, 0, 0},
               {128, 128, 128, 130, 130, 130},
               {16, 128, 128, 0, 0, 0},
               {235, 128, 128, 255, 255, 255}};
  for (const auto& c : flats) {
    for (PixelFormat f : {PixelFormat::Yuv420p, PixelFormat::Nv12}) {
      Guarded buf(frameBytes(f, 9, 7));
      std::memset(buf.data(), c.y, 63);
      for (size_t i = 63; i < buf.size(); ++i)
        buf.data()[i] = static_cast<uint8_t>(f == PixelFormat::Nv12 ? ((i - 63) % 2 ? c.v : c.u)
                                                                    : (i - 63 < 20 ? c.u : c.v));
      for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
        if (simdCompiled(l) && !simdSupported(l)) continue;
        uint8_t rgb[5 * 3 * 3];
        cropResize(l, {buf.data(), 9, 7, f}, params({1, 2, 7, 5}, 5, 3, TensorLayout::NhwcU8, false), rgb,
                   cropScratch);
        bool ok = true;
        for (int i = 0; i < 15; ++i)
          ok = ok && rgb[3 * i] == c.r && rgb[3 * i + 1] == c.g && rgb[3 * i + 2] == c.b;
        char name[128];
        std::snprintf(name, sizeof name, "flat %s (Y %d, U %d, V %d) converts to RGB (%d, %d, %d) at %s",
                      formatName(f), c.y, c.u, c.v, c.r, c.g, c.b, simdName(l));
        check(ok, name);
      }
    }
  }

  // An ROI the size of the tensor samples pixel centres exactly: a plain copy.
  TestFrame rgbFrame(PixelFormat::Rgb24, 33, 21, rng);
  std::vector<uint8_t> copy(17 * 9 * 3);
  cropResize(bestSimdLevel(), rgbFrame.frame, params({5, 4, 17, 9}, 17, 9, TensorLayout::NhwcU8, false),
             copy.data(), cropScratch);
  bool same = true;
  for (int y = 0; y < 9; ++y)
    same = same && std::memcmp(&copy[y * 51], rgbFrame.frame.data + ((y + 4) * 33 + 5) * 3, 51) == 0;
  check(same, "a same-size rgb24 crop copies the ROI");

  // Steady state allocates nothing: a repeated call keeps every scratch buffer where it was.
  const void* before[] = {cropScratch.xIndex.data(), cropScratch.yCoeff.data(), lumaScratch.rowSums.data()};
  cropResize(bestSimdLevel(), hd.frame, lb, tensor.data(), cropScratch);
  std::vector<uint8_t> small(640 * 360);
  toLuma(bestSimdLevel(), hd.frame, small.data(), 640, 360, 640, lumaScratch);
  toLuma(bestSimdLevel(), hd.frame, small.data(), 640, 360, 640, lumaScratch);
  const void* rowSums = lumaScratch.rowSums.data();
  toLuma(bestSimdLevel(), hd.frame, small.data(), 640, 360, 640, lumaScratch);
  check(before[0] == cropScratch.xIndex.data() && before[1] == cropScratch.yCoeff.data() &&
            rowSums == lumaScratch.rowSums.data(),
        "repeated calls reuse the scratch buffers");
}

// ---- bench ----

template <typename Fn>
void bench(const char* name, double pixels, Fn fn) {
  std::vector<SimdLevel> levels = {SimdLevel::Scalar};
  for (SimdLevel l : {SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (simdSupported(l)) levels.push_back(l);
  }
  std::vector<std::vector<double>> ns(levels.size());
  for (int trial = 0; trial < 23; ++trial) {  // levels alternate inside each trial; trial 0 warms up
    for (size_t k = 0; k < levels.size(); ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      fn(levels[k]);
      const double t =
          std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
      if (trial > 0) ns[k].push_back(t);
    }
  }
  std::printf("%-56s", name);
  for (size_t k = 0; k < levels.size(); ++k) {
    std::sort(ns[k].begin(), ns[k].end());
    const double med = ns[k][ns[k].size() / 2];
    std::printf("  %s %.3f ns/px (%.0f us)", simdName(levels[k]), med / pixels, med / 1000);
  }
  std::printf("\n");
}

void runBench() {
  std::mt19937 rng(1);
  TestFrame yuv(PixelFormat::Yuv420p, 1920, 1080, rng), rgb(PixelFormat::Rgb24, 1920, 1080, rng),
      gray(PixelFormat::Gray, 640, 360, rng);
  std::vector<uint8_t> luma(1920 * 1080);
  std::vector<float> tensor(320 * 320 * 3);
  std::printf("median of 22 runs, ns per output pixel (per call)\n");
  bench("toLuma yuv420p 1920x1080 -> 640x360", 640 * 360,
        [&](SimdLevel l) { toLuma(l, yuv.frame, luma.data(), 640, 360, 640, lumaScratch); });
  bench("toLuma rgb24 1920x1080 -> 640x360", 640 * 360,
        [&](SimdLevel l) { toLuma(l, rgb.frame, luma.data(), 640, 360, 640, lumaScratch); });
  bench("toLuma gray 640x360 same size", 640 * 360,
        [&](SimdLevel l) { toLuma(l, gray.frame, luma.data(), 640, 360, 640, lumaScratch); });
  const CropParams full = params({0, 0, 1920, 1080}, 320, 320, TensorLayout::NchwF32, true);
  bench("cropResize yuv420p 1920x1080 -> 320x320 f32 letterbox", 320 * 320,
        [&](SimdLevel l) { cropResize(l, yuv.frame, full, tensor.data(), cropScratch); });
  const CropParams roi = params({700, 300, 400, 300}, 320, 320, TensorLayout::NhwcU8, false);
  bench("cropResize yuv420p roi 400x300 -> 320x320 u8", 320 * 320,
        [&](SimdLevel l) { cropResize(l, yuv.frame, roi, tensor.data(), cropScratch); });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--bench") == 0) {
    runBench();
    return 0;
  }
  std::mt19937 rng(20240611);
  handChecked();

  // toLuma: same size, integer factors (1..6, mixed, huge), non-integer and upscaling.
  const int lumaCases[][4] = {{1, 1, 1, 1},
                              {3, 7, 3, 7},
                              {3, 7, 1, 1},
                              {3, 7, 3, 1},
                              {3, 7, 1, 7},
                              {17, 9, 17, 9},
                              {17, 9, 5, 4},
                              {17, 9, 40, 21},
                              {3, 7, 10, 20},
                              {641, 361, 641, 361},
                              {641, 361, 320, 180},
                              {641, 361, 213, 120},
                              {1920, 1080, 640, 360},
                              {1280, 720, 640, 360},
                              {2560, 1440, 640, 360},
                              {1920, 1080, 384, 216},
                              {1920, 1080, 960, 1080},
                              {1920, 1080, 1920, 540},
                              {1920, 1080, 640, 480},
                              {1920, 1080, 1, 1},
                              {96, 96, 16, 16},
                              {100, 50, 50, 25},
                              {99, 33, 33, 11},
                              {200, 60, 50, 15},
                              {1000, 3, 125, 1},
                              {7, 300, 1, 60},
                              {130, 70, 130, 35},
                              {390, 90, 130, 30}};
  for (const auto& c : lumaCases) {
    for (PixelFormat f : kFormats) testLuma(f, c[0], c[1], c[2], c[3], rng);
  }

  // cropResize: full frames, ROIs on every edge, 1-pixel ROIs, up and down scaling, odd tensors.
  struct FrameCase {
    int w, h;
    std::vector<Rect> rois;
  };
  const FrameCase frames[] = {
      {1, 1, {{0, 0, 1, 1}}},
      {3, 7, {{0, 0, 3, 7}, {2, 6, 1, 1}, {1, 0, 2, 7}}},
      {17, 9, {{0, 0, 17, 9}, {16, 0, 1, 9}, {5, 3, 12, 6}, {0, 8, 17, 1}}},
      {641, 361, {{0, 0, 641, 361}, {600, 300, 41, 61}, {1, 1, 333, 200}, {640, 0, 1, 361}}},
      {1920, 1080, {{0, 0, 1920, 1080}, {1520, 780, 400, 300}, {0, 1000, 333, 80}, {1919, 1079, 1, 1}}},
  };
  // 443 wide: a 1920 ROI at ~4.3x mixes window and gathered lanes within one row.
  const int tensors[][2] = {{1, 1}, {7, 5}, {37, 19}, {320, 320}, {64, 33}, {443, 21}};
  for (PixelFormat f : kFormats) {
    for (const FrameCase& fc : frames) {
      TestFrame tf(f, fc.w, fc.h, rng);
      for (const Rect& roi : fc.rois) {
        for (const auto& t : tensors) {
          for (bool letterbox : {false, true}) {
            for (TensorLayout layout : {TensorLayout::NhwcU8, TensorLayout::NchwF32}) {
              testCrop(tf.frame, roi, t[0], t[1], layout, letterbox);
            }
          }
        }
      }
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
