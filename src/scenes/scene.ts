/**
 * A scene: people and vehicles (sprites) moving along piecewise-linear paths over a still background, with optional
 * camera events (a cut to another view, a lighting step, sensor noise). The same description renders
 * the clip (render.ts turns paths into ffmpeg overlay expressions) and gives the truth of every frame,
 * so what a detector saw can be checked against where each person or vehicle really was.
 */
import type { Rect } from '../native/types.ts';
import { outlineBox, scaledSize, SPRITES, type SpriteLabel, type SpriteName } from './sprites.ts';

/** Where a person's feet or a vehicle's wheels (the bottom centre of its box) are at time `t` seconds. */
export interface Waypoint {
  t: number;
  x: number;
  y: number;
}

export interface Actor {
  /** Unique in the scene; the truth names objects by it. */
  id: string;
  sprite: SpriteName;
  /** Sprite pixels per photo pixel. */
  scale: number;
  /** Mirrored (facing the other way). */
  flip?: boolean;
  /** Visible from the first waypoint's time to the last one's; held still between equal positions. */
  path: Waypoint[];
}

/** 'hall' and 'street' are built from a photo of @vladmandic/human; 'road' from OpenCV's vtest.avi (render.ts). */
export type Background = 'hall' | 'street' | 'road';

export interface SceneSpec {
  name: string;
  /** Human description (camera names in the demo, the README table). */
  title: string;
  width: number;
  height: number;
  fps: number;
  durationS: number;
  background: Background;
  /** The camera cuts to another view at this time (s). */
  cutTo?: { t: number; background: Background };
  /** Brightness step (ffmpeg eq, -1..1) from time `t`. */
  lighting?: { t: number; brightness: number };
  /** Temporal sensor noise strength (ffmpeg noise, 0..100). */
  noise?: number;
  actors: Actor[];
}

export interface TruthObject {
  id: string;
  label: SpriteLabel;
  /** The object's box clipped to the frame (frame pixels). */
  box: Rect;
  /** Share of the object's box inside the frame (0..1). */
  visible: number;
  face: Rect | null;
}

/** Linear interpolation of the path at `t`, or null outside it. */
export function positionAt(path: readonly Waypoint[], t: number): { x: number; y: number } | null {
  const first = path[0],
    last = path.at(-1);
  if (!first || !last || t < first.t || t > last.t) return null;
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1] as Waypoint,
      b = path[i] as Waypoint;
    if (t <= b.t) {
      const u = b.t === a.t ? 1 : (t - a.t) / (b.t - a.t);
      return { x: a.x + (b.x - a.x) * u, y: a.y + (b.y - a.y) * u };
    }
  }
  return { x: last.x, y: last.y };
}

/** Where the scaled sprite's top-left corner goes for the feet at (x, y), in whole pixels as overlay draws it. */
export function spriteOrigin(actor: Actor, feet: { x: number; y: number }): { x: number; y: number } {
  const sprite = SPRITES[actor.sprite];
  const { width, height } = scaledSize(sprite, actor.scale);
  const box = outlineBox(sprite);
  const sx = width / sprite.crop.width,
    sy = height / sprite.crop.height;
  const centre = actor.flip ? sprite.crop.width - (box.x + box.width / 2) : box.x + box.width / 2;
  return { x: Math.floor(feet.x - centre * sx), y: Math.floor(feet.y - (box.y + box.height) * sy) };
}

/** A rectangle of crop pixels placed in the frame with the sprite at `origin`. */
function placed(actor: Actor, r: Rect, origin: { x: number; y: number }): Rect {
  const sprite = SPRITES[actor.sprite];
  const { width, height } = scaledSize(sprite, actor.scale);
  const sx = width / sprite.crop.width,
    sy = height / sprite.crop.height;
  const x = actor.flip ? sprite.crop.width - r.x - r.width : r.x;
  return { x: origin.x + x * sx, y: origin.y + r.y * sy, width: r.width * sx, height: r.height * sy };
}

function clip(r: Rect, width: number, height: number): Rect | null {
  const x1 = Math.max(0, r.x),
    y1 = Math.max(0, r.y);
  const x2 = Math.min(width, r.x + r.width),
    y2 = Math.min(height, r.y + r.height);
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : null;
}

/** The people and vehicles visible in frame `n` (time n / fps), with their true boxes in frame pixels. */
export function truthAt(spec: SceneSpec, n: number): TruthObject[] {
  const t = n / spec.fps;
  const out: TruthObject[] = [];
  for (const actor of spec.actors) {
    const feet = positionAt(actor.path, t);
    if (!feet) continue;
    const sprite = SPRITES[actor.sprite];
    const origin = spriteOrigin(actor, feet);
    const whole = placed(actor, outlineBox(sprite), origin);
    const box = clip(whole, spec.width, spec.height);
    if (!box) continue;
    const faceRect: Rect | undefined = 'face' in sprite ? sprite.face : undefined;
    const face = faceRect ? clip(placed(actor, faceRect, origin), spec.width, spec.height) : null;
    out.push({ id: actor.id, label: sprite.label, box, visible: (box.width * box.height) / (whole.width * whole.height), face });
  }
  return out;
}

export function frameCount(spec: SceneSpec): number {
  return Math.round(spec.durationS * spec.fps);
}
