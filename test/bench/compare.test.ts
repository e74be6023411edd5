/**
 * --compare (bench/lib/compare.ts, bench/lib/results.ts) on results files built here: a change beyond
 * the runs' own noise is flagged with its direction, noise is not, and old single-scenario reports
 * from bench/results are read through their derived cases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { ResultCase } from '../../bench/lib/cases.ts';
import { compareCase, compareRuns, compareTable } from '../../bench/lib/compare.ts';
import { readCases, ResultsFileError, RUN_FORMAT } from '../../bench/lib/results.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-compare-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kase(name: string, median: number, min: number, max: number, better: 'lower' | 'higher' = 'lower', samples = 9): ResultCase {
  return {
    scenario: 'kernels',
    case: name,
    impl: 'panoptes-avx2',
    metric: 'ns/px',
    better,
    median,
    min,
    max,
    samples,
    baseline: null,
    ratio: null,
    headline: true,
  };
}

function runFile(name: string, cases: ResultCase[]): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({ format: RUN_FORMAT, date: '2026-11-24T00:00:00Z', quick: false, argv: [], machine: {}, cases, reports: {} }),
  );
  return file;
}

test('a slowdown whose range does not overlap the old one and exceeds both spreads is flagged worse', () => {
  const old = readCases(runFile('old.json', [kase('motion', 100, 95, 104), kase('sharpness', 50, 48, 53)]));
  const now = readCases(runFile('new.json', [kase('motion', 130, 126, 135), kase('sharpness', 51, 47, 54)]));
  const result = compareRuns(old, now);
  const motion = result.pairs.find((p) => p.now.case === 'motion');
  assert.ok(motion);
  assert.equal(motion.flagged, true);
  assert.equal(motion.verdict, 'worse');
  assert.equal(Math.round(motion.deltaPercent), 30);
  const sharpness = result.pairs.find((p) => p.now.case === 'sharpness');
  assert.equal(sharpness?.flagged, false, 'overlapping ranges are noise');
  const text = compareTable(result, 'text', 'old.json').join('\n');
  assert.match(text, /1 changed beyond noise \(0 better, 1 worse\)/);
  assert.match(text, /motion .* \+30\.0% .* WORSE/);
  assert.match(text, /sharpness .* noise/);
});

test('a faster median on a metric where lower is better, or more on one where higher is, is flagged better', () => {
  assert.equal(compareCase(kase('a', 100, 98, 102), kase('a', 60, 59, 61)).verdict, 'better');
  assert.equal(compareCase(kase('b', 100, 98, 102, 'higher'), kase('b', 150, 148, 151, 'higher')).verdict, 'better');
});

test('disjoint ranges next to one very noisy run are not flagged when the delta is within that noise', () => {
  const c = compareCase(kase('noisy', 100, 60, 101), kase('noisy', 103, 102, 104));
  assert.equal(c.overlap, false);
  assert.ok(c.noisePercent > Math.abs(c.deltaPercent));
  assert.equal(c.flagged, false);
});

test('cases with fewer than three samples are listed but never flagged, and unmatched cases are counted', () => {
  const result = compareRuns(
    [kase('one', 100, 100, 100, 'lower', 1), kase('gone', 5, 4, 6)],
    [kase('one', 200, 200, 200, 'lower', 1), kase('added', 5, 4, 6)],
  );
  assert.equal(result.pairs[0]?.flagged, false);
  assert.deepEqual(
    result.onlyOld.map((c) => c.case),
    ['gone'],
  );
  assert.deepEqual(
    result.onlyNew.map((c) => c.case),
    ['added'],
  );
  assert.match(compareTable(result, 'text', 'x').join('\n'), /n<3/);
});

test('a capacity interval that moved past the old one is flagged; the same interval is not', () => {
  const cap = (sustained: number, upper: number): ResultCase => ({
    ...kase('capacity', sustained, sustained, upper, 'higher', 0),
    metric: 'cameras',
  });
  assert.equal(compareCase(cap(1200, 1399), cap(600, 799)).verdict, 'worse');
  assert.equal(compareCase(cap(1200, 1399), cap(1200, 1399)).flagged, false);
});

test('an old single-scenario report from bench/results is compared through its derived cases', () => {
  const summary = (median: number): { median: number; min: number; max: number; samples: number[]; iterations: number } => ({
    median,
    min: median * 0.98,
    max: median * 1.02,
    samples: [median * 0.98, median, median * 1.02],
    iterations: 10,
  });
  const row = (impl: string, ns: number): object => ({
    case: 'motion gray 640x360',
    impl,
    pixels: 1,
    bytes: 1,
    nsPerCall: summary(ns),
    nsPerPixel: { median: ns, min: ns * 0.98, max: ns * 1.02 },
    mbPerSecond: 1,
    timeRatioToOpenCv: impl.startsWith('opencv') ? 1 : ns / 0.16,
    percentOfMemcpy: null,
  });
  const file = path.join(dir, 'kernels-2026-11-23.json');
  writeFileSync(
    file,
    JSON.stringify({
      scenario: 'kernels',
      machine: { simd: { active: 'avx2' } },
      rows: [row('panoptes-avx2', 0.09), row('opencv-absdiff', 0.16)],
    }),
  );
  const cases = readCases(file);
  assert.deepEqual(
    cases.map((c) => [c.impl, c.baseline, c.headline]),
    [
      ['panoptes-avx2', 'opencv-absdiff', true],
      ['opencv-absdiff', 'opencv-absdiff', true],
    ],
  );
});

test('a file that is not bench results is rejected with what was expected', () => {
  const file = path.join(dir, 'other.json');
  writeFileSync(file, '{"hello": 1}');
  assert.throws(
    () => readCases(file),
    (err: unknown) => err instanceof ResultsFileError && /holds no bench results this harness knows/.test(err.message),
  );
  assert.throws(() => readCases(path.join(dir, 'missing.json')), /cannot read .*missing\.json as JSON/);
});
