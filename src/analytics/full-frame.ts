/**
 * The full-frame picture of a best shot: the whole analysed frame at the moment of the track's best
 * view, kept with the event beside the crop. The coordinator sees the frame only while a crop slot is
 * claimed (the slab's snapshot, whole when `bestShot.frameWidth` > 0), before it knows which track a
 * detection belongs to or whether it beats that track's best, so a frame with detections is copied out
 * once (raw, 1.5 bytes a pixel for yuv420p: the cheapest form it has) and shared by the shots taken
 * from it; a copy no best shot holds is garbage. It is converted to RGB, downscaled and encoded only
 * when a track that is an event ends: once an event, never per frame.
 */
import { encodeJpeg } from './jpeg.ts';
import { copyRegion, type ShotFrame } from './shot-pixels.ts';

/**
 * Copies of whole frames for best shots, one a captured frame however many regions and detections it
 * has; the last copy is kept to be shared (one frame a camera besides those best shots hold).
 */
export class FrameHold {
  #last: ShotFrame | null = null;
  /** Frames copied out of the crop slab (one a frame with detections). */
  copies = 0;
  bytes = 0;

  /** A copy of the frame the shot can keep after its crop slot is released; the previous one when it is the same frame. */
  hold(frame: ShotFrame): ShotFrame {
    const last = this.#last;
    // Every region of a frame carries the same whole frame: the first one's copy serves them all.
    if (last !== null && last.timeMs === frame.timeMs && last.width === frame.width && last.height === frame.height) return last;
    const copy: ShotFrame = {
      data: frame.data.slice(),
      format: frame.format,
      width: frame.width,
      height: frame.height,
      timeMs: frame.timeMs,
    };
    this.copies++;
    this.bytes += copy.data.length;
    this.#last = copy;
    return copy;
  }
}

/**
 * The JPEG of a whole frame, in colour (gray for a gray frame), at most `maxWidth` wide (never
 * upscaled). The conversion runs on the caller's thread (about a millisecond at 720p, README "Full-frame
 * snapshots"), the encoding on libuv's pool; async so that a failure of either is a rejection.
 */
export async function encodeFrame(frame: ShotFrame, maxWidth: number, quality: number): Promise<Buffer> {
  const { width, height } = frame;
  const scale = Math.min(1, maxWidth / width);
  // copyRegion bounds the longer side: the one that makes the width maxWidth.
  const maxSide = Math.max(1, Math.round(Math.max(width, height) * scale));
  return encodeJpeg(copyRegion(frame, { x: 0, y: 0, width, height }, maxSide), { quality });
}
