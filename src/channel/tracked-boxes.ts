/**
 * A camera's confirmed tracks in shared memory: the coordinator writes them after every tracker update
 * (box, centre velocity, the capture time they hold for), the camera's channel worker reads them to
 * tell motion of objects already tracked from motion of something new (src/channel/track-gate.ts).
 * Beside them, the camera's quiet areas: motion the detector looked at and found nothing in (a person
 * still half outside the frame, a swaying branch, the trail a walker leaves), each with its capture time.
 * One writer, any readers, no messages: a sequence lock (odd while writing) lets a reader detect a
 * torn read and try again. Like the crop slab, the coordinator keeps it across worker restarts.
 */
import type { Rect } from '../native/index.ts';

/** More tracks than this in one camera are cut at this many (the gate then sees the rest as new). */
export const MAX_TRACKED_BOXES = 32;
/** Doubles a box: x, y, width, height (detect pixels), centre velocity x, y (pixels a second). */
export const BOX_FIELDS = 6;
/** The newest this many quiet areas are kept. */
export const MAX_QUIET_AREAS = 16;
/** Doubles a quiet area: x, y, width, height (detect pixels), capture time (ms). */
export const QUIET_FIELDS = 5;
const Ctrl = { Version: 0, Count: 1, QuietCount: 2 } as const;
const TRACKS_AT = 1;
const QUIET_AT = TRACKS_AT + MAX_TRACKED_BOXES * BOX_FIELDS;
const CTRL_INTS = 4;
/** How often a reader retries a read torn by the writer before it reports no tracks. */
const READ_TRIES = 4;

export interface TrackedBox extends Rect {
  /** Centre velocity, detect pixels a second. */
  vx: number;
  vy: number;
}

export interface QuietArea extends Rect {
  /** Capture time of the frame the detector found nothing in. */
  timeMs: number;
}

export class TrackedBoxes {
  readonly buffer: SharedArrayBuffer;
  private readonly ctrl: Int32Array;
  /** [0] the capture time (ms) the boxes hold for, then BOX_FIELDS a box, then QUIET_FIELDS a quiet area. */
  private readonly data: Float64Array;

  constructor(buffer = new SharedArrayBuffer(CTRL_INTS * 4 + (QUIET_AT + MAX_QUIET_AREAS * QUIET_FIELDS) * 8)) {
    this.buffer = buffer;
    this.ctrl = new Int32Array(buffer, 0, CTRL_INTS);
    this.data = new Float64Array(buffer, CTRL_INTS * 4, QUIET_AT + MAX_QUIET_AREAS * QUIET_FIELDS);
  }

  /**
   * Writer side (the coordinator): the tracks as of capture time `timeMs` and the quiet areas (the
   * newest MAX_QUIET_AREAS when there are more; the last ones of the array are the newest), replacing
   * the previous sets.
   */
  write(timeMs: number, boxes: readonly TrackedBox[], quiet: readonly QuietArea[] = []): void {
    const n = Math.min(boxes.length, MAX_TRACKED_BOXES);
    const q = Math.min(quiet.length, MAX_QUIET_AREAS);
    Atomics.add(this.ctrl, Ctrl.Version, 1);
    this.data[0] = timeMs;
    for (let i = 0; i < q; i++) {
      const a = quiet[quiet.length - q + i] as QuietArea;
      const at = QUIET_AT + i * QUIET_FIELDS;
      this.data[at] = a.x;
      this.data[at + 1] = a.y;
      this.data[at + 2] = a.width;
      this.data[at + 3] = a.height;
      this.data[at + 4] = a.timeMs;
    }
    Atomics.store(this.ctrl, Ctrl.QuietCount, q);
    for (let i = 0; i < n; i++) {
      const b = boxes[i] as TrackedBox;
      const at = TRACKS_AT + i * BOX_FIELDS;
      this.data[at] = b.x;
      this.data[at + 1] = b.y;
      this.data[at + 2] = b.width;
      this.data[at + 3] = b.height;
      this.data[at + 4] = b.vx;
      this.data[at + 5] = b.vy;
    }
    Atomics.store(this.ctrl, Ctrl.Count, n);
    Atomics.add(this.ctrl, Ctrl.Version, 1);
  }

  /**
   * Reader side: copies the boxes into `into` (at least MAX_TRACKED_BOXES * BOX_FIELDS long) and their
   * capture time into `time[0]`, and returns how many there are; 0 when the writer kept the table busy
   * for every try. Allocates nothing (it runs on the channel worker's frame path).
   */
  read(into: Float64Array, time: Float64Array): number {
    for (let attempt = 0; attempt < READ_TRIES; attempt++) {
      const before = Atomics.load(this.ctrl, Ctrl.Version);
      if ((before & 1) === 1) continue;
      const n = Atomics.load(this.ctrl, Ctrl.Count);
      time[0] = this.data[0] as number;
      for (let i = 0; i < n * BOX_FIELDS; i++) into[i] = this.data[TRACKS_AT + i] as number;
      if (Atomics.load(this.ctrl, Ctrl.Version) === before) return n;
    }
    return 0;
  }

  /**
   * Reader side: copies the quiet areas into `into` (at least MAX_QUIET_AREAS * QUIET_FIELDS long) and
   * returns how many there are; 0 when the writer kept the table busy for every try. Allocates nothing.
   */
  readQuiet(into: Float64Array): number {
    for (let attempt = 0; attempt < READ_TRIES; attempt++) {
      const before = Atomics.load(this.ctrl, Ctrl.Version);
      if ((before & 1) === 1) continue;
      const q = Atomics.load(this.ctrl, Ctrl.QuietCount);
      for (let i = 0; i < q * QUIET_FIELDS; i++) into[i] = this.data[QUIET_AT + i] as number;
      if (Atomics.load(this.ctrl, Ctrl.Version) === before) return q;
    }
    return 0;
  }
}
