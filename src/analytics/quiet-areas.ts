/**
 * A camera's quiet areas: motion the detector looked at and found nothing in. At 30 cameras of people
 * walking through, two of every three crops came back empty: a person still half outside the frame,
 * the trail they leave, noise. Every such frame went to the detector, because the track gate
 * (src/channel/track-gate.ts) only knew motion of confirmed tracks. Given these areas, it sends motion
 * that stays inside one of them at most once a tracked interval, as it does for a tracked object: a
 * new object is seen at the latest an interval later, and at once when it moves out of the area.
 *
 * Kept on the coordinator, written to the camera's TrackedBoxes with its tracks. A detection ends the
 * quiet areas it touches; a result older than the camera's newest detection adds none (the pool runs
 * crops in parallel, so results come back out of order).
 */
import { intersects } from '../channel/regions.ts';
import { STALE_MS } from '../channel/track-gate.ts';
import { MAX_QUIET_AREAS, type QuietArea } from '../channel/tracked-boxes.ts';
import type { Detection } from '../inference/types.ts';
import type { Rect } from '../native/index.ts';

function clip(r: Rect, to: Rect): Rect | null {
  const x = Math.max(r.x, to.x);
  const y = Math.max(r.y, to.y);
  const width = Math.min(r.x + r.width, to.x + to.width) - x;
  const height = Math.min(r.y + r.height, to.y + to.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : null;
}

export class QuietAreas {
  private list: QuietArea[] = [];
  private newestFoundMs = Number.NEGATIVE_INFINITY;

  /**
   * One region's result: with no detection, the motion boxes it was cut around (clipped to the region
   * the detector saw) become quiet areas; detections end the areas they touch.
   */
  observe(captureMs: number, region: Rect, motion: readonly Rect[], detections: readonly Detection[]): void {
    this.list = this.list.filter((a) => captureMs - a.timeMs <= STALE_MS && !detections.some((d) => intersects(a, d.box)));
    if (detections.length > 0) {
      this.newestFoundMs = Math.max(this.newestFoundMs, captureMs);
      return;
    }
    if (captureMs < this.newestFoundMs) return;
    for (const m of motion) {
      const area = clip(m, region);
      if (area !== null) this.list.push({ ...area, timeMs: captureMs });
    }
    if (this.list.length > MAX_QUIET_AREAS) this.list.splice(0, this.list.length - MAX_QUIET_AREAS);
  }

  /** The areas, oldest first. */
  get areas(): readonly QuietArea[] {
    return this.list;
  }
}
