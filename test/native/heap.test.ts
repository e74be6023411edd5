/**
 * trimHeap (malloc_trim) against glibc's own behaviour: freed buffers below the top of the heap stay
 * resident after free(), and a trim gives their pages back; HeapTrim counts its passes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { collectGarbage } from '../../bench/lib/proc.ts';
import { trimHeap } from '../../src/native/index.ts';
import { HeapTrim } from '../../src/site/heap-trim.ts';

const MiB = 1024 * 1024;

function rssAnonBytes(): number {
  return Number(/^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
}

/** glibc is what has malloc_trim (the report names its version only there). */
const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
const glibc = report.header?.glibcVersionRuntime !== undefined;
/** Under the sanitizer run (test/scripts/test-sanitize.sh) ASan's allocator replaces glibc's: its heap has nothing to trim. */
const sanitized = process.env['PANOPTES_SANITIZED'] === '1';

const trimSkip = !glibc ? 'glibc only' : sanitized ? "ASan's allocator in use: glibc's heap is not where buffers live" : false;

test('a trim gives back the pages of freed buffers that free() left resident in the heap', { skip: trimSkip }, async () => {
  // 64 MiB of 64 KiB buffers (below the mmap threshold: they come from the heap), touched so they are
  // resident; every other one stays alive, so the freed ones are holes free() cannot hand back.
  const chunks = Array.from({ length: 1024 }, () => new Uint8Array(64 * 1024).fill(1));
  const kept = chunks.filter((_, i) => i % 2 === 0);
  chunks.length = 0;
  collectGarbage();
  // V8 may free the backing stores on a background thread after the collection.
  await sleep(200);
  collectGarbage();
  const before = rssAnonBytes();
  assert.equal(trimHeap(), 'released');
  const after = rssAnonBytes();
  assert.ok(before - after > 16 * MiB, `RssAnon ${(before / MiB).toFixed(1)} -> ${(after / MiB).toFixed(1)} MiB`);
  assert.equal(kept.length, 512);
});

test('HeapTrim counts its passes and the time they took', { skip: !glibc && 'glibc only' }, () => {
  const trim = new HeapTrim();
  trim.pass();
  trim.pass();
  assert.equal(trim.stats.passes, 2);
  assert.ok(trim.stats.released <= 2 && trim.stats.busyMs >= 0);
});
