// cropResize: ROI crop + bilinear resize + colour conversion into a detector input tensor, one pass.
#pragma once
#include <vector>

#include "frame.h"
#include "simd/level.h"

namespace panoptes {

enum class TensorLayout : int { NhwcU8 = 0, NchwF32 = 1 };

struct CropParams {
  Rect roi;        // inside the frame, w and h > 0
  int dstW, dstH;  // tensor size
  TensorLayout layout;
  bool letterbox;  // keep aspect ratio and pad
  uint8_t pad;     // pad value (all channels) before normalisation, e.g. 114 for YOLO
  float mean[3];   // NchwF32 only: out = (v / 255 - mean[c]) / std[c], channels in RGB order
  float std[3];
};

// Maps tensor coordinates back to the frame: frameX = roi.x + (tensorX - padX) / scaleX.
struct CropMapping {
  double scaleX, scaleY;
  int padX, padY;
  int contentW, contentH;  // the resized image inside the tensor
};

struct CropScratch {
  std::vector<int32_t> xIndex;  // per content column: source x0 (luma) and chroma x0
  std::vector<int32_t> xCoeff;  // 11-bit fractional weights
  std::vector<int32_t> yIndex;
  std::vector<int32_t> yCoeff;
  std::vector<uint8_t> rowRgb;  // one resized RGB row
};

// Definition (every implementation and the TypeScript oracle compute exactly this):
// - Content size: without letterbox contentW = dstW, contentH = dstH, pad 0. With letterbox
//   s = min(dstW/roi.w, dstH/roi.h), contentW = clamp(floor(roi.w*s + 0.5), 1, dstW) (likewise H),
//   padX = (dstW - contentW) / 2, padY = (dstH - contentH) / 2 (integer division);
//   scaleX = contentW / roi.w, scaleY = contentH / roi.h.
// - Sampling (OpenCV INTER_LINEAR, half-pixel centres), in double: for content column cx,
//   sx = (cx + 0.5) * roi.w / contentW - 0.5, clamped to [0, roi.w - 1]; x0 = floor(sx),
//   x1 = min(x0 + 1, roi.w - 1), fx = floor((sx - x0) * 2048 + 0.5) (11-bit); rows likewise.
//   A plane value is ((p00*(2048-fx) + p01*fx)*(2048-fy) + (p10*(2048-fx) + p11*fx)*fy + (1<<21)) >> 22
//   with p00 = P(roi.x + x0, roi.y + y0) etc.
// - rgb24/bgr24 sample each channel; gray replicates the sample to R, G and B.
// - yuv420p/nv12 sample Y at the luma position above and U, V bilinearly in the chroma plane at
//   cxs = (roi.x + sx + 0.5) / 2 - 0.5 (sx already clamped) clamped to [0, cw - 1] (rows likewise, same
//   11-bit weights and rounding), then convert with BT.601 limited range: C = Y - 16, D = U - 128, E = V -
//   128, R = clamp((298C + 409E + 128) >> 8), G = clamp((298C - 100D - 208E + 128) >> 8), B = clamp((298C +
//   516D + 128) >> 8) (arithmetic shift, clamp to 0..255).
// - Output RGB: NhwcU8 out[(y*dstW + x)*3 + c]; NchwF32 out[c*dstH*dstW + y*dstW + x] =
//   fma(v, a[c], b[c]) in float32, with a = 1 / (255 * std[c]) and b = -mean[c] / std[c] computed in
//   double and rounded to float once; one fused multiply-add in every path keeps them bit-identical.
//   Pad pixels are `pad` in every channel.
CropMapping cropResize(SimdLevel level, const Frame& src, const CropParams& params, void* dst,
                       CropScratch& scratch);

}  // namespace panoptes
