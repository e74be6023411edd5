import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { COCO_LABELS, labelOf, loadLabels, parseLabels } from '../../src/inference/labels.ts';

test('the default labels are the 80 COCO names in YOLO order', async () => {
  assert.equal(await loadLabels(undefined), COCO_LABELS);
  assert.equal(COCO_LABELS.length, 80);
  assert.deepEqual(
    [COCO_LABELS[0], COCO_LABELS[2], COCO_LABELS[16], COCO_LABELS[62], COCO_LABELS[79]],
    ['person', 'car', 'dog', 'tv', 'toothbrush'],
  );
});

test('a labels file names class N on line N+1, trimmed, with CRLF and trailing blank lines ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'panoptes-labels-'));
  try {
    const path = join(dir, 'labels.txt');
    writeFileSync(path, 'background\r\n  forklift \r\npallet\r\n\r\n\n');
    assert.deepEqual(await loadLabels(path), ['background', 'forklift', 'pallet']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a blank line between names is E_LABELS_INVALID naming the line, since it would shift later ids', () => {
  assert.throws(() => parseLabels('cat\n\ndog\n', 'pets.txt'), {
    code: 'E_LABELS_INVALID',
    message: /^Labels file pets\.txt has a blank line at line 2/,
  });
});

test('an empty labels file is E_LABELS_INVALID', () => {
  assert.throws(() => parseLabels('\n \n', 'empty.txt'), { code: 'E_LABELS_INVALID', message: /^Labels file empty\.txt is empty/ });
});

test('a class id past the labels is named "class N"', () => {
  assert.equal(labelOf(['cat'], 0), 'cat');
  assert.equal(labelOf(['cat'], 3), 'class 3');
});
