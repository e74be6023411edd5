// sharpness: focus measures of a plane (or an ROI view of one) used to choose best shots.
#pragma once

#include "frame.h"
#include "simd/level.h"

namespace panoptes {

struct Sharpness {
  double tenengrad;          // mean over all pixels of Gx^2 + Gy^2, 3x3 Sobel (cv2.Sobel ksize=3)
  double laplacianVariance;  // variance (population) of the 3x3 Laplacian [0 1 0; 1 -4 1; 0 1 0]
                             // (cv2.Laplacian ksize=1)
  double mean;               // mean pixel value (a best shot's brightness, measured in the same call)
};

// Border rule: BORDER_REFLECT_101 (OpenCV's default: ...gfedcb|abcdefgh|gfedcba...) applied at the
// edges of the given plane. An ROI is passed as a view (data offset, ROI size, parent stride) and is
// treated as an isolated image, as cv2 does for a sliced numpy array. For a 1-pixel dimension the
// reflected neighbour is the pixel itself. Sums are exact in 64-bit integers.
Sharpness sharpness(SimdLevel level, const Plane& plane);

// Mean pixel value of the plane (0 for an empty one): a plain row sum the compiler vectorises.
double meanPixel(const Plane& plane);

}  // namespace panoptes
