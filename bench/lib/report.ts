/** Bench output: rows with derived rates and ratios, a plain-text table, machine facts and the JSON file. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  caseName: string, impl: string, pixels: number, bytes: number, s: Summary,
  opencv: Summary | undefined, memcpy: Summary | undefined,
): Row {
  return {
    case: caseName, impl, pixels, bytes, nsPerCall: s,
    nsPerPixel: { median: s.median / pixels, min: s.min / pixels, max: s.max / pixels },
    mbPerSecond: bytes / s.median * 1e3,
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

export interface MachineFacts {
  cpu: string;
  cores: number;
  platform: string;
  node: string;
  gitCommit: string | null;
  [key: string]: unknown;
}

export function machineFacts(extra: Record<string, unknown>): MachineFacts {
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    gitCommit = null; // not a checkout, or no commit yet
  }
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    node: process.version,
    gitCommit,
    ...extra,
  };
}

/** bench/results/<scenario>-<YYYY-MM-DD>.json unless a path is given. */
export function writeJson(scenario: string, report: unknown, file?: string): string {
  const target = file ?? path.join('bench', 'results', `${scenario}-${new Date().toISOString().slice(0, 10)}.json`);
  mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  writeFileSync(target, `${JSON.stringify(report, null, 2)}\n`);
  return target;
}

/** Lines of a plain-text table: the first `left` columns left-aligned, the rest right-aligned. */
export function alignColumns(header: readonly string[], rows: readonly (readonly string[])[], left = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${widths.map((w, i) => (i < left ? (cells[i] ?? '').padEnd(w) : (cells[i] ?? '').padStart(w))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}
