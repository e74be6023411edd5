// motion: fused frame differencing of two luma planes (absdiff, threshold, count, bbox, grid) plus
// connected-component boxes of the thresholded mask.
#pragma once
#include <vector>

#include "frame.h"
#include "simd/level.h"

namespace panoptes {

struct MotionParams {
  int threshold;  // a pixel changed when |cur - ref| > threshold (cv2.THRESH_BINARY semantics), 0..255
  int minArea;    // components with fewer pixels are not reported (still counted in `changed`)
  int gridCols;   // coarse motion grid: gridCols x gridRows cells of changed-pixel counts
  int gridRows;
  int maxBoxes;           // capacity of the caller's box array; 0 skips labelling (components = 0)
  float alpha;            // background mode only: weight of the current frame in the running average
  float foregroundAlpha;  // background mode only: the weight at pixels that changed (alpha: no difference)
};

struct MotionBox {
  int x, y, w, h;
  int area;  // changed pixels in the component
};

struct MotionStats {
  uint64_t changed;                // changed (and not excluded) pixels
  int bboxX, bboxY, bboxW, bboxH;  // of all changed pixels; all 0 when none changed
  int components;                  // components with area >= minArea (may exceed maxBoxes)
  int boxes;                       // boxes written: min(components, maxBoxes), largest area first
};

struct MotionScratch {
  std::vector<uint8_t> mask;     // thresholded mask, 1 = changed
  std::vector<int32_t> labels;   // provisional component labels
  std::vector<int32_t> parent;   // union-find over provisional labels
  std::vector<MotionBox> comps;  // per-label bounds before sorting
};

// Reference is either a previous luma plane (`ref`) or a running-average background (`background`,
// float32 per pixel, updated in place AFTER differencing: bg += a * (cur - bg), i.e.
// cv2.accumulateWeighted, where a is foregroundAlpha at pixels found changed and alpha elsewhere: a low
// foreground weight keeps a passing object out of the background, so it leaves no trail behind it). In
// background mode the compared value is the background rounded half to
// even and saturated to 0..255 (cv2.convertScaleAbs). Exactly one of ref/background is non-null.
// `exclude` (nullable, stride = width) marks pixels to ignore with a non-zero byte.
// Grid cell of pixel (x, y): col = x * gridCols / width, row = y * gridRows / height (integer math).
// Components: 8-connectivity (cv2.connectedComponentsWithStats default) over the mask; sorted by
// area descending, ties by y then x of the bbox, then by raster order of the component's first pixel
// (OpenCV's label order). `grid` has gridCols*gridRows entries.
// Strides: `ref` uses cur.stride; `background`, `exclude` and the mask are packed (stride = width).
// The background is clamped to 0..255 before rounding, so a NaN background compares as 0.
void motion(SimdLevel level, const Plane& cur, const uint8_t* ref, float* background, const uint8_t* exclude,
            const MotionParams& params, uint32_t* grid, MotionBox* boxes, MotionStats& stats,
            MotionScratch& scratch);

}  // namespace panoptes
