/**
 * How tight motion boxes are on rendered video with known truth: three boxes of different speed and
 * contrast cross a noisy 640x360 scene, motion runs on its 320x180 area downscale as the pipeline does,
 * and each object's motion box (the union of the boxes touching it) is compared with the drawn box.
 * A running average that takes in every pixel (foregroundAlpha = alpha) smears a moving object into
 * the background and reports a trail behind it; a low foregroundAlpha keeps the box on the object.
 * The numbers of every variant are printed as test diagnostics (README, "Motion").
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MotionDetector, toLuma, type Rect } from '../../src/native/index.ts';
import { renderMovingBoxes, truthBox, type MovingBoxesScene } from '../support/moving-boxes.ts';

const W = 640,
  H = 360,
  MW = 320,
  MH = 180;

const scene: MovingBoxesScene = {
  width: W,
  height: H,
  fps: 5,
  frameCount: 70,
  background: 60,
  noise: 10,
  boxes: [
    { name: 'slow', width: 40, height: 80, luma: 160, x0: 20, y0: 20, dx: 4, dy: 0, firstFrame: 5, lastFrame: 69 },
    { name: 'dim', width: 40, height: 80, luma: 110, x0: 20, y0: 140, dx: 8, dy: 0, firstFrame: 5, lastFrame: 69 },
    { name: 'fast', width: 60, height: 100, luma: 220, x0: 600, y0: 250, dx: -16, dy: 0, firstFrame: 5, lastFrame: 69 },
  ],
};

interface Quality {
  meanIou: number;
  minIou: number;
  /** Boxes touching no object, a frame (trail pieces left behind). */
  strayPerFrame: number;
}

function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

const touches = (a: Rect, b: Rect): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

let planes: Uint8Array[] = [];

function measure(options: { alpha?: number; foregroundAlpha?: number }): Quality {
  const detector = new MotionDetector({ width: MW, height: MH, threshold: 25, minArea: 8, maxBoxes: 64, ...options });
  const ious: number[] = [];
  let stray = 0;
  let frames = 0;
  planes.forEach((plane, n) => {
    detector.detect(plane);
    if (n < 7) return; // the boxes appear at frame 5
    frames++;
    const boxes = detector.result().boxes;
    const used = new Set<number>();
    for (const b of scene.boxes) {
      const t = truthBox(scene, b, n);
      if (!t) continue;
      const truth = { x: t.x / 2, y: t.y / 2, width: t.width / 2, height: t.height / 2 };
      let u: Rect | null = null;
      boxes.forEach((m, i) => {
        if (!touches(m, truth)) return;
        used.add(i);
        u =
          u === null
            ? m
            : {
                x: Math.min(u.x, m.x),
                y: Math.min(u.y, m.y),
                width: Math.max(u.x + u.width, m.x + m.width) - Math.min(u.x, m.x),
                height: Math.max(u.y + u.height, m.y + m.height) - Math.min(u.y, m.y),
              };
      });
      ious.push(u === null ? 0 : iou(u, truth));
    }
    stray += boxes.length - used.size;
  });
  return { meanIou: ious.reduce((s, v) => s + v, 0) / ious.length, minIou: Math.min(...ious), strayPerFrame: stray / frames };
}

before(() => {
  planes = renderMovingBoxes(scene).frames.map((f) => toLuma(f, 'gray', W, H, new Uint8Array(MW * MH), MW, MH));
});

test('a low foregroundAlpha keeps motion boxes on the moving object; a plain running average leaves a trail', (t) => {
  const variants = {
    'alpha 0.2, foregroundAlpha 0.2 (plain running average)': measure({ alpha: 0.2, foregroundAlpha: 0.2 }),
    'alpha 0.5, foregroundAlpha 0.5': measure({ alpha: 0.5, foregroundAlpha: 0.5 }),
    'consecutive frames': measure({}),
    'alpha 0.2, foregroundAlpha 0.02 (default)': measure({ alpha: 0.2, foregroundAlpha: 0.02 }),
  };
  for (const [name, q] of Object.entries(variants)) {
    t.diagnostic(`${name}: IoU mean ${q.meanIou.toFixed(2)} min ${q.minIou.toFixed(2)}, stray boxes ${q.strayPerFrame.toFixed(2)} a frame`);
  }
  const chosen = variants['alpha 0.2, foregroundAlpha 0.02 (default)'];
  const plain = variants['alpha 0.2, foregroundAlpha 0.2 (plain running average)'];
  assert.ok(chosen.meanIou > 0.95 && chosen.minIou > 0.85, `tight: ${JSON.stringify(chosen)}`);
  assert.equal(chosen.strayPerFrame, 0, 'no trail pieces');
  assert.ok(plain.meanIou < chosen.meanIou - 0.1 && plain.strayPerFrame > 1, `the plain average trails: ${JSON.stringify(plain)}`);
});

test('an object that stops fades into the background instead of staying motion for ever', () => {
  // One box walks in, then stands still from frame 10 on.
  const still: MovingBoxesScene = {
    width: W,
    height: H,
    fps: 5,
    frameCount: 140,
    background: 60,
    boxes: [{ name: 'stops', width: 40, height: 80, luma: 160, x0: 100, y0: 100, dx: 0, dy: 0, firstFrame: 3, lastFrame: 139 }],
  };
  const frames = renderMovingBoxes(still).frames.map((f) => toLuma(f, 'gray', W, H, new Uint8Array(MW * MH), MW, MH));
  const detector = new MotionDetector({ width: MW, height: MH, threshold: 25, minArea: 8, alpha: 0.2, foregroundAlpha: 0.02 });
  const changed = frames.map((f) => detector.detect(f));
  assert.ok((changed[4] as number) > 0, 'it is motion when it arrives');
  // |160 - 60| = 100 fades under the threshold 25 after ln(25/100)/ln(0.98) = 69 frames.
  assert.equal(changed[3 + 75], 0, 'and background some 70 frames (14 s at 5 fps) after it stopped');
});
