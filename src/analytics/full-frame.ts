/**
 * The full-frame picture of a best shot: the whole analysed frame at the moment of the track's best
 * view, kept with the event beside the crop. The coordinator sees the frame only while a crop slot is
 * claimed (the slab's snapshot, whole when `bestShot.frameWidth` > 0), before it knows which track a
 * detection belongs to or whether it beats that track's best, so a frame with detections is copied out
 * once (raw, 1.5 bytes a pixel for yuv420p: the cheapest form it has) and shared by the shots taken
 * from it; a copy no best shot holds goes back to the site's pool of buffers (frame-pool.ts). It is
 * converted to RGB, downscaled and encoded only when a track that is an event ends: once an event,
 * never per frame.
 */
import { FramePool } from './frame-pool.ts';
import { encodeJpeg } from './jpeg.ts';
import { copyRegion, type ShotFrame } from './shot-pixels.ts';

const RELEASED = new Uint8Array(0);

/**
 * A whole-frame copy shared by the best shots taken from it; its buffer goes back to the pool
 * when the last one lets go. A released copy's `data` is empty, so a stale reader fails on the size
 * instead of reading the next frame copied into that buffer.
 */
export class HeldFrame implements ShotFrame {
  refs = 1;

  constructor(
    public data: Uint8Array,
    readonly format: ShotFrame['format'],
    readonly width: number,
    readonly height: number,
    readonly timeMs: number,
    private readonly hold: FrameHold,
  ) {}

  /** One holder lets go; the last one returns the buffer to the pool. */
  release(): void {
    if (this.refs <= 0) throw new Error(`frame ${this.timeMs} released more often than held`);
    if (--this.refs === 0) this.hold.recycle(this);
  }
}

/**
 * A camera's copies of whole frames for best shots, one a captured frame however many regions and
 * detections it has, into recycled buffers of the site's pool: at 50 busy cameras a new best shot
 * copied a 640x360 frame on most frames, 57 MB/s of fresh ArrayBuffers that kept V8 in back-to-back
 * mark-compacts.
 */
export class FrameHold {
  #last: HeldFrame | null = null;
  readonly #pool: FramePool;
  /** Frames copied out of the crop slab (one a frame with detections). */
  copies = 0;
  bytes = 0;

  /** `pool`: the site's spare buffers, shared by every camera's hold (a pool of its own when none). */
  constructor(pool: FramePool = new FramePool()) {
    this.#pool = pool;
  }

  /** A copy of the frame the shot can keep after its crop slot is released (shared when it is the same frame); `release` it. */
  hold(frame: ShotFrame): HeldFrame {
    const last = this.#last;
    // Every region of a frame carries the same whole frame: the first one's copy serves them all.
    if (last !== null && last.timeMs === frame.timeMs && last.width === frame.width && last.height === frame.height) {
      last.refs++;
      return last;
    }
    const data = this.#pool.take(frame.data.length);
    data.set(frame.data);
    const copy = new HeldFrame(data, frame.format, frame.width, frame.height, frame.timeMs, this);
    this.copies++;
    this.bytes += data.length;
    this.#last = copy;
    return copy;
  }

  /** Called by the last holder's release. */
  recycle(frame: HeldFrame): void {
    if (this.#last === frame) this.#last = null;
    this.#pool.give(frame.data);
    frame.data = RELEASED;
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
