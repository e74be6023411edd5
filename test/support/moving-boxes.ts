/**
 * Synthetic video of solid boxes moving along known straight paths over a flat background, rendered by
 * ffmpeg (lavfi `color` sources and `overlay` with expressions of the frame number), with the true box
 * of every object in every frame computed from the same paths. For tracker tests: what the tracker
 * sees comes from real decoded frames, what it is checked against comes from the paths.
 */
import type { Rect } from '../../src/native/index.ts';
import { lavfiGraphFrames } from './video.ts';

export interface MovingBox {
  name: string;
  width: number;
  height: number;
  /** Gray level 0..255 of the box (the background is `background`). */
  luma: number;
  /** Position of the top-left corner at `firstFrame`; moves by (dx, dy) pixels a frame. */
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  /** Frames [firstFrame, lastFrame] in which the box is drawn (it may also leave through an edge). */
  firstFrame: number;
  lastFrame: number;
  /** From this frame on the box stands still where it was (absent: it moves until lastFrame). */
  stopFrame?: number;
}

export interface MovingBoxesScene {
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  background: number;
  /** Temporal noise added to every pixel (ffmpeg `noise` strength, fixed seed); 0 or absent for none. */
  noise?: number;
  boxes: MovingBox[];
}

export interface MovingBoxesVideo {
  scene: MovingBoxesScene;
  /** Gray frames, width * height bytes each. */
  frames: Uint8Array[];
}

function hex(luma: number): string {
  const v = luma.toString(16).padStart(2, '0');
  return `0x${v}${v}${v}`;
}

/**
 * The lavfi graph. Positions and sizes must be even: overlay works in yuv420p here and aligns x and y
 * to the chroma grid, so odd values would not land where the truth says. The frame index comes from the
 * timestamp (round(t * fps)): overlay's own `n` ran one frame ahead of the output in ffmpeg 5.1.
 */
export function movingBoxesGraph(s: MovingBoxesScene): string {
  for (const b of s.boxes) {
    for (const v of [b.x0, b.y0, b.dx, b.dy, b.width, b.height]) {
      if (v % 2 !== 0) throw new Error(`box ${b.name}: positions, steps and sizes must be even, got ${v}`);
    }
  }
  const inputs = [`color=c=${hex(s.background)}:size=${s.width}x${s.height}:rate=${s.fps},format=yuv420p[bg]`];
  let last = 'bg';
  s.boxes.forEach((b, i) => {
    inputs.push(`color=c=${hex(b.luma)}:size=${b.width}x${b.height}:rate=${s.fps},format=yuv420p[b${i}]`);
    const n = b.stopFrame === undefined ? `round(t*${s.fps})` : `min(round(t*${s.fps}),${b.stopFrame})`;
    const x = `${b.x0}+${b.dx}*(${n}-${b.firstFrame})`;
    const y = `${b.y0}+${b.dy}*(${n}-${b.firstFrame})`;
    const out = `o${i}`;
    inputs.push(`[${last}][b${i}]overlay=x='${x}':y='${y}':eval=frame:enable='between(n,${b.firstFrame},${b.lastFrame})'[${out}]`);
    last = out;
  });
  const noise = s.noise ? `,noise=all_seed=7:alls=${s.noise}:allf=t` : '';
  inputs.push(`[${last}]format=gray${noise}`);
  return inputs.join(';');
}

/** The box as drawn in frame `n`, clipped to the frame, or null when it is not visible. */
export function truthBox(s: MovingBoxesScene, b: MovingBox, n: number): Rect | null {
  if (n < b.firstFrame || n > b.lastFrame) return null;
  const steps = Math.min(n, b.stopFrame ?? n) - b.firstFrame;
  const x = b.x0 + b.dx * steps;
  const y = b.y0 + b.dy * steps;
  const x1 = Math.max(0, x),
    y1 = Math.max(0, y);
  const x2 = Math.min(s.width, x + b.width),
    y2 = Math.min(s.height, y + b.height);
  if (x2 <= x1 || y2 <= y1) return null;
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** Renders the scene with ffmpeg; deterministic (no random sources). */
export function renderMovingBoxes(scene: MovingBoxesScene): MovingBoxesVideo {
  return { scene, frames: lavfiGraphFrames(movingBoxesGraph(scene), scene.width, scene.height, 'gray', scene.frameCount) };
}
