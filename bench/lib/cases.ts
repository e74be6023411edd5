/**
 * The one shape every scenario's results take for the end-of-run table, --markdown and --compare: a
 * case (what was measured), an implementation (who), a metric with its unit and direction, and the
 * median with min-max over the scenario's repeated trials (or windows), plus the ratio to its peer.
 */
import { alignColumns } from './report.ts';

export interface ResultCase {
  scenario: string;
  case: string;
  impl: string;
  /** Name and unit, e.g. "ns/px", "us/frame", "crops/s", "p99 ms", "cameras". */
  metric: string;
  better: 'lower' | 'higher';
  median: number;
  min: number;
  max: number;
  /**
   * Samples behind min-max (trials, windows, rounds). 0: min-max is an interval known to hold the
   * value (a capacity lies between the last sustained level and the first failing one), not samples.
   */
  samples: number;
  /** The peer or baseline this case is compared with in the same run, and median / its median. */
  baseline: string | null;
  ratio: number | null;
  /** Shown in the end-of-run table; the rest (every SIMD level, references) only in JSON and --compare. */
  headline: boolean;
}

/** Identifies a case across runs for --compare. */
export function caseKey(c: Pick<ResultCase, 'scenario' | 'case' | 'impl' | 'metric'>): string {
  return `${c.scenario} | ${c.case} | ${c.impl} | ${c.metric}`;
}

/** Three significant digits, no exponent for the magnitudes a bench prints. */
export function sig(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return a === 0 ? '0' : v.toPrecision(3);
}

/** Median (min-max); counts (cameras) as whole numbers. */
export function rangeText(c: Pick<ResultCase, 'median' | 'min' | 'max'>): string {
  const f = (v: number): string => (Number.isInteger(v) ? String(v) : sig(v));
  return c.min === c.max ? f(c.median) : `${f(c.median)} (${f(c.min)}-${f(c.max)})`;
}

/** "2.10x faster" / "1.52x SLOWER" than the baseline, said plainly either way, for either direction of metric. */
export function versusText(c: ResultCase): string {
  if (c.ratio === null || c.baseline === null) return '-';
  if (c.ratio === 1 && c.impl === c.baseline) return 'baseline';
  const better = c.better === 'lower' ? c.ratio <= 1 : c.ratio >= 1;
  const factor = c.ratio >= 1 ? c.ratio : 1 / c.ratio;
  const word = c.better === 'lower' ? (better ? 'faster' : 'SLOWER') : better ? 'more' : 'LESS';
  return `${sig(factor)}x ${word} than ${c.baseline}`;
}

export type TableStyle = 'text' | 'markdown';

/** A markdown pipe table; pipes inside cells are escaped so a case name cannot break a row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], left = 1): string[] {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const align = header.map((_, i) => (i < left ? '---' : '---:'));
  return [row(header), `| ${align.join(' | ')} |`, ...rows.map(row)];
}

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], style: TableStyle, left = 1): string[] {
  return style === 'markdown' ? markdownTable(header, rows, left) : alignColumns(header, rows, left);
}

/** The end-of-run table: one block per scenario, its headline cases. */
export function resultsTable(cases: readonly ResultCase[], style: TableStyle): string[] {
  const out: string[] = [];
  for (const scenario of [...new Set(cases.map((c) => c.scenario))]) {
    const mine = cases.filter((c) => c.scenario === scenario && c.headline);
    if (mine.length === 0) continue;
    const rows = mine.map((c) => [c.case, c.impl, c.metric, rangeText(c), versusText(c)]);
    out.push(style === 'markdown' ? `### ${scenario}` : scenario, '');
    out.push(...renderTable(['case', 'impl', 'metric', 'median (min-max)', 'vs peer'], rows, style, 3), '');
  }
  return out;
}
