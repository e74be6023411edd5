import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SceneMediaMissingError } from '../../src/errors.ts';
import { openCvMedia } from '../../src/scenes/opencv-media.ts';

test('a missing OpenCV sample is E_MEDIA_MISSING naming the file and the script that extracts it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-media-'));
  try {
    assert.throws(
      () => openCvMedia('vtest.avi', dir),
      (err: unknown) =>
        err instanceof SceneMediaMissingError &&
        err.code === 'E_MEDIA_MISSING' &&
        err.message ===
          `${path.join(dir, 'vtest.avi')} is missing: run 'bash test/scripts/ensure-test-media.sh' (npm test runs it) to extract the scene media`,
    );
    writeFileSync(path.join(dir, 'vtest.avi'), '');
    assert.equal(openCvMedia('vtest.avi', dir), path.join(dir, 'vtest.avi'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
