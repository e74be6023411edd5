/**
 * JPEG encoding of best-shot crops with sharp (libvips over mozjpeg's libjpeg-turbo API), on the libuv
 * thread pool, so the caller's thread never blocks. mozjpeg's trellis quantisation stays off by default:
 * bench/jpeg.ts measured it 2.5-7.4x slower for files 6-16% smaller, and a best shot is encoded once per
 * track, on the event path, where latency matters more than bytes. The same bench measured OpenCV's
 * direct libjpeg-turbo call 2.3-17x faster than sharp: sharp pays ~0.5 ms a call whatever the size (a
 * raw-to-raw pipeline alone costs ~0.23 ms), which is noise at one encode per track (1,500+ crops/s at
 * 144x120), and its files are 12-16% smaller (sharp optimises the Huffman tables by default).
 */
import sharp from 'sharp';

/** Packed 8-bit pixels: gray (1 channel) or RGB (3 channels, the cropResize 'nhwc-u8' layout). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface JpegOptions {
  /** 1..100, default 80. */
  quality?: number;
  /** mozjpeg's trellis quantisation and progressive scans: smaller files, slower encode. Default false. */
  mozjpeg?: boolean;
}

export const DEFAULT_JPEG_QUALITY = 80;

/** Encodes a crop; a gray image gives a one-channel JPEG. */
export function encodeJpeg(image: RawImage, options: JpegOptions = {}): Promise<Buffer> {
  const { data, width, height, channels } = image;
  const pipeline = sharp(data, { raw: { width, height, channels } });
  // sharp treats raw input as sRGB and would write three equal channels for a gray crop.
  if (channels === 1) pipeline.toColourspace('b-w');
  return pipeline.jpeg({ quality: options.quality ?? DEFAULT_JPEG_QUALITY, mozjpeg: options.mozjpeg ?? false }).toBuffer();
}
