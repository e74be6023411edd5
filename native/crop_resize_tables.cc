// cropResize's per-call setup: the letterbox mapping and the sampling tables, computed once per call
// in double exactly as crop_resize.h defines them, so every SIMD level reads identical weights.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "crop_resize.h"
#include "crop_resize_impl.h"

namespace panoptes {

namespace {

template <typename T>
T* grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

struct Tap {
  int index;  // first sample, clamped; the second is index + 1 unless frac == 0
  int frac;   // 11-bit weight of the second sample, 0..2048
};

// s is clamped to [0, hi] first, so truncation is the definition's floor (and avoids a libm call
// per column on baseline x86-64, which has no roundsd).
Tap tap(double s) {
  const int i = static_cast<int>(s);
  return {i, static_cast<int>((s - i) * 2048 + 0.5)};
}

double clampTo(double v, int hi) {
  return std::min(std::max(v, 0.0), static_cast<double>(hi));
}

// Weights packed for pmaddwd: low 16 bits weigh the first sample, high 16 bits the second.
int32_t packWeights(int frac) {
  return static_cast<int32_t>((2048 - frac) | (frac << 16));
}

// One pshufb mask per lane of 4 content pixels over the 16 bytes starting at the lane's first tap:
// pixel k's taps (at d and d + step) land in the 16-bit halves of 32-bit lane k. `extra` keeps
// room for the same mask shifted by 1 or 2 (nv12 V, RGB G and B). A lane whose taps do not fit in
// 16 bytes (a steep downscale) is marked -1 and sampled tap by tap.
void laneMasks(const int32_t* off, int n, int step, int extra, int32_t* masks) {
  for (int q = 0; 4 * q < n; ++q) {
    uint8_t m[16];
    std::memset(m, 0x80, sizeof m);
    bool fits = true;
    for (int k = 0; k < 4 && 4 * q + k < n; ++k) {
      const int d = off[4 * q + k] - off[4 * q];
      fits = fits && d + step + extra <= 15;
      m[4 * k] = static_cast<uint8_t>(fits ? d : 0);
      m[4 * k + 2] = static_cast<uint8_t>(fits ? d + step : 0);
    }
    std::memcpy(masks + 4 * q, m, sizeof m);
    if (!fits) masks[4 * q] = -1;
  }
}

}  // namespace

CropMapping cropMapping(const CropParams& p) {
  CropMapping m{};
  m.contentW = p.dstW;
  m.contentH = p.dstH;
  if (p.letterbox) {
    const double s = std::min(static_cast<double>(p.dstW) / p.roi.w, static_cast<double>(p.dstH) / p.roi.h);
    m.contentW = std::clamp(static_cast<int>(std::floor(p.roi.w * s + 0.5)), 1, p.dstW);
    m.contentH = std::clamp(static_cast<int>(std::floor(p.roi.h * s + 0.5)), 1, p.dstH);
    m.padX = (p.dstW - m.contentW) / 2;
    m.padY = (p.dstH - m.contentH) / 2;
  }
  m.scaleX = static_cast<double>(m.contentW) / p.roi.w;
  m.scaleY = static_cast<double>(m.contentH) / p.roi.h;
  return m;
}

// Layout (read by the row kernels, crop_resize_impl.h and simd/crop_resize_*.cc), cw/ch = content size:
//   xIndex[cx] byte offset of the first luma/gray/RGB sample in its row, xIndex[cw + cx] byte offset
//   of the first chroma sample (U/V plane, or UV pairs for nv12); xCoeff likewise, packed weights.
//   xIndex[2cw + cx .. + 4) (cx a multiple of 4) the lane mask for luma taps, xIndex[2cw + L + cx ..)
//   for chroma taps, L = cw rounded up to 4 (see laneMasks).
//   yIndex[cy] first luma row, yIndex[ch + cy] first chroma row; yCoeff the plain 11-bit fractions.
void buildCropTables(const Frame& f, const CropParams& p, const CropMapping& m, CropScratch& s) {
  const bool yuv = f.format == PixelFormat::Yuv420p || f.format == PixelFormat::Nv12;
  const bool rgb = f.format == PixelFormat::Rgb24 || f.format == PixelFormat::Bgr24;
  const int bpp = rgb ? 3 : 1, chromaBpp = f.format == PixelFormat::Nv12 ? 2 : 1;
  const int cw = m.contentW, ch = m.contentH;
  const int chromaW = static_cast<int>(chromaWidth(f.width)),
            chromaH = static_cast<int>(chromaHeight(f.height));

  const int lanes = (cw + 3) / 4 * 4;
  int32_t* xIndex = grow(s.xIndex, 2 * static_cast<size_t>(cw) + 2 * static_cast<size_t>(lanes));
  int32_t* xCoeff = grow(s.xCoeff, 2 * static_cast<size_t>(cw));
  for (int cx = 0; cx < cw; ++cx) {
    const double sx = clampTo((cx + 0.5) * p.roi.w / cw - 0.5, p.roi.w - 1);
    const Tap t = tap(sx);
    xIndex[cx] = (p.roi.x + t.index) * bpp;
    xCoeff[cx] = packWeights(t.frac);
    if (yuv) {
      const Tap c = tap(clampTo((p.roi.x + sx + 0.5) / 2 - 0.5, chromaW - 1));
      xIndex[cw + cx] = c.index * chromaBpp;
      xCoeff[cw + cx] = packWeights(c.frac);
    }
  }

  laneMasks(xIndex, cw, bpp, rgb ? 2 : 0, xIndex + 2 * cw);
  if (yuv) laneMasks(xIndex + cw, cw, chromaBpp, chromaBpp - 1, xIndex + 2 * cw + lanes);

  int32_t* yIndex = grow(s.yIndex, 2 * static_cast<size_t>(ch));
  int32_t* yCoeff = grow(s.yCoeff, 2 * static_cast<size_t>(ch));
  for (int cy = 0; cy < ch; ++cy) {
    const double sy = clampTo((cy + 0.5) * p.roi.h / ch - 0.5, p.roi.h - 1);
    const Tap t = tap(sy);
    yIndex[cy] = p.roi.y + t.index;
    yCoeff[cy] = t.frac;
    if (yuv) {
      const Tap c = tap(clampTo((p.roi.y + sy + 0.5) / 2 - 0.5, chromaH - 1));
      yIndex[ch + cy] = c.index;
      yCoeff[ch + cy] = c.frac;
    }
  }
}

}  // namespace panoptes
