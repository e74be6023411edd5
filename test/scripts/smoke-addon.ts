/** Loads the addon named by PANOPTES_ADDON and checks one call of each kernel family against known values. */
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import {
  addonPath,
  cropResize,
  makePipe,
  motion,
  pipeAvailable,
  setPipeSize,
  sharpness,
  simdReport,
  toLuma,
} from '../../src/native/index.ts';

const gray = new Uint8Array(64 * 48).map((_, i) => (i * 7) & 255);
const luma = toLuma(gray, 'gray', 64, 48, new Uint8Array(64 * 48), 64, 48);
assert.deepEqual(luma, gray, 'toLuma of a gray frame at the same size is the frame');
const moved = gray.slice();
moved.fill(255, 10 * 64, 11 * 64);
assert.equal(motion(moved, gray, { width: 64, height: 48, threshold: 10, minArea: 1 }).bbox?.y, 10);
assert.ok(sharpness(gray, 64, 48).tenengrad > 0);
assert.equal(cropResize(gray, 'gray', 64, 48, { width: 32, height: 32, layout: 'nhwc-u8', letterbox: true }).mapping.contentHeight, 24);
const [readFd, writeFd] = makePipe();
assert.ok(setPipeSize(readFd, 1 << 17) >= 1 << 17, 'setPipeSize grows a pipe');
assert.equal(pipeAvailable(readFd), 0, 'an empty pipe holds nothing');
closeSync(readFd);
closeSync(writeFd);
console.log(`addon ok: ${addonPath()} (simd ${simdReport().active})`);
