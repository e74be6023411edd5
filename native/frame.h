// Plain frame and plane descriptors shared by every kernel. No Node-API types here: kernels are
// plain functions over pointers, sizes and strides so they can be tested and benchmarked alone.
#pragma once
#include <cstddef>
#include <cstdint>

namespace panoptes {

// Packed layouts exactly as ffmpeg's rawvideo muxer writes them (no row padding).
// yuv420p: Y (w*h), U (cw*ch), V (cw*ch) with cw = (w+1)/2, ch = (h+1)/2.
// nv12:    Y (w*h), interleaved UV (2*cw*ch).
// rgb24 / bgr24: 3 bytes a pixel. gray: 1 byte a pixel.
enum class PixelFormat : int { Gray = 0, Yuv420p = 1, Nv12 = 2, Rgb24 = 3, Bgr24 = 4 };

struct Frame {
  const uint8_t* data;
  int width;
  int height;
  PixelFormat format;
};

// One 8-bit plane; stride is the distance in bytes between rows (>= width).
struct Plane {
  const uint8_t* data;
  int width;
  int height;
  ptrdiff_t stride;
};

struct Rect {
  int x;
  int y;
  int w;
  int h;
};

inline size_t chromaWidth(int w) {
  return static_cast<size_t>((w + 1) / 2);
}
inline size_t chromaHeight(int h) {
  return static_cast<size_t>((h + 1) / 2);
}

// Bytes of a packed frame; the binding checks buffers against this before any kernel runs.
inline size_t frameBytes(PixelFormat f, int w, int h) {
  const size_t luma = static_cast<size_t>(w) * static_cast<size_t>(h);
  switch (f) {
    case PixelFormat::Gray:
      return luma;
    case PixelFormat::Yuv420p:
    case PixelFormat::Nv12:
      return luma + 2 * chromaWidth(w) * chromaHeight(h);
    case PixelFormat::Rgb24:
    case PixelFormat::Bgr24:
      return luma * 3;
  }
  return 0;
}

}  // namespace panoptes
