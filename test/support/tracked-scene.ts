/**
 * Runs a rendered moving-boxes scene through the real motion kernel and a tracker, and measures the
 * result against the scene's known paths: which track ids each object was given, identity switches,
 * and how well the tracked boxes fit.
 */
import { iou, Tracker, type TrackerOptionsInput, type TrackerUpdate } from '../../src/analytics/tracker.ts';
import type { Detection } from '../../src/inference/types.ts';
import { MotionDetector, type Rect } from '../../src/native/index.ts';
import { renderMovingBoxes, truthBox, type MovingBox, type MovingBoxesScene } from './moving-boxes.ts';

/** A tracked box counts as the object's when it overlaps the object's true box at least this much. */
export const MATCH_IOU = 0.5;

/** Turns a motion box into a detection; the score function stands in for a detector's confidence. */
export type Scorer = (box: Rect) => number;

/** Motion detections of every frame: the near-static background makes whole boxes foreground. */
export function motionDetections(scene: MovingBoxesScene, score: Scorer = () => 1): Detection[][] {
  const motion = new MotionDetector({ width: scene.width, height: scene.height, threshold: 25, minArea: 16, alpha: 0.005 });
  return renderMovingBoxes(scene).frames.map((frame) => {
    motion.detect(frame);
    return motion.result().boxes.map((b) => {
      const box = { x: b.x, y: b.y, width: b.width, height: b.height };
      return { label: 'motion', classId: -1, score: score(box), box };
    });
  });
}

export interface SceneRun {
  detections: Detection[][];
  updates: TrackerUpdate[];
  /**
   * Per moving object (static boxes are scenery): the ids of the tracks whose box matched it in the
   * frames where it overlapped no other object.
   */
  ids: Map<string, Set<number>>;
  /** Ids started over the run. */
  started: number[];
}

export function isScenery(b: MovingBox): boolean {
  return b.dx === 0 && b.dy === 0;
}

export function trackScene(scene: MovingBoxesScene, frameMs: number, options: TrackerOptionsInput = {}, score?: Scorer): SceneRun {
  const detections = motionDetections(scene, score);
  const tracker = new Tracker(options);
  const updates = detections.map((d, n) => tracker.update(d, n * frameMs));
  const ids = new Map<string, Set<number>>();
  for (const b of scene.boxes) if (!isScenery(b)) ids.set(b.name, new Set());
  updates.forEach((u, n) => {
    const truths = scene.boxes.map((b) => (isScenery(b) ? null : truthBox(scene, b, n)));
    truths.forEach((truth, i) => {
      // Where two objects overlap, one box may fit both: identity is judged where each stands apart.
      if (!truth || truths.some((other, j) => j !== i && other !== null && iou(truth, other) > 0)) return;
      for (const t of u.updated) if (iou(t.box, truth) >= MATCH_IOU) ids.get(scene.boxes[i]!.name)!.add(t.id);
    });
  });
  return { detections, updates, ids, started: updates.flatMap((u) => u.started.map((t) => t.id)) };
}

/** Identity switches: every id an object was given beyond its first. */
export function identitySwitches(run: SceneRun): number {
  let switches = 0;
  for (const set of run.ids.values()) switches += Math.max(0, set.size - 1);
  return switches;
}
