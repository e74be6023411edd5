/**
 * The tracker on rendered video with known paths (ffmpeg draws the boxes, the real motion kernel finds
 * them): crossings, occlusion, objects side by side, an object that stops. 10 fps, 320x180, temporal
 * noise; frames 0-1 hold only the background (and the scenery) for the motion model to learn.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { iou } from '../../src/analytics/tracker.ts';
import type { Rect } from '../../src/native/index.ts';
import { truthBox, type MovingBoxesScene } from '../support/moving-boxes.ts';
import { identitySwitches, trackScene } from '../support/tracked-scene.ts';

const FRAME_MS = 100;
const base = { width: 320, height: 180, fps: 10, background: 32, noise: 12 };

function only<T>(set: Set<T>): T {
  assert.equal(set.size, 1, `expected one id, got ${[...set].join(', ')}`);
  return [...set][0] as T;
}

describe('two objects crossing paths', () => {
  // An X: both reach the middle at frame 23 and overlap for frames 21-25, where motion sees one blob.
  const scene: MovingBoxesScene = {
    ...base,
    frameCount: 46,
    boxes: [
      { name: 'a', width: 24, height: 24, luma: 220, x0: 20, y0: 40, dx: 6, dy: 2, firstFrame: 2, lastFrame: 45 },
      { name: 'b', width: 24, height: 24, luma: 150, x0: 276, y0: 124, dx: -6, dy: -2, firstFrame: 2, lastFrame: 45 },
    ],
  };

  test('each object keeps its own id through the crossing: no identity switch, two tracks in all', (t) => {
    const run = trackScene(scene, FRAME_MS);
    const merged = run.detections.filter((d, n) => n > 2 && d.length === 1).length;
    assert.ok(merged >= 2, `motion merged the objects in ${merged} frames: the scene must test a crossing`);
    const a = only(run.ids.get('a')!),
      b = only(run.ids.get('b')!);
    assert.notEqual(a, b);
    assert.deepEqual(run.started.sort(), [1, 2]);
    t.diagnostic(`identity switches ${identitySwitches(run)}, tracks ${run.started.length}, frames merged by motion ${merged}`);
  });

  test('after the crossing each track follows its own object to the end of the clip', () => {
    const run = trackScene(scene, FRAME_MS);
    const last = scene.frameCount - 1;
    for (const b of scene.boxes) {
      const id = only(run.ids.get(b.name)!);
      const track = run.updates[last]!.updated.find((x) => x.id === id);
      assert.ok(track, `${b.name}'s track matched in the last frame`);
      assert.ok(iou(track.box, truthBox(scene, b, last)!) >= 0.8, b.name);
    }
  });
});

describe('one object overtaking another on nearly the same line', () => {
  // The fast one (8 px a frame) catches up with the slow one (2 px a frame) and passes it: motion sees
  // one blob for 9 frames (0.9 s), longer than the crossing above, while both keep moving.
  const scene: MovingBoxesScene = {
    ...base,
    frameCount: 40,
    boxes: [
      { name: 'fast', width: 24, height: 24, luma: 220, x0: 10, y0: 70, dx: 8, dy: 0, firstFrame: 2, lastFrame: 39 },
      { name: 'slow', width: 24, height: 24, luma: 150, x0: 100, y0: 84, dx: 2, dy: 0, firstFrame: 2, lastFrame: 39 },
    ],
  };

  test('each keeps its id after the overtaking', (t) => {
    const run = trackScene(scene, FRAME_MS);
    const merged = run.detections.filter((d, n) => n > 2 && d.length === 1).length;
    assert.ok(merged >= 6, `motion merged the objects in ${merged} frames`);
    assert.notEqual(only(run.ids.get('fast')!), only(run.ids.get('slow')!));
    assert.deepEqual(run.started.sort(), [1, 2]);
    t.diagnostic(`identity switches ${identitySwitches(run)}, tracks ${run.started.length}, frames merged by motion ${merged}`);
  });
});

describe('an object occluded behind a static bar', () => {
  // The bar is scenery (drawn from frame 0, learned as background); the object (24 wide, 8 px a frame)
  // is wholly behind it for 5 frames (0.5 s) and partly behind it for 3 frames on either side.
  const bar: Rect = { x: 150, y: 0, width: 64, height: 180 };
  const scene: MovingBoxesScene = {
    ...base,
    frameCount: 44,
    boxes: [
      { name: 'walker', width: 24, height: 24, luma: 200, x0: 6, y0: 80, dx: 8, dy: 0, firstFrame: 2, lastFrame: 43 },
      { name: 'bar', width: bar.width, height: bar.height, luma: 90, x0: bar.x, y0: bar.y, dx: 0, dy: 0, firstFrame: 0, lastFrame: 43 },
    ],
  };
  /** A detector's confidence falls with the part of the object in view: the motion box's share of it. */
  const visibleShare = (box: Rect): number => Math.min(1, (box.width * box.height) / (24 * 24));

  for (const [name, score] of [
    ['full confidence', undefined],
    ['confidence falling with the hidden share', visibleShare],
  ] as const) {
    test(`the object has the same track id before and after the occlusion (${name})`, (t) => {
      const run = trackScene(scene, FRAME_MS, {}, score);
      const hiddenFrames = run.detections.filter((d, n) => n > 2 && d.length === 0).length;
      assert.ok(hiddenFrames >= 5, `no detection in ${hiddenFrames} frames`);
      const id = only(run.ids.get('walker')!);
      assert.deepEqual(run.started, [id]);
      assert.ok(
        run.updates.every((u) => u.ended.length === 0),
        'the track never ends',
      );
      // Matched on both sides of the bar.
      const before = run.updates.findIndex((u) => u.updated.some((x) => x.id === id && x.box.x + x.box.width < bar.x));
      const after = run.updates.findIndex((u) => u.updated.some((x) => x.id === id && x.box.x > bar.x + bar.width));
      assert.ok(before >= 0 && after > before, `before ${before}, after ${after}`);
      t.diagnostic(`identity switches ${identitySwitches(run)}, frames without detection ${hiddenFrames}`);
    });
  }
});

describe('two objects walking side by side', () => {
  // One above the other, 12 px apart, same speed: close enough for a loose tracker to merge them.
  const scene: MovingBoxesScene = {
    ...base,
    frameCount: 40,
    boxes: [
      { name: 'upper', width: 20, height: 40, luma: 200, x0: 10, y0: 40, dx: 6, dy: 0, firstFrame: 2, lastFrame: 39 },
      { name: 'lower', width: 20, height: 40, luma: 160, x0: 10, y0: 92, dx: 6, dy: 0, firstFrame: 2, lastFrame: 39 },
    ],
  };

  test('they get two tracks, each following its own object in every frame after confirmation', (t) => {
    const run = trackScene(scene, FRAME_MS);
    const upper = only(run.ids.get('upper')!),
      lower = only(run.ids.get('lower')!);
    assert.notEqual(upper, lower);
    assert.deepEqual(run.started.sort(), [1, 2]);
    run.updates.forEach((u, n) => {
      if (n < 4) return;
      assert.equal(u.updated.length, 2, `frame ${n}: two tracks matched`);
    });
    t.diagnostic(`identity switches ${identitySwitches(run)}, tracks ${run.started.length}`);
  });
});

describe('an object that stops and stands still', () => {
  // Moves for 1.5 s, then stands for 3 s: longer than maxAgeMs, while detections continue.
  const scene: MovingBoxesScene = {
    ...base,
    frameCount: 50,
    boxes: [
      { name: 'stopper', width: 24, height: 40, luma: 200, x0: 10, y0: 60, dx: 8, dy: 0, firstFrame: 2, lastFrame: 49, stopFrame: 17 },
    ],
  };

  test('its track persists while it stands, with one id and boxes on the object', () => {
    const run = trackScene(scene, FRAME_MS);
    const id = only(run.ids.get('stopper')!);
    assert.deepEqual(run.started, [id]);
    assert.ok(run.updates.every((u) => u.ended.length === 0));
    const truth = truthBox(scene, scene.boxes[0]!, 49)!;
    const last = run.updates[49]!.updated.find((x) => x.id === id);
    assert.ok(last && iou(last.box, truth) >= 0.8, 'matched on the standing object in the last frame');
    // The filter learns it stopped: its prediction stays on the object instead of drifting on.
    assert.ok(iou(last.predicted, truth) >= 0.8, `predicted ${JSON.stringify(last.predicted)}`);
  });
});
