/**
 * Frame differencing over luma planes. `MotionDetector` is the hot-path form: it owns every buffer
 * and reuses one result object, so a frame costs no allocation. `motion()` is the one-shot form.
 */
import { checkInteger, checkObject, invalidArgument } from './is.ts';
import { addon } from './load.ts';
import { activeLevel } from './simd.ts';
import type { Rect } from './types.ts';

export interface MotionOptions {
  width: number;
  height: number;
  /** A pixel changed when |cur - ref| > threshold (0..255). Default 25. */
  threshold?: number;
  /** Smallest component (pixels) reported as a box. Default 16. */
  minArea?: number;
  /** Coarse grid of changed-pixel counts. Default 8 x 8. */
  gridCols?: number;
  gridRows?: number;
  /** Most boxes reported, largest first. Default 32. */
  maxBoxes?: number;
  /** Running-average background weight (0..1]; unset compares against the previous frame. */
  alpha?: number;
  /**
   * Background mode: the weight at pixels found changed (0..1), default `alpha`. Lower keeps a passing
   * object out of the background, so it leaves no trail of changed pixels behind it.
   */
  foregroundAlpha?: number;
  /**
   * Background mode: for this many frames after the background was made from one frame (the first
   * frame, a rebaseline), changed pixels that have been still (within threshold of the previous frame)
   * for STILL_FRAMES frames are learnt at `alpha` too. Whatever that frame held (a person, a car) is in
   * the background; once it moves away, its spot differs from the background but not from the frames
   * before: a ghost, which at a low foregroundAlpha would read as motion for
   * ln(threshold/contrast)/ln(1 - foregroundAlpha) frames (a person: about 70 frames, 14 s at 5 fps).
   * The inside of something moving is still only while the object overlaps itself (a flat 40 px box at
   * 10 px a frame: 3 frames) and stays out of the background. Default 0.
   */
  learnFrames?: number;
  /** width*height bytes; non-zero pixels are ignored (masked-out zones). */
  exclude?: Uint8Array;
}

export interface MotionBox extends Rect {
  /** Changed pixels in the component. */
  area: number;
}

export interface MotionResult {
  changed: number;
  /** changed / (width * height). */
  ratio: number;
  /** Bounding box of all changed pixels, or null when none changed. */
  bbox: Rect | null;
  /** Components with area >= minArea (may exceed boxes.length). */
  components: number;
  boxes: MotionBox[];
  /** gridRows x gridCols changed-pixel counts, row-major. */
  grid: Uint32Array;
}

/** Fields of `MotionDetector.stats`, in the order the addon writes them (native/addon.cc). */
export const MotionStat = {
  /** Changed pixels. */
  Changed: 0,
  /** Bounding box of all changed pixels (width 0 when none changed). */
  BboxX: 1,
  BboxY: 2,
  BboxWidth: 3,
  BboxHeight: 4,
  /** Components with area >= minArea (may exceed Boxes). */
  Components: 5,
  /** Boxes written to `boxData`, largest first. */
  Boxes: 6,
} as const;
const MOTION_STATS = 7;

/** Fields of one box in `MotionDetector.boxData` (BOX_INTS ints a box). */
export const MotionBoxField = { X: 0, Y: 1, Width: 2, Height: 3, Area: 4 } as const;
export const BOX_INTS = 5;

type ResolvedOptions = Required<Omit<MotionOptions, 'exclude'>> & { exclude: Uint8Array | null };

/** Fills defaults and checks the sizes the detector allocates from; the addon checks the rest per call. */
function withDefaults(options: MotionOptions): ResolvedOptions {
  checkObject('options', options);
  return {
    width: checkInteger('width', options.width, 1, 16384),
    height: checkInteger('height', options.height, 1, 16384),
    threshold: options.threshold ?? 25,
    minArea: options.minArea ?? 16,
    gridCols: checkInteger('gridCols', options.gridCols ?? 8, 1, 1024),
    gridRows: checkInteger('gridRows', options.gridRows ?? 8, 1, 1024),
    maxBoxes: checkInteger('maxBoxes', options.maxBoxes ?? 32, 0, 4096),
    alpha: options.alpha ?? 0,
    foregroundAlpha: options.foregroundAlpha ?? options.alpha ?? 0,
    learnFrames: checkInteger('learnFrames', options.learnFrames ?? 0, 0, 1_000_000),
    exclude: options.exclude ?? null,
  };
}

/** Frames a changed pixel must have been still before the learning frames take it into the background. */
export const STILL_FRAMES = 5;

interface Learning {
  before: Float32Array;
  previous: Uint8Array;
  still: Uint8Array;
}

/** Stateful detector for one camera; `detect` returns views that the next call overwrites. */
export class MotionDetector {
  readonly width: number;
  readonly height: number;
  readonly grid: Uint32Array;
  /** Raw boxes, BOX_INTS ints each (MotionBoxField), `stats[MotionStat.Boxes]` of them valid. */
  readonly boxData: Int32Array;
  /** The last result's numbers, indexed by MotionStat. */
  readonly stats = new Float64Array(MOTION_STATS);
  private reference: Uint8Array | Float32Array;
  /**
   * Differencing mode: the plane the last `detect` compared against, kept by swapping buffers rather
   * than copying, so candidates can still measure their contrast after the reference moved on.
   */
  private previous: Uint8Array | null;
  private readonly options: ResolvedOptions;
  private primed = false;
  /** Frames compared since the background was made from one frame. */
  private sinceBaseline = 0;
  /** While learning: the background before this frame's update, the previous frame and each pixel's still run (made on first use). */
  private learnt: Learning | null = null;

  constructor(options: MotionOptions) {
    this.options = withDefaults(options);
    this.width = this.options.width;
    this.height = this.options.height;
    const pixels = this.width * this.height;
    this.grid = new Uint32Array(this.options.gridCols * this.options.gridRows);
    this.boxData = new Int32Array(this.options.maxBoxes * BOX_INTS);
    this.reference = options.alpha === undefined ? new Uint8Array(pixels) : new Float32Array(pixels);
    this.previous = options.alpha === undefined ? new Uint8Array(pixels) : null;
  }

  /**
   * What the last `detect` compared the frame with: the previous frame (differencing mode) or the
   * running background, already updated with this frame (background mode: scale differences by
   * 1 / (1 - alpha) to undo that, see changedContrast).
   */
  get comparedPlane(): Uint8Array | Float32Array {
    return this.previous ?? this.reference;
  }

  /** The running background (background mode) or the previous frame (differencing mode). */
  get referencePlane(): Uint8Array | Float32Array {
    return this.reference;
  }

  /**
   * Compares `cur` with the reference. The first frame only primes the reference and reports nothing.
   * Returns the number of changed pixels; details are in `stats`, `grid` and `boxData`.
   */
  detect(cur: Uint8Array): number {
    if (!this.primed) {
      this.rebaseline(cur);
      this.stats.fill(0);
      this.grid.fill(0);
      return 0;
    }
    const o = this.options;
    const learning = this.sinceBaseline < o.learnFrames && this.reference instanceof Float32Array;
    this.sinceBaseline++;
    if (learning) this.learning().before.set(this.reference);
    addon().motion(
      cur,
      this.reference,
      this.width,
      this.height,
      o.threshold,
      o.minArea,
      o.alpha,
      o.foregroundAlpha,
      o.exclude,
      this.grid,
      o.gridCols,
      o.gridRows,
      this.boxData,
      this.stats,
      activeLevel(),
    );
    if (learning) this.absorbStill(cur);
    else this.learnt = null;
    // Differencing mode keeps the frame it just saw; background mode was updated in place by the addon.
    if (this.previous !== null) {
      const compared = this.reference as Uint8Array;
      this.reference = this.previous;
      this.previous = compared;
      this.reference.set(cur);
    }
    return this.stats[MotionStat.Changed] as number;
  }

  /** Forgets the reference: the next frame primes it again (a reconnected camera may show another scene). */
  reset(): void {
    this.primed = false;
  }

  /**
   * Makes `cur` the reference now (background and previous frame): after a global change (lights
   * switched, camera moved) the next frames are compared with the new scene instead of reporting most
   * of the frame until the running average catches up. Results of the last `detect` stay as they were.
   */
  rebaseline(cur: Uint8Array): void {
    // The addon never sees this plane, so it is checked here, in the addon's words.
    if (!(cur instanceof Uint8Array)) throw invalidArgument('cur', 'a Uint8Array', cur);
    if (cur.length !== this.reference.length) {
      throw invalidArgument('cur', `a Uint8Array of length ${this.reference.length}`, cur, true);
    }
    this.reference.set(cur);
    this.primed = true;
    this.sinceBaseline = 0;
    if (this.options.learnFrames > 0 && this.reference instanceof Float32Array) {
      const l = this.learning();
      l.previous.set(cur);
      l.still.fill(0);
    }
  }

  private learning(): Learning {
    const n = this.width * this.height;
    this.learnt ??= { before: new Float32Array(n), previous: new Uint8Array(n), still: new Uint8Array(n) };
    return this.learnt;
  }

  /** Learns the pixels of `cur` changed and still for STILL_FRAMES frames at alpha (see MotionOptions.learnFrames). */
  private absorbStill(cur: Uint8Array): void {
    const { before, previous, still } = this.learning();
    const bg = this.reference as Float32Array;
    const { threshold, alpha } = this.options;
    for (let i = 0; i < cur.length; i++) {
      const c = cur[i] as number;
      const b = before[i] as number;
      const run =
        Math.abs(c - b) > threshold && Math.abs(c - (previous[i] as number)) <= threshold ? Math.min(255, (still[i] as number) + 1) : 0;
      still[i] = run;
      if (run >= STILL_FRAMES) bg[i] = b + alpha * (c - b);
    }
    previous.set(cur);
  }

  /** Materialises the last result as plain objects (allocates: for candidates and tests, not per frame). */
  result(): MotionResult {
    return readResult(this.stats, this.boxData, this.grid, this.width * this.height);
  }
}

function readResult(stats: Float64Array, boxData: Int32Array, grid: Uint32Array, pixels: number): MotionResult {
  const s = (i: number): number => stats[i] as number;
  const boxes: MotionBox[] = [];
  for (let i = 0; i < s(MotionStat.Boxes); i++) {
    const b = (k: number): number => boxData[i * BOX_INTS + k] as number;
    boxes.push({
      x: b(MotionBoxField.X),
      y: b(MotionBoxField.Y),
      width: b(MotionBoxField.Width),
      height: b(MotionBoxField.Height),
      area: b(MotionBoxField.Area),
    });
  }
  return {
    changed: s(MotionStat.Changed),
    ratio: s(MotionStat.Changed) / pixels,
    bbox:
      s(MotionStat.BboxWidth) > 0
        ? { x: s(MotionStat.BboxX), y: s(MotionStat.BboxY), width: s(MotionStat.BboxWidth), height: s(MotionStat.BboxHeight) }
        : null,
    components: s(MotionStat.Components),
    boxes,
    grid: grid.slice(),
  };
}

/**
 * One-shot motion between `cur` and `reference` (a previous luma plane, or a Float32Array background
 * that is updated in place when `alpha` is given).
 */
export function motion(cur: Uint8Array, reference: Uint8Array | Float32Array, options: MotionOptions): MotionResult {
  const o = withDefaults(options);
  const grid = new Uint32Array(o.gridCols * o.gridRows);
  const boxData = new Int32Array(o.maxBoxes * BOX_INTS);
  const stats = new Float64Array(MOTION_STATS);
  addon().motion(
    cur,
    reference,
    o.width,
    o.height,
    o.threshold,
    o.minArea,
    o.alpha,
    o.foregroundAlpha,
    o.exclude,
    grid,
    o.gridCols,
    o.gridRows,
    boxData,
    stats,
    activeLevel(),
  );
  return readResult(stats, boxData, grid, o.width * o.height);
}
