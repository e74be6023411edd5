import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, mock, test } from 'node:test';
import { runModelsCommand } from '../../src/cli/models.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'panoptes-models-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('models prepare nanodet-m-N converts NanoDet at that input side into the directory', async () => {
  const log = mock.method(console, 'log', () => undefined);
  try {
    assert.equal(await runModelsCommand(['prepare', 'nanodet-m-288', '--dir', dir]), 0);
  } finally {
    log.mock.restore();
  }
  assert.match(String(log.mock.calls[0]?.arguments[0]), /^converted: nanodet-m-288 -> /);
  assert.ok(statSync(join(dir, 'nanodet-m-288.onnx')).size > 1_000_000);
});

test('models prepare refuses a NanoDet side off its 32-pixel stride or out of range as an unknown model', async () => {
  const error = mock.method(console, 'error', () => undefined);
  try {
    for (const id of ['nanodet-m-333', 'nanodet-m-96', 'nanodet-m-672', 'yolo']) {
      assert.equal(await runModelsCommand(['prepare', id, '--dir', dir]), 1, id);
    }
  } finally {
    error.mock.restore();
  }
  assert.match(String(error.mock.calls[0]?.arguments[0]), /^Unknown model nanodet-m-333\.\nUsage:[\s\S]*nanodet-m-N converts NanoDet/);
});
