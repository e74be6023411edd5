// toLuma: the grayscale analysis plane of a frame, area-averaged to the analysis size.
#pragma once
#include <vector>

#include "frame.h"
#include "simd/level.h"

namespace panoptes {

// Reused across calls (owned per thread by the binding) so steady state allocates nothing.
struct LumaScratch {
  std::vector<uint32_t> rowSums;
  std::vector<uint8_t> rowLuma;
  std::vector<int32_t> xIndex;
  std::vector<int32_t> xWeight;
};

// Definition (every implementation, and the TypeScript oracle, computes exactly this):
// 1. Per source pixel luma L:
//    gray: the byte; yuv420p/nv12: the Y byte as stored (no range conversion);
//    rgb24/bgr24: (R*9798 + G*19235 + B*3735 + 16384) >> 15, OpenCV 4.x's fixed-point BT.601
//    RGB2GRAY (measured equal to cv2.cvtColor on every input).
// 2. Exact area average with integer weights. In units scaled by dstW, destination column dx spans
//    [dx*srcW, (dx+1)*srcW) and source column i spans [i*dstW, (i+1)*dstW); wx(dx,i) is their
//    overlap length (sum over i = srcW). Rows likewise with wy (sum = srcH). Then
//    dst = (sum_i sum_j wx*wy*L(i,j) + (srcW*srcH)/2) / (srcW*srcH)   (integer division, uint64).
//    For integer factors this is the rounded box mean; upscaling degenerates to nearest neighbour.
void toLuma(SimdLevel level, const Frame& src, uint8_t* dst, int dstW, int dstH, ptrdiff_t dstStride,
            LumaScratch& scratch);

}  // namespace panoptes
