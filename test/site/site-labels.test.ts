import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { siteConfigSchema } from '../../src/config/schema.ts';
import { COCO_LABELS } from '../../src/inference/labels.ts';
import { siteLabels } from '../../src/site/site-labels.ts';

const backend = (value: unknown) => siteConfigSchema.parse({ inference: { backend: value } }).inference.backend;

test('the motion backend knows only the label motion', async () => {
  assert.deepEqual([...(await siteLabels(backend({ type: 'motion' })))], ['motion']);
});

test('an onnx backend knows the COCO names, or its labels file, plus motion for the fallback', async () => {
  assert.deepEqual([...(await siteLabels(backend({ type: 'onnx', modelPath: 'model.onnx' })))], [...COCO_LABELS, 'motion']);
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-labels-'));
  try {
    const labelsPath = path.join(dir, 'labels.txt');
    writeFileSync(labelsPath, 'forklift\npallet\n');
    assert.deepEqual(
      [...(await siteLabels(backend({ type: 'onnx', modelPath: 'model.onnx', labelsPath })))],
      ['forklift', 'pallet', 'motion'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
