// Connected components of the motion mask; internal to motion.cc, split out to keep each file to one
// concept (the fused pass there, the labelling here).
#pragma once

#include "frame.h"
#include "motion.h"

namespace panoptes {

// 8-connected components of `mask` (0/1 bytes, stride = width) inside `bbox`, which must hold every
// set byte. Sets stats.components and stats.boxes and writes the boxes as motion() documents.
void motionComponents(const uint8_t* mask, int width, const Rect& bbox, const MotionParams& params,
                      MotionBox* boxes, MotionStats& stats, MotionScratch& scratch);

}  // namespace panoptes
