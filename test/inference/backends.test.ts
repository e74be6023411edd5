import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDetector, isKnownBackend } from '../../src/inference/backends/index.ts';
import { TEST_BACKEND_URL, controlBlock } from './fixtures/test-backends.ts';

test('the registry builds the motion backend from its type and validates its options', async () => {
  const detector = await createDetector({ type: 'motion', areaScale: 50 });
  assert.equal(detector.type, 'motion');
  assert.equal(detector.tensor, null);
  await assert.rejects(createDetector({ type: 'motion', areaScale: 'big' }));
});

test('the onnx backend is loaded on demand and its own start-up errors come through', async () => {
  process.env['PANOPTES_LOG_LEVEL'] ??= 'silent';
  await assert.rejects(createDetector({ type: 'onnx', modelPath: '/nonexistent/model.onnx' }), { code: 'E_MODEL_MISSING' });
});

test('an unknown backend type is refused with the list of known types', async () => {
  assert.equal(isKnownBackend('motion'), true);
  assert.equal(isKnownBackend('yolo'), false);
  await assert.rejects(createDetector({ type: 'yolo' }), { code: 'E_BACKEND_UNKNOWN', message: /expected one of 'motion', 'onnx'/ });
});

test('extra backends are reachable only through the module map they are given', async () => {
  assert.equal(isKnownBackend('test', { test: TEST_BACKEND_URL }), true);
  const detector = await createDetector({ type: 'test', control: controlBlock().buffer }, { test: TEST_BACKEND_URL });
  assert.equal(detector.type, 'test');
  await assert.rejects(createDetector({ type: 'test' }), { code: 'E_BACKEND_UNKNOWN' });
});
