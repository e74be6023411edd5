import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createBlazefaceDetector, type BlazefaceDetector } from '../../src/inference/backends/blazeface.ts';
import { blazefaceLayout, decodeBlazeFace, mergeFaces, type FaceCandidate } from '../../src/inference/decode/blazeface.ts';
import type { Detection } from '../../src/inference/types.ts';
import { writeModel } from '../support/onnx-models.ts';
import { cropOf, loadPhoto, type Photo } from '../support/photos.ts';
import { loadReference, MODELS_DIR, nchwToNhwc, runReference } from '../support/tfjs-reference.ts';

const quiet = pino({ level: 'silent' });
let dir = '';
let detector: BlazefaceDetector;
let photo: Photo;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'panoptes-blazeface-'));
  detector = await createBlazefaceDetector({ type: 'blazeface' }, quiet);
  photo = await loadPhoto('screenshot-facedetect.jpg');
});
after(async () => {
  await detector.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The five face thumbnails along the bottom of screenshot-facedetect.jpg (read off the image). */
const PORTRAITS = [
  { x: 8, y: 345, width: 150, height: 150 },
  { x: 164, y: 345, width: 150, height: 150 },
  { x: 321, y: 345, width: 150, height: 150 },
  { x: 478, y: 345, width: 150, height: 150 },
  { x: 632, y: 345, width: 158, height: 158 },
];

describe('blazeface backend on real photos', () => {
  test('each of five portraits is one face in the middle of the picture, eyes above nose above mouth', async () => {
    const results = await detector.detect(PORTRAITS.map((r) => cropOf(photo, r, detector.tensor)));
    results.forEach((faces, i) => {
      const region = PORTRAITS[i]!;
      assert.equal(faces.length, 1, `portrait ${i}: ${JSON.stringify(faces)}`);
      const face = faces[0] as Detection;
      assert.equal(face.label, 'face');
      assert.ok(face.score >= 0.8, `portrait ${i} score ${face.score}`);
      const cx = face.box.x + face.box.width / 2 - region.x,
        cy = face.box.y + face.box.height / 2 - region.y;
      assert.ok(
        cx > 0.3 * region.width && cx < 0.7 * region.width && cy > 0.3 * region.height && cy < 0.7 * region.height,
        `portrait ${i} face centred at ${cx}, ${cy}`,
      );
      assert.ok(face.box.width > 0.5 * region.width && face.box.width < 0.85 * region.width, `portrait ${i} face width ${face.box.width}`);
      const [rightEye, leftEye, nose, mouth] = face.keypoints ?? [];
      assert.ok(rightEye && leftEye && nose && mouth);
      assert.ok(rightEye.x < leftEye.x, 'the right eye is on the left of the image');
      assert.ok(Math.max(rightEye.y, leftEye.y) < nose.y && nose.y < mouth.y, `portrait ${i}: eyes, nose, mouth top to bottom`);
    });
  });

  test('small faces in a group photo (about 20 px) are found, each inside the photo', async () => {
    const region = { x: 305, y: 92, width: 200, height: 150 };
    const [faces = []] = await detector.detect([cropOf(photo, region, detector.tensor)]);
    assert.ok(faces.length >= 3, JSON.stringify(faces));
    for (const f of faces)
      assert.ok(f.box.width < 40 && f.box.y < region.y + region.height / 2, `a face, not a body: ${JSON.stringify(f.box)}`);
  });

  test('the decoder gives the same faces on the TF.js original model outputs as on the converted model', async () => {
    const crop = cropOf(photo, PORTRAITS[1]!, detector.tensor);
    const [[viaBackend] = []] = await detector.detect([crop]);
    const names = ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'];
    const raw = runReference(
      await loadReference(join(MODELS_DIR, 'blazeface-back.json')),
      nchwToNhwc(crop.tensor as Float32Array, 256),
      [1, 256, 256, 3],
      names,
    );
    const heads = blazefaceLayout(
      names.map((name) => ({ name, type: 'float32', shape: raw[name]!.dims })),
      'tfjs',
    );
    const faces = mergeFaces(decodeBlazeFace(raw, 0, heads, 256, 0.5), 0.3, 32);
    assert.equal(faces.length, 1);
    const face = faces[0] as FaceCandidate;
    const { mapping } = crop;
    assert.ok(viaBackend);
    assert.ok(Math.abs(face.score - viaBackend.score) < 1e-4);
    assert.ok(Math.abs((face.x1 - mapping.padX) / mapping.scaleX + mapping.roi.x - viaBackend.box.x) < 0.05, 'same left edge');
    assert.ok(
      Math.abs((face.keypoints[4]! - mapping.padX) / mapping.scaleX + mapping.roi.x - (viaBackend.keypoints?.[2]?.x ?? NaN)) < 0.05,
      'same nose',
    );
  });
});

describe('blazeface decoder', () => {
  test('an anchor is decoded at its cell centre plus the regressed offset, sized by the regressed width and height', () => {
    const heads = blazefaceLayout(
      [
        { name: 's16', type: 'float32', shape: [1, 512, 1] },
        { name: 'b16', type: 'float32', shape: [1, 512, 16] },
        { name: 's8', type: 'float32', shape: [1, 384, 1] },
        { name: 'b8', type: 'float32', shape: [1, 384, 16] },
      ],
      'test',
    );
    const s16 = new Float32Array(512).fill(-200),
      b16 = new Float32Array(512 * 16),
      s8 = new Float32Array(384).fill(-200),
      b8 = new Float32Array(384 * 16);
    // Anchor 2 * (3 * 16 + 5) + 1: column 5, row 3 of the 16 x 16 grid, second anchor; centre (5.5, 3.5) / 16 of 128 px.
    const i = 2 * (3 * 16 + 5) + 1;
    s16[i] = 3;
    b16.set([2, -1, 20, 24, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], i * 16);
    const faces = decodeBlazeFace(
      {
        s16: { data: s16, dims: [1, 512, 1] },
        b16: { data: b16, dims: [1, 512, 16] },
        s8: { data: s8, dims: [1, 384, 1] },
        b8: { data: b8, dims: [1, 384, 16] },
      },
      0,
      heads,
      128,
      0.5,
    );
    assert.equal(faces.length, 1, 'a logit of -200 is clamped, not NaN, and stays below the threshold');
    const f = faces[0] as FaceCandidate;
    assert.ok(Math.abs(f.score - 1 / (1 + Math.exp(-3))) < 1e-9);
    assert.deepEqual([f.x1, f.y1, f.x2, f.y2], [44 + 2 - 10, 28 - 1 - 12, 44 + 2 + 10, 28 - 1 + 12]);
    assert.deepEqual(f.keypoints.slice(0, 2), [45, 29]);
  });

  test('overlapping faces merge into their score-weighted mean with the best score', () => {
    const face = (x1: number, score: number): FaceCandidate => ({ x1, y1: 0, x2: x1 + 10, y2: 10, score, keypoints: [x1, 0] });
    const merged = mergeFaces([face(0, 0.9), face(2, 0.6), face(50, 0.7)], 0.3, 10);
    assert.equal(merged.length, 2);
    assert.equal(merged[0]?.score, 0.9);
    assert.ok(Math.abs((merged[0]?.x1 ?? NaN) - (0 * 0.9 + 2 * 0.6) / 1.5) < 1e-9);
    assert.equal(merged[1]?.x1, 50);
  });

  test('a model without the two BlazeFace heads is E_MODEL_INVALID naming its outputs', async () => {
    const path = writeModel(dir, 'one-head.onnx', {
      inputDims: [1, 3, 128, 128],
      outputs: [{ name: 'scores', dims: [1, 896, 1], base: new Float32Array(896) }],
    });
    await assert.rejects(createBlazefaceDetector({ type: 'blazeface', modelPath: path }, quiet), {
      code: 'E_MODEL_INVALID',
      message: /Unsupported BlazeFace outputs 'scores' float32 \[1, 896, 1\]/,
    });
  });
});
