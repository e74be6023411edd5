// The binding: argument checks (addon_args.h) and calls into plain kernels. Per-thread state lives in
// the Addon instance (one per environment, so each worker thread has its own scratch) — no globals.
#include <napi.h>

#include <climits>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "addon_args.h"
#include "addon_pipe.h"
#include "addon_process.h"
#include "kernels.h"

namespace panoptes {
namespace {

constexpr int kMaxSide = 16384;
constexpr int kMaxTensorSide = 4096;

Frame frameArg(const Napi::CallbackInfo& info, size_t srcIndex, size_t formatIndex, size_t widthIndex) {
  const PixelFormat format = args::pixelFormat(info, formatIndex);
  const int width = args::integer(info, widthIndex, "width", 1, kMaxSide);
  const int height = args::integer(info, widthIndex + 1, "height", 1, kMaxSide);
  auto src = args::typedArrayOfLength<uint8_t>(info, srcIndex, "src", "a Uint8Array",
                                               frameBytes(format, width, height));
  return Frame{src.data, width, height, format};
}

Rect roiArg(const Napi::CallbackInfo& info, size_t index, int width, int height) {
  Rect roi;
  roi.x = args::integer(info, index, "roi.x", 0, width - 1);
  roi.y = args::integer(info, index + 1, "roi.y", 0, height - 1);
  roi.w = args::integer(info, index + 2, "roi.width", 1, width - roi.x);
  roi.h = args::integer(info, index + 3, "roi.height", 1, height - roi.y);
  return roi;
}

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceMethod("simd", &Addon::Simd),
                             InstanceMethod("frameBytes", &Addon::FrameBytes),
                             InstanceMethod("toLuma", &Addon::ToLuma),
                             InstanceMethod("motion", &Addon::Motion),
                             InstanceMethod("sharpness", &Addon::Sharpness),
                             InstanceMethod("cropResize", &Addon::CropResize),
                             InstanceMethod("stampEpochMs", &Addon::StampEpochMs),
                             InstanceMethod("trimHeap", &Addon::TrimHeap),
                         });
    exportProcessFunctions(env, exports);
    exportPipeFunctions(env, exports);
  }

 private:
  LumaScratch luma_;
  MotionScratch motion_;
  CropScratch crop_;

  // { compiled: string[], supported: string[], best: string } — best honours PANOPTES_SIMD.
  Napi::Value Simd(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array compiled = Napi::Array::New(env);
    Napi::Array supported = Napi::Array::New(env);
    for (int i = 0; i <= 3; i++) {
      const auto level = static_cast<SimdLevel>(i);
      if (simdCompiled(level)) compiled.Set(compiled.Length(), simdName(level));
      if (simdSupported(level)) supported.Set(supported.Length(), simdName(level));
    }
    Napi::Object report = Napi::Object::New(env);
    report.Set("compiled", compiled);
    report.Set("supported", supported);
    report.Set("best", simdName(bestSimdLevel()));
    return report;
  }

  Napi::Value FrameBytes(const Napi::CallbackInfo& info) {
    const PixelFormat format = args::pixelFormat(info, 0);
    const int width = args::integer(info, 1, "width", 1, kMaxSide);
    const int height = args::integer(info, 2, "height", 1, kMaxSide);
    return Napi::Number::New(info.Env(), static_cast<double>(frameBytes(format, width, height)));
  }

  // toLuma(src, format, width, height, dst, dstWidth, dstHeight, level)
  Napi::Value ToLuma(const Napi::CallbackInfo& info) {
    const Frame frame = frameArg(info, 0, 1, 2);
    const int dstW = args::integer(info, 5, "dstWidth", 1, kMaxSide);
    const int dstH = args::integer(info, 6, "dstHeight", 1, kMaxSide);
    auto dst = args::typedArrayOfLength<uint8_t>(info, 4, "dst", "a Uint8Array",
                                                 static_cast<size_t>(dstW) * static_cast<size_t>(dstH));
    const SimdLevel level = args::simdLevel(info, 7);
    toLuma(level, frame, dst.data, dstW, dstH, dstW, luma_);
    return info.Env().Undefined();
  }

  // motion(cur, ref, width, height, threshold, minArea, alpha, foregroundAlpha, exclude, grid, gridCols,
  // gridRows,
  //        boxes, stats, level)
  // ref is the previous luma plane (Uint8Array) or a running background (Float32Array, updated in place).
  // boxes: Int32Array of 5 * maxBoxes (x, y, w, h, area); stats: Float64Array(7)
  // (changed, bboxX, bboxY, bboxW, bboxH, components, boxes).
  Napi::Value Motion(const Napi::CallbackInfo& info) {
    const int width = args::integer(info, 2, "width", 1, kMaxSide);
    const int height = args::integer(info, 3, "height", 1, kMaxSide);
    const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
    auto cur = args::typedArrayOfLength<uint8_t>(info, 0, "cur", "a Uint8Array", pixels);
    const uint8_t* ref = nullptr;
    float* background = nullptr;
    if (args::isTypedArrayOf<float>(info[1])) {
      background = args::typedArrayOfLength<float>(info, 1, "ref", "a Float32Array", pixels).data;
    } else {
      ref = args::typedArrayOfLength<uint8_t>(info, 1, "ref", "a Uint8Array or Float32Array", pixels).data;
    }
    MotionParams params{};
    params.threshold = args::integer(info, 4, "threshold", 0, 255);
    params.minArea = args::integer(info, 5, "minArea", 0, std::numeric_limits<int>::max());
    params.alpha = static_cast<float>(args::number(info, 6, "alpha", background ? 1e-6 : 0.0, 1.0));
    params.foregroundAlpha = static_cast<float>(args::number(info, 7, "foregroundAlpha", 0.0, 1.0));
    const uint8_t* exclude = nullptr;
    if (!info[8].IsUndefined() && !info[8].IsNull()) {
      exclude = args::typedArrayOfLength<uint8_t>(info, 8, "exclude", "a Uint8Array or null", pixels).data;
    }
    params.gridCols = args::integer(info, 10, "gridCols", 1, 1024);
    params.gridRows = args::integer(info, 11, "gridRows", 1, 1024);
    auto grid = args::typedArrayOfLength<uint32_t>(info, 9, "grid", "a Uint32Array",
                                                   static_cast<size_t>(params.gridCols) * params.gridRows);
    auto boxes = args::typedArray<int32_t>(info, 12, "boxes", "an Int32Array");
    if (boxes.length % 5 != 0) {
      args::fail(info.Env(), true, "an Int32Array whose length is a multiple of 5", "boxes", info[12]);
    }
    params.maxBoxes = static_cast<int>(std::min<size_t>(boxes.length / 5, 1 << 20));
    auto statsOut = args::typedArrayOfLength<double>(info, 13, "stats", "a Float64Array", 7);
    const SimdLevel level = args::simdLevel(info, 14);

    MotionStats stats{};
    static_assert(sizeof(MotionBox) == 5 * sizeof(int32_t),
                  "MotionBox is written straight into the Int32Array");
    motion(level, Plane{cur.data, width, height, width}, ref, background, exclude, params, grid.data,
           reinterpret_cast<MotionBox*>(boxes.data), stats, motion_);
    double* s = statsOut.data;
    s[0] = static_cast<double>(stats.changed);
    s[1] = stats.bboxX;
    s[2] = stats.bboxY;
    s[3] = stats.bboxW;
    s[4] = stats.bboxH;
    s[5] = stats.components;
    s[6] = stats.boxes;
    return info.Env().Undefined();
  }

  // sharpness(plane, width, height, roiX, roiY, roiWidth, roiHeight, out: Float64Array(3), level):
  // out = [tenengrad, laplacianVariance, mean]
  Napi::Value Sharpness(const Napi::CallbackInfo& info) {
    const int width = args::integer(info, 1, "width", 1, kMaxSide);
    const int height = args::integer(info, 2, "height", 1, kMaxSide);
    auto plane = args::typedArrayOfLength<uint8_t>(info, 0, "plane", "a Uint8Array",
                                                   static_cast<size_t>(width) * static_cast<size_t>(height));
    const Rect roi = roiArg(info, 3, width, height);
    auto out = args::typedArrayOfLength<double>(info, 7, "out", "a Float64Array", 3);
    const SimdLevel level = args::simdLevel(info, 8);
    const uint8_t* origin = plane.data + static_cast<size_t>(roi.y) * width + roi.x;
    const panoptes::Sharpness s = sharpness(level, Plane{origin, roi.w, roi.h, width});
    out.data[0] = s.tenengrad;
    out.data[1] = s.laplacianVariance;
    out.data[2] = s.mean;
    return info.Env().Undefined();
  }

  // stampEpochMs(target: Float64Array, index, offsetMs): target[index] = CLOCK_MONOTONIC ms + offsetMs.
  // Writes instead of returning: a returned double is a fresh 16 B HeapNumber on the JS heap, which is
  // what every JS clock read costs in Node 20 and what this entry point exists to avoid per frame.
  Napi::Value StampEpochMs(const Napi::CallbackInfo& info) {
    auto target = args::typedArray<double>(info, 0, "target", "a Float64Array");
    if (target.length == 0) args::fail(info.Env(), true, "a non-empty Float64Array", "target", info[0]);
    const size_t at = args::index(info, 1, "index", target.length);
    const double offsetMs = args::finiteNumber(info, 2, "offsetMs");
    target.data[at] = monotonicMs() + offsetMs;
    return info.Env().Undefined();
  }

  // trimHeap() -> 1 (memory released), 0 (none), -1 (no malloc_trim here); src/native/heap.ts.
  Napi::Value TrimHeap(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), trimHeap()); }

  // cropResize(src, format, width, height, roiX, roiY, roiWidth, roiHeight, dst, dstWidth, dstHeight,
  //            letterbox, pad, norm, mapping, level)
  // dst: Uint8Array (RGB NHWC) or Float32Array (RGB NCHW); norm: Float32Array(6) mean[3], std[3] or null;
  // mapping: Float64Array(6) (scaleX, scaleY, padX, padY, contentWidth, contentHeight).
  Napi::Value CropResize(const Napi::CallbackInfo& info) {
    const Frame frame = frameArg(info, 0, 1, 2);
    CropParams params{};
    params.roi = roiArg(info, 4, frame.width, frame.height);
    params.dstW = args::integer(info, 9, "dstWidth", 1, kMaxTensorSide);
    params.dstH = args::integer(info, 10, "dstHeight", 1, kMaxTensorSide);
    const size_t values = static_cast<size_t>(params.dstW) * static_cast<size_t>(params.dstH) * 3;
    void* dst;
    if (args::isTypedArrayOf<float>(info[8])) {
      params.layout = TensorLayout::NchwF32;
      dst = args::typedArrayOfLength<float>(info, 8, "dst", "a Float32Array", values).data;
    } else {
      params.layout = TensorLayout::NhwcU8;
      dst = args::typedArrayOfLength<uint8_t>(info, 8, "dst", "a Uint8Array or Float32Array", values).data;
    }
    params.letterbox = args::boolean(info, 11, "letterbox");
    params.pad = static_cast<uint8_t>(args::integer(info, 12, "pad", 0, 255));
    for (int c = 0; c < 3; c++) {
      params.mean[c] = 0.0f;
      params.std[c] = 1.0f;
    }
    if (!info[13].IsUndefined() && !info[13].IsNull()) {
      auto norm =
          args::typedArrayOfLength<float>(info, 13, "norm", "a Float32Array (mean[3], std[3]) or null", 6);
      for (int c = 0; c < 3; c++) {
        const float mean = norm.data[c];
        const float std = norm.data[3 + c];
        if (!std::isfinite(mean) || !std::isfinite(std) || !(std::fabs(std) > 1e-12f)) {
          args::fail(info.Env(), true, "finite means and non-zero finite standard deviations", "norm",
                     info[13]);
        }
        params.mean[c] = mean;
        params.std[c] = std;
      }
    }
    auto mappingOut = args::typedArrayOfLength<double>(info, 14, "mapping", "a Float64Array", 6);
    const SimdLevel level = args::simdLevel(info, 15);
    const CropMapping m = cropResize(level, frame, params, dst, crop_);
    double* out = mappingOut.data;
    out[0] = m.scaleX;
    out[1] = m.scaleY;
    out[2] = m.padX;
    out[3] = m.padY;
    out[4] = m.contentW;
    out[5] = m.contentH;
    return info.Env().Undefined();
  }
};

}  // namespace
}  // namespace panoptes

// NODE_API_ADDON pastes its argument into an identifier, so it needs an unqualified name.
using PanoptesAddon = panoptes::Addon;
NODE_API_ADDON(PanoptesAddon)
