/** Bench output: rows with derived rates and ratios, a plain-text table, machine facts and the JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from './trials.ts';

export interface Row {
  case: string;
  impl: string;
  /** Pixels one call processes (defined per case), for ns/pixel. */
  pixels: number;
  /** Input bytes one call reads, for MB/s and the memcpy comparison. */
  bytes: number;
  nsPerCall: Summary;
  nsPerPixel: { median: number; min: number; max: number };
  mbPerSecond: number;
  /** Our median time / OpenCV's median time: below 1 we are faster, above 1 slower. */
  timeRatioToOpenCv: number | null;
  /** memcpy of the same bytes as a share of this implementation's time: 100% runs at copy speed. */
  percentOfMemcpy: number | null;
}

export function makeRow(
  caseName: string,
  impl: string,
  pixels: number,
  bytes: number,
  s: Summary,
  opencv: Summary | undefined,
  memcpy: Summary | undefined,
): Row {
  return {
    case: caseName,
    impl,
    pixels,
    bytes,
    nsPerCall: s,
    nsPerPixel: { median: s.median / pixels, min: s.min / pixels, max: s.max / pixels },
    mbPerSecond: (bytes / s.median) * 1e3,
    timeRatioToOpenCv: opencv ? s.median / opencv.median : null,
    percentOfMemcpy: memcpy ? (memcpy.median / s.median) * 100 : null,
  };
}

function sig(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** "3.10x faster" / "1.52x SLOWER" than OpenCV, said plainly either way. */
export function versus(row: Row): string {
  const ratio = row.timeRatioToOpenCv;
  if (ratio === null) return '-';
  if (row.impl.startsWith('opencv')) return 'baseline';
  return ratio <= 1 ? `${sig(1 / ratio)}x faster` : `${sig(ratio)}x SLOWER`;
}

/** A heading line per case, then one indented line per implementation; the OpenCV row is the baseline. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['impl', 'ns/px median (min-max)', 'MB/s', 'vs OpenCV', '% memcpy'];
  const body = rows.map((r) => [
    r.impl,
    `${sig(r.nsPerPixel.median)} (${sig(r.nsPerPixel.min)}-${sig(r.nsPerPixel.max)})`,
    sig(r.mbPerSecond),
    versus(r),
    r.percentOfMemcpy === null ? '-' : `${sig(r.percentOfMemcpy)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] as string).length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => (i >= 1 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ')}`;
  const out = [line(header)];
  let last = '';
  for (const [i, cells] of body.entries()) {
    const r = rows[i] as Row;
    if (r.case !== last) out.push('', r.case);
    last = r.case;
    out.push(line(cells));
  }
  return out.join('\n');
}

// Scenarios import the machine facts from here, next to the rest of their report.
export { machineFacts, type MachineFacts } from './machine.ts';

// Beside this file, wherever the bench is started from (panoptes bench runs from any directory).
export const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));

/** <dir>/<scenario>-<YYYY-MM-DD>.<ext>: a scenario's JSON and anything written next to it share the stem. */
export function resultPath(scenario: string, ext: string, dir: string = RESULTS_DIR, date = new Date()): string {
  return path.join(dir, `${scenario}-${date.toISOString().slice(0, 10)}.${ext}`);
}

/** Writes `data` as indented JSON to `target`, creating its folder; returns the path. */
export function writeJson(target: string, data: unknown): string {
  mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  writeFileSync(target, `${JSON.stringify(data, null, 2)}\n`);
  return target;
}

/** Lines of a plain-text table: the first `left` columns left-aligned, the rest right-aligned. */
export function alignColumns(header: readonly string[], rows: readonly (readonly string[])[], left = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${widths.map((w, i) => (i < left ? (cells[i] ?? '').padEnd(w) : (cells[i] ?? '').padStart(w))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}
