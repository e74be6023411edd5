import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { preparePhotoSprites } from '../support/photo-sprites.ts';
import { createNanodetDetector, type NanodetDetector } from '../../src/inference/backends/nanodet.ts';
import { CropSlab } from '../../src/inference/crop-slab.ts';
import { CropSlabWriter } from '../../src/inference/crop-writer.ts';
import {
  createFaceCascade,
  faceCascadeSchema,
  headRegion,
  headSquare,
  type FaceCascade,
  type FrameSnapshot,
} from '../../src/inference/face-cascade.ts';
import { InferencePool } from '../../src/inference/pool.ts';
import { snapshotRect, SNAPSHOT_MARGIN } from '../../src/inference/region-copy.ts';
import type { ScheduledCandidate } from '../../src/inference/scheduler.ts';
import type { Detection } from '../../src/inference/types.ts';
import type { Rect } from '../../src/native/index.ts';
import { controlBlock, TEST_BACKEND_URL } from './fixtures/test-backends.ts';
import { photoPath } from '../support/photos.ts';
import { lavfiGraphFrames } from '../support/video.ts';

const quiet = pino({ level: 'silent' });
let dir = '';
let sprites = '';
let detector: NanodetDetector;
let cascade: FaceCascade;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'panoptes-faces-'));
  sprites = await preparePhotoSprites(join(dir, 'sprites'));
  detector = await createNanodetDetector({ type: 'nanodet' }, quiet);
  cascade = await createFaceCascade({}, quiet);
});
after(async () => {
  await detector.close();
  await cascade.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Frame {
  data: Uint8Array;
  width: number;
  height: number;
}

/** One yuv420p frame of a lavfi graph (photos and sprites come in through `movie`). */
function render(graph: string, width: number, height: number): Frame {
  return { data: lavfiGraphFrames(graph, width, height, 'yuv420p', 1)[0] as Uint8Array, width, height };
}

/** The top strip of samples.jpg: eight photos, several of a person standing, faces 12-40 px. */
const samplesStrip = (): Frame => render(`movie=filename=${photoPath('samples.jpg')},crop=1280:160:0:0`, 1280, 160);

/** The demo's walker (110 x 200, face ~15 px) and visitor (200 x 215) over a plain background, at `y`. */
function spriteScene(walkerY: number, visitorY: number): Frame {
  return render(
    `color=c=0x706858:size=640x360,format=yuv420p[bg];movie=filename=${join(sprites, 'walker.png')}[w];movie=filename=${join(sprites, 'visitor.png')}[v];` +
      `[bg][w]overlay=x=100:y=${walkerY}[a];[a][v]overlay=x=350:y=${visitorY}`,
    640,
    360,
  );
}

/** The product's path: the crop and its snapshot written by a crop slab writer, the detector, then the cascade. */
async function detectWithFaces(frame: Frame): Promise<Detection[]> {
  const region = { x: 0, y: 0, width: frame.width, height: frame.height };
  const slab = CropSlab.create(detector.tensor, 1, { format: 'yuv420p', width: frame.width, height: frame.height });
  const written = new CropSlabWriter(slab).write(frame.data, 'yuv420p', frame.width, frame.height, region, 0);
  assert.ok(written);
  const [detections = []] = await detector.detect([
    { tensor: slab.tensors[written.slot] ?? null, mapping: written.mapping, region, motion: [], contrast: 0 },
  ]);
  const snapshot: FrameSnapshot = {
    data: slab.snapshots[written.slot] as Uint8Array,
    format: 'yuv420p',
    width: frame.width,
    height: frame.height,
    valid: snapshotRect(region, SNAPSHOT_MARGIN, frame.width, frame.height),
  };
  await cascade.attach(detections, snapshot, { searched: 0, found: 0, ms: 0 });
  return detections;
}

const inside = (inner: Rect, outer: Rect, slack = 0.5): boolean =>
  inner.x >= outer.x - slack &&
  inner.y >= outer.y - slack &&
  inner.x + inner.width <= outer.x + outer.width + slack &&
  inner.y + inner.height <= outer.y + outer.height + slack;

function assertFaceOfPerson(person: Detection): void {
  const { face } = person;
  assert.ok(face, `a face on ${JSON.stringify(person.box)}`);
  const square = headSquare(person.box, 0.4, 1.5);
  assert.ok(inside(face.box, square), `face ${JSON.stringify(face.box)} inside the head square ${JSON.stringify(square)}`);
  const head = headRegion(person.box, 0.4);
  const cy = face.box.y + face.box.height / 2;
  assert.ok(cy >= head.y && cy <= head.y + head.height, 'centred in the upper 40% of the person');
  assert.ok(face.score >= 0.5 && face.score <= 1);
  assert.equal(face.keypoints.length, 6);
  const [rightEye, leftEye, nose, mouth] = face.keypoints;
  assert.ok(rightEye && leftEye && nose && mouth);
  assert.ok(rightEye.x < leftEye.x, 'the right eye is on the left of the image');
  assert.ok(Math.max(rightEye.y, leftEye.y) < nose.y && nose.y < mouth.y, `eyes above nose above mouth: ${JSON.stringify(face.keypoints)}`);
  for (const p of face.keypoints.slice(0, 4))
    assert.ok(inside({ x: p.x, y: p.y, width: 0, height: 0 }, face.box, 2), 'eyes, nose and mouth inside the face box');
}

describe('face cascade on real photos', () => {
  test('standing people in photos get a face inside their head region, eyes above nose above mouth', async () => {
    const detections = await detectWithFaces(samplesStrip());
    const persons = detections.filter((d) => d.label === 'person');
    // The standing women of photos 1, 4 and 5 (x 23, ~550 and 700), read off the image.
    const standing = [23, 560, 700].map((x) => persons.find((p) => Math.abs(p.box.x + p.box.width / 2 - x - 35) < 40));
    standing.forEach((p, i) => assert.ok(p, `standing person ${i} found by the detector: ${JSON.stringify(persons.map((d) => d.box))}`));
    for (const p of standing) assertFaceOfPerson(p as Detection);
    assert.ok(persons.filter((p) => p.face).length >= 5, 'most of the people in the strip get their face');
  });

  test('walking sprites cut from photos get their face; with the head above the frame they get none', async () => {
    const whole = (await detectWithFaces(spriteScene(130, 110))).filter((d) => d.label === 'person');
    assert.equal(whole.length >= 2, true, JSON.stringify(whole));
    for (const p of whole) assertFaceOfPerson(p);
    // The same two people walking in under the top edge: bodies without heads.
    for (const y of [-60, -80]) {
      const headless = (await detectWithFaces(spriteScene(y, y - 20))).filter((d) => d.label === 'person');
      assert.ok(headless.length >= 1, `the detector still finds the bodies at y ${y}`);
      for (const p of headless)
        assert.equal(p.face, undefined, `no face on a body whose head is out of the picture (y ${y}): ${JSON.stringify(p.face)}`);
    }
  });

  test('objects of other labels are not searched, and a crop without snapshot pixels there is skipped', async () => {
    const frame = spriteScene(130, 110);
    const snapshot: FrameSnapshot = {
      data: frame.data,
      format: 'yuv420p',
      width: 640,
      height: 360,
      valid: { x: 0, y: 0, width: 640, height: 360 },
    };
    const car: Detection = { label: 'car', classId: 2, score: 0.9, box: { x: 100, y: 130, width: 110, height: 200 } };
    const far: Detection = { label: 'person', classId: 0, score: 0.9, box: { x: 100, y: 130, width: 110, height: 200 } };
    const stats = { searched: 0, found: 0, ms: 0 };
    await cascade.attach([car], snapshot, stats);
    await cascade.attach([far], { ...snapshot, valid: { x: 300, y: 0, width: 340, height: 360 } }, stats);
    assert.equal(car.face, undefined);
    assert.equal(far.face, undefined, 'the head square lies outside the copied region');
    assert.equal(stats.searched, 0);
  });
});

describe('face cascade settings', () => {
  test('a missing face model is E_MODEL_MISSING naming inference.faces.modelPath', async () => {
    await assert.rejects(createFaceCascade({ modelPath: join(dir, 'nope.onnx') }, quiet), {
      code: 'E_MODEL_MISSING',
      message: /inference\.faces\.modelPath \(now '.*nope\.onnx'\)/,
    });
  });

  test('every key is checked: unknown keys and out-of-range values are refused', () => {
    assert.equal(faceCascadeSchema.safeParse({ headFraction: 0 }).success, false);
    assert.equal(faceCascadeSchema.safeParse({ enlarge: 0.5 }).success, false);
    assert.equal(faceCascadeSchema.safeParse({ model: 'yolo-face' }).success, false);
    assert.equal(faceCascadeSchema.safeParse({ minScore: 0.5 }).success, false);
    assert.deepEqual(faceCascadeSchema.parse(undefined), {
      enabled: true,
      model: 'blazeface-back-256',
      labels: ['person'],
      headFraction: 0.4,
      enlarge: 1.5,
      minFaceScore: 0.5,
      maxPerRegion: 8,
      threads: 1,
      trackedIntervalMs: 1000,
    });
  });
});

describe('face cascade in the inference pool', () => {
  /** One candidate of the whole frame, written and claimed as the channel worker and scheduler do. */
  function candidate(pool: InferencePool, frame: Frame, faces = true): ScheduledCandidate {
    const slab = CropSlab.create(pool.backend.tensor, 1, { format: 'yuv420p', width: frame.width, height: frame.height });
    const region = { x: 0, y: 0, width: frame.width, height: frame.height };
    const written = new CropSlabWriter(slab).write(frame.data, 'yuv420p', frame.width, frame.height, region, 0, faces);
    assert.ok(written && slab.claim(written.slot, written.seq));
    return {
      slab,
      arrivedMs: 0,
      notice: {
        camera: 'gate',
        slot: written.slot,
        seq: written.seq,
        captureMs: 0,
        regionCount: 1,
        region,
        mapping: written.mapping,
        motion: [],
        contrast: 0,
      },
    };
  }

  test('a pool worker attaches faces to the persons it detects, reading the slot snapshot', async () => {
    const pool = await InferencePool.start({ backend: { type: 'nanodet' }, threads: 1, faces: faceCascadeSchema.parse({}) });
    try {
      assert.deepEqual(pool.backend.faces, { model: 'blazeface-back-256', error: null });
      const outcome = await pool.infer([candidate(pool, spriteScene(130, 110))]);
      assert.equal(outcome.source, 'backend');
      const persons = (outcome.detections[0] ?? []).filter((d) => d.label === 'person');
      assert.ok(persons.length >= 2 && persons.every((p) => p.face !== undefined), JSON.stringify(persons));
      const { faceSearches, facesFound } = pool.stats().counters;
      assert.ok(faceSearches >= 2 && facesFound >= 2);
      // A crop the channel worker marked as not due for faces (tracked people between face intervals).
      const skipped = await pool.infer([candidate(pool, spriteScene(130, 110), false)]);
      const unsearched = (skipped.detections[0] ?? []).filter((d) => d.label === 'person');
      assert.ok(unsearched.length >= 2 && unsearched.every((p) => p.face === undefined), JSON.stringify(unsearched));
      assert.equal(pool.stats().counters.faceSearches, faceSearches, 'no search for a crop marked Faces = 0');
    } finally {
      await pool.close();
    }
  });

  test('a face model that cannot load leaves detection running without faces, its coded error on the pool', async () => {
    const pool = await InferencePool.start({
      backend: { type: 'nanodet' },
      threads: 1,
      faces: faceCascadeSchema.parse({ modelPath: join(dir, 'missing.onnx') }),
    });
    try {
      assert.equal(pool.degraded, false, 'the object detector runs');
      assert.match(pool.backend.faces?.error ?? '', /^E_MODEL_MISSING: .*inference\.faces\.modelPath/);
      const outcome = await pool.infer([candidate(pool, spriteScene(130, 110))]);
      assert.equal(outcome.source, 'backend');
      const persons = (outcome.detections[0] ?? []).filter((d) => d.label === 'person');
      assert.ok(persons.length >= 2 && persons.every((p) => p.face === undefined));
    } finally {
      await pool.close();
    }
  });

  test('no face model is loaded for a backend that finds no persons, or when faces are disabled', async () => {
    const motion = await InferencePool.start({ backend: { type: 'motion' }, threads: 1, faces: faceCascadeSchema.parse({}) });
    await motion.close();
    assert.equal(motion.backend.faces, null);
    const other = { backend: { type: 'test', control: controlBlock().buffer }, threads: 1, extraBackends: { test: TEST_BACKEND_URL } };
    const off = await InferencePool.start({ ...other, faces: faceCascadeSchema.parse({ enabled: false }) });
    await off.close();
    assert.equal(off.backend.faces, null);
    const on = await InferencePool.start({ ...other, faces: faceCascadeSchema.parse({}) });
    await on.close();
    assert.deepEqual(on.backend.faces, { model: 'blazeface-back-256', error: null }, 'the same backend with faces enabled loads the model');
  });
});

test('the head region is the upper 40% of a standing person and grows to 60% of a head-and-shoulders box', () => {
  assert.equal(headRegion({ x: 0, y: 10, width: 40, height: 120 }, 0.4).height, 48, 'aspect 3: 0.4');
  assert.equal(headRegion({ x: 0, y: 10, width: 40, height: 100 }, 0.4).height, 40, 'aspect 2.5: 0.4');
  assert.equal(headRegion({ x: 0, y: 10, width: 50, height: 100 }, 0.4).height, 50, 'aspect 2: 0.5');
  assert.equal(headRegion({ x: 0, y: 10, width: 100, height: 120 }, 0.4).height, 72, 'aspect 1.2: capped at 0.6');
  assert.equal(headRegion({ x: 0, y: 10, width: 100, height: 120 }, 0.8).height, 96, 'a larger headFraction is kept');
  assert.equal(headRegion({ x: 0, y: 0, width: 100, height: 120 }, 0.4).height, 48, 'cut by the top edge: the head is missing, 0.4');
});
