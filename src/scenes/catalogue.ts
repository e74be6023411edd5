/**
 * The scenes: each one situation a detector and tracker must get right, as a real camera would show
 * it (1280x720, 10 fps, people 200-250 px tall walking at about 1.4 m/s). The quality tests run all of
 * them through the site; the demo loops four of them as its cameras (config/demo.yaml names their clips).
 * `vehicles` needs OpenCV's samples (build/media/opencv-doc, test/scripts/ensure-test-media.sh); the
 * others need only npm packages.
 */
import type { Actor, SceneSpec } from './scene.ts';

const W = 1280,
  H = 720,
  FPS = 10;

/** A person walking in a straight line at constant speed from (x0, y) at t0 to (x1, y) at t1. */
function walk(
  id: string,
  sprite: Actor['sprite'],
  scale: number,
  y: number,
  [t0, x0]: [number, number],
  [t1, x1]: [number, number],
): Actor {
  return {
    id,
    sprite,
    scale,
    flip: x1 < x0,
    path: [
      { t: t0, x: x0, y },
      { t: t1, x: x1, y },
    ],
  };
}

/** A straight line at constant speed from (x0, y0) at t0 to (x1, y1) at t1, facing the way it goes. */
function drive(
  id: string,
  sprite: Actor['sprite'],
  scale: number,
  [t0, x0, y0]: [number, number, number],
  [t1, x1, y1]: [number, number, number],
): Actor {
  return {
    id,
    sprite,
    scale,
    flip: x1 < x0,
    path: [
      { t: t0, x: x0, y: y0 },
      { t: t1, x: x1, y: y1 },
    ],
  };
}

function scene(name: string, title: string, durationS: number, actors: Actor[], extra: Partial<SceneSpec> = {}): SceneSpec {
  return { name, title, width: W, height: H, fps: FPS, durationS, background: 'hall', actors, ...extra };
}

export const SCENES = {
  single: scene('single', 'one person crosses the hall', 11, [walk('a', 'skirt', 1.6, 640, [1, -60], [8.5, 1340])]),
  crossing: scene('crossing', 'two people cross each other (X), the nearer one in front', 12, [
    walk('far', 'dress', 1.3, 560, [1, 1360], [9, -80]),
    walk('near', 'skirt', 1.6, 660, [1.5, -60], [8.5, 1340]),
  ]),
  pair: scene('pair', 'two people walk side by side', 11, [
    walk('left', 'dress', 1.4, 600, [1, -200], [8.5, 1240]),
    walk('right', 'skirt', 1.6, 650, [1, -40], [8.5, 1400]),
  ]),
  stop: scene('stop', 'a person walks in, stands still for 4 s, walks on', 14, [
    {
      id: 'a',
      sprite: 'skirt',
      scale: 1.6,
      path: [
        { t: 1, x: -60, y: 640 },
        { t: 4.5, x: 600, y: 640 },
        { t: 8.5, x: 600, y: 640 },
        { t: 12, x: 1340, y: 640 },
      ],
    },
  ]),
  cut: scene(
    'cut',
    'the view cuts to another camera angle while a person walks',
    11,
    [walk('a', 'skirt', 1.6, 640, [1, -60], [8.5, 1340])],
    { cutTo: { t: 5, background: 'street' } },
  ),
  lighting: scene('lighting', 'the lights dim by a step while a person walks', 11, [walk('a', 'skirt', 1.6, 640, [1, -60], [8.5, 1340])], {
    lighting: { t: 5, brightness: -0.2 },
  }),
  noise: scene('noise', 'a person walks through heavy sensor noise', 11, [walk('a', 'skirt', 1.6, 640, [1, 1340], [8.5, -60])], {
    noise: 28,
  }),
  reconnect: scene('reconnect', 'the camera reconnects while a person walks (the stream restarts)', 11, [
    walk('a', 'skirt', 1.6, 640, [1, -60], [8.5, 1340]),
  ]),
  face: scene('face', 'a person passes close to the camera, face visible', 11, [walk('a', 'portrait', 2.4, 720, [1, -200], [8.5, 1480])]),
  // The bus (about 490x330 px, 11 m long: 25 km/h) drives down the road from the top left, then a
  // person walks up it the other way; the road is real footage, so its kerbs, cones and sign are there.
  vehicles: scene(
    'vehicles',
    'a bus drives down the road, then a person walks up it',
    15,
    [drive('bus', 'bus', 1.2, [1, -300, 215], [7, 1600, 475]), drive('walker', 'skirt', 1.4, [7.5, 1340, 340], [14.5, -60, 215])],
    { background: 'road' },
  ),
} as const satisfies Record<string, SceneSpec>;

export type SceneName = keyof typeof SCENES;
