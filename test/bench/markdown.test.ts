/** --markdown (bench/lib/cases.ts, bench/lib/compare.ts): the results and the comparison as pipe tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resultsTable, versusText, type ResultCase } from '../../bench/lib/cases.ts';
import { compareRuns, compareTable } from '../../bench/lib/compare.ts';

const base = { scenario: 'jpeg', metric: 'us/crop', better: 'lower', samples: 9, baseline: 'panoptes-sharp', headline: true } as const;
const CASES: ResultCase[] = [
  { ...base, case: 'rgb 320x320 | quality 80', impl: 'panoptes-sharp', median: 1387, min: 1300, max: 1500, ratio: 1 },
  { ...base, case: 'rgb 320x320 | quality 80', impl: 'opencv-imencode', median: 341, min: 330, max: 360, ratio: 0.246 },
  { ...base, case: 'hidden', impl: 'reference', median: 1, min: 1, max: 1, ratio: null, headline: false },
];

/** Every line a table row: starts and ends with a pipe, the same number of cells as the header, a separator second. */
function assertPipeTable(lines: readonly string[]): void {
  const cells = (line: string): number => line.replace(/\\\|/g, '').split('|').length - 2;
  assert.ok(lines.length >= 3, 'a header, a separator and rows');
  for (const line of lines) assert.match(line, /^\| .* \|$/);
  assert.match(lines[1] as string, /^\| (-{3}:? \| )*-{3}:? \|$/);
  for (const line of lines) assert.equal(cells(line), cells(lines[0] as string), line);
}

test('the markdown results are one pipe table per scenario with its headline cases, pipes in names escaped', () => {
  const lines = resultsTable(CASES, 'markdown');
  assert.equal(lines[0], '### jpeg');
  const table = lines.filter((l) => l.startsWith('|'));
  assertPipeTable(table);
  assert.equal(table[0], '| case | impl | metric | median (min-max) | vs peer |');
  assert.equal(table.length, 4, 'header, separator, two headline rows');
  assert.ok(table[2]?.includes('rgb 320x320 \\| quality 80'));
  assert.ok(!lines.join('\n').includes('hidden'), 'non-headline cases stay in the JSON');
});

test('the ratio to the peer is said plainly in both directions', () => {
  assert.equal(versusText(CASES[0] as ResultCase), 'baseline');
  assert.equal(versusText(CASES[1] as ResultCase), '4.07x faster than panoptes-sharp');
  assert.equal(versusText({ ...(CASES[1] as ResultCase), ratio: 2.5 }), '2.50x SLOWER than panoptes-sharp');
  assert.equal(versusText({ ...(CASES[1] as ResultCase), better: 'higher', ratio: 0.5 }), '2.00x LESS than panoptes-sharp');
});

test('the markdown comparison is a pipe table followed by its totals and the rule', () => {
  const now = CASES.map((c) => ({ ...c, median: c.median * 2, min: c.min * 2, max: c.max * 2 }));
  const lines = compareTable(compareRuns(CASES, now), 'markdown', 'old.json');
  assert.equal(lines[0], '### Compared with old.json');
  assertPipeTable(lines.filter((l) => l.startsWith('|')));
  assert.ok(lines.some((l) => l.startsWith('Compared with old.json: 3 cases in both, 3 changed beyond noise (0 better, 3 worse)')));
  assert.match(lines.at(-1) as string, /^change: flagged when the min-max ranges do not overlap/);
});
