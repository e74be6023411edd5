/**
 * The site bench's profile summary (bench/fixtures/site-profile.ts) over V8 .cpuprofile files written
 * here: only samples inside the hold count, waiting (idle, Atomics.wait loops) is not CPU, and
 * functions are summed across threads.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { summariseProfiles } from '../../bench/fixtures/site-profile.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-site-profile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const repo = path.resolve(import.meta.dirname, '../..');
const frame = (id: number, functionName: string, file: string, lineNumber = 0) => ({
  id,
  callFrame: { functionName, url: file === '' ? '' : pathToFileURL(path.join(repo, file)).href, lineNumber },
});

/** A thread's profile: one sample every 1 ms from t = 1000 us, on the given node ids. */
function writeProfile(name: string, samples: number[]): void {
  const nodes = [
    frame(1, '(root)', ''),
    frame(2, '(idle)', ''),
    frame(3, 'analyse', 'src/channel/camera-pipeline.ts', 99),
    frame(4, 'wait', 'src/ring/doorbell.ts', 52),
    frame(5, 'atomicsWaitLoop', 'node_modules/piscina/dist/worker.js', 125),
    frame(6, 'publish', 'src/outputs/mqtt/publisher.ts', 10),
  ];
  const profile = { nodes, startTime: 0, endTime: 1000 + samples.length * 1000, samples, timeDeltas: samples.map(() => 1000) };
  writeFileSync(path.join(dir, name), JSON.stringify(profile));
}

test('the profile summary counts CPU inside the hold only, leaves waiting out and sums functions over threads', () => {
  // Samples at 1, 2, ... ms; the hold is [3, 8) ms: the third to the seventh sample.
  writeProfile('CPU.main.cpuprofile', [6, 6, 3, 3, 6, 2, 4, 6, 6, 6]);
  writeProfile('CPU.worker.cpuprofile', [5, 5, 3, 3, 5, 3, 3, 5, 5, 5]);
  const s = summariseProfiles(dir, { fromUs: 3000, toUs: 8000 }, 2);
  assert.deepEqual(
    s.threads.map((t) => [t.file, t.busyMs]),
    [
      ['CPU.worker.cpuprofile', 4],
      ['CPU.main.cpuprofile', 3],
    ],
  );
  assert.deepEqual(
    s.top.map((t) => [t.fn, t.where, t.selfMs, t.share]),
    [
      ['analyse', 'src/channel/camera-pipeline.ts', 6, 6 / 7],
      ['publish', 'src/outputs/mqtt/publisher.ts', 1, 1 / 7],
    ],
  );
});
