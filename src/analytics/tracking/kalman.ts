/**
 * A constant-velocity Kalman filter over a box: centre x, centre y, width and height, each with its
 * velocity (SORT's and ByteTrack's model, with the box's own size as the noise scale). The transition
 * moves each quantity by its own velocity only, the measurement reads each quantity directly, and every
 * noise covariance is diagonal, so the 8-state filter splits exactly into four independent 2-state
 * filters (position, velocity) that never correlate: the covariance is kept as four 2x2 blocks and the
 * update is scalar, with no general matrix code.
 *
 * Time is continuous (seconds between updates), not frames: the analysed frame rate varies with
 * sampling and overload, so the process noise grows with the time elapsed, not with a frame count.
 */
import type { Rect } from '../../native/index.ts';

/**
 * Noise standard deviations in units of the box's size, so one filter fits a far 8-pixel object and a
 * near 300-pixel one. The size is the box's longer side on every axis (ByteTrack uses the height for
 * every axis): an object half hidden behind a post loses most of its width but keeps its height, and
 * a filter scaled by the shrunken width would become too sure of its position to find it again.
 * MEASUREMENT 0.05: ByteTrack's 1/20 of the height. POSITION_RATE and VELOCITY_RATE are ByteTrack's
 * per-frame process noise (1/20 and 1/160 of the height at 30 fps) turned into rates per second
 * (variance grows linearly with time): 0.05 * sqrt(30) ~ 0.27, (30/160) * sqrt(30) ~ 1.0.
 */
const MEASUREMENT = 0.05;
const POSITION_RATE = 0.27;
const VELOCITY_RATE = 1.0;
/** Velocity of a new track is unknown: 10 sizes/s covers a walking person (1-3) and a far fast car (~15). */
const INITIAL_VELOCITY = 10;
const INITIAL_POSITION = 2 * MEASUREMENT;

/** Axis order in the state: centre x, centre y, width, height. */
const AXES = 4;

export class BoxKalman {
  /** Per axis: value, velocity (units and units/s). */
  private readonly mean = new Float64Array(AXES * 2);
  /** Per axis: the 2x2 covariance block as p00, p01, p11 (symmetric). */
  private readonly cov = new Float64Array(AXES * 3);

  constructor(box: Rect) {
    const z = measurement(box);
    const s = Math.max(1, box.width, box.height);
    for (let a = 0; a < AXES; a++) {
      this.mean[a * 2] = z[a] as number;
      this.mean[a * 2 + 1] = 0;
      this.cov[a * 3] = (INITIAL_POSITION * s) ** 2;
      this.cov[a * 3 + 1] = 0;
      this.cov[a * 3 + 2] = (INITIAL_VELOCITY * s) ** 2;
    }
  }

  /** Moves the state `dtS` seconds ahead (0 or less: nothing happens). */
  predict(dtS: number): void {
    if (!(dtS > 0)) return;
    const s = this.scale;
    for (let a = 0; a < AXES; a++) {
      const m = a * 2,
        c = a * 3;
      this.mean[m] = (this.mean[m] as number) + (this.mean[m + 1] as number) * dtS;
      const p00 = this.cov[c] as number,
        p01 = this.cov[c + 1] as number,
        p11 = this.cov[c + 2] as number;
      // F P F^T with F = [[1, dt], [0, 1]], plus Q = diag(position, velocity) * dt.
      this.cov[c] = p00 + 2 * dtS * p01 + dtS * dtS * p11 + (POSITION_RATE * s) ** 2 * dtS;
      this.cov[c + 1] = p01 + dtS * p11;
      this.cov[c + 2] = p11 + (VELOCITY_RATE * s) ** 2 * dtS;
    }
    this.keepPositiveSize();
  }

  /** Corrects the state with a measured box. */
  update(box: Rect): void {
    const z = measurement(box);
    const s = this.scale;
    for (let a = 0; a < AXES; a++) {
      const m = a * 2,
        c = a * 3;
      const p00 = this.cov[c] as number,
        p01 = this.cov[c + 1] as number,
        p11 = this.cov[c + 2] as number;
      const innovation = (z[a] as number) - (this.mean[m] as number);
      const S = p00 + (MEASUREMENT * s) ** 2;
      const k0 = p00 / S,
        k1 = p01 / S;
      this.mean[m] = (this.mean[m] as number) + k0 * innovation;
      this.mean[m + 1] = (this.mean[m + 1] as number) + k1 * innovation;
      // (I - K H) P, written out for the 2x2 block.
      this.cov[c] = (1 - k0) * p00;
      this.cov[c + 1] = (1 - k0) * p01;
      this.cov[c + 2] = p11 - k1 * p01;
    }
    this.keepPositiveSize();
  }

  /**
   * A track that missed its detection keeps its size (ByteTrack zeroes the height velocity of lost
   * tracks): an object shrinking as it went behind something would otherwise shrink to nothing.
   */
  holdSize(): void {
    this.mean[5] = 0;
    this.mean[7] = 0;
  }

  /** The box the state describes. */
  box(): Rect {
    const w = this.width,
      h = this.height;
    return { x: (this.mean[0] as number) - w / 2, y: (this.mean[2] as number) - h / 2, width: w, height: h };
  }

  /** Centre velocity in pixels a second. */
  velocity(): { x: number; y: number } {
    return { x: this.mean[1] as number, y: this.mean[3] as number };
  }

  /** Standard deviation of the centre x estimate, pixels (for tests and diagnostics). */
  positionStd(): number {
    return Math.sqrt(this.cov[0] as number);
  }

  /** The noise scale: the longer side. */
  private get scale(): number {
    return Math.max(1, this.width, this.height);
  }

  private get width(): number {
    return this.mean[4] as number;
  }

  private get height(): number {
    return this.mean[6] as number;
  }

  private keepPositiveSize(): void {
    if ((this.mean[4] as number) < 1) this.mean[4] = 1;
    if ((this.mean[6] as number) < 1) this.mean[6] = 1;
  }
}

function measurement(box: Rect): [number, number, number, number] {
  return [box.x + box.width / 2, box.y + box.height / 2, box.width, box.height];
}
