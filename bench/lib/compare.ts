/**
 * --compare OLD.json: every case present in both runs, old and new median, the delta, and a flag when
 * the change is larger than the runs' own noise. The rule (also in bench/README.md):
 *
 *   flagged <=> the min-max ranges of the two runs do not overlap
 *               AND |delta of the medians| > the larger relative spread (max - min) / median of the two.
 *
 * Why both: with n trials a side and no real change, all of one run's trials land above all of the
 * other's with probability 2 / C(2n, n) (0.1 at n = 3, 0.008 at n = 5, 4e-5 at n = 9), so disjoint
 * ranges are rare by chance; the spread condition keeps a tiny shift next to one very noisy run (a
 * disturbed machine) from being called a change. Cases with fewer than MIN_SAMPLES samples on a side
 * are listed but never flagged: they carry no noise estimate. A capacity (samples 0) is an interval,
 * [last sustained, first failing), and is compared the same way.
 */
import { caseKey, rangeText, renderTable, type ResultCase, type TableStyle } from './cases.ts';

export const MIN_SAMPLES = 3;

export interface Comparison {
  old: ResultCase;
  now: ResultCase;
  /** (new - old) / old median, in %. */
  deltaPercent: number;
  /** The larger relative spread of the two, in %: what this pair's noise allows. */
  noisePercent: number;
  overlap: boolean;
  flagged: boolean;
  /** For a flagged case: whether it moved the good way for its metric. */
  verdict: 'better' | 'worse' | null;
}

function spreadPercent(c: ResultCase): number {
  return c.median === 0 ? 0 : ((c.max - c.min) / Math.abs(c.median)) * 100;
}

const measurable = (c: ResultCase): boolean => c.samples === 0 || c.samples >= MIN_SAMPLES;

export function compareCase(old: ResultCase, now: ResultCase): Comparison {
  const deltaPercent = old.median === 0 ? (now.median === 0 ? 0 : Infinity) : ((now.median - old.median) / Math.abs(old.median)) * 100;
  const noisePercent = Math.max(spreadPercent(old), spreadPercent(now));
  const overlap = !(old.max < now.min || now.max < old.min);
  const flagged = measurable(old) && measurable(now) && !overlap && Math.abs(deltaPercent) > noisePercent;
  const up = now.median > old.median;
  const verdict = flagged ? ((now.better === 'higher') === up ? 'better' : 'worse') : null;
  return { old, now, deltaPercent, noisePercent, overlap, flagged, verdict };
}

export interface CompareResult {
  pairs: Comparison[];
  onlyOld: ResultCase[];
  onlyNew: ResultCase[];
}

export function compareRuns(old: readonly ResultCase[], now: readonly ResultCase[]): CompareResult {
  const before = new Map(old.map((c) => [caseKey(c), c]));
  const after = new Set(now.map(caseKey));
  const pairs: Comparison[] = [];
  const onlyNew: ResultCase[] = [];
  for (const c of now) {
    const o = before.get(caseKey(c));
    if (o) pairs.push(compareCase(o, c));
    else onlyNew.push(c);
  }
  return { pairs, onlyOld: old.filter((c) => !after.has(caseKey(c))), onlyNew };
}

function deltaText(p: Comparison): string {
  if (!Number.isFinite(p.deltaPercent)) return 'new';
  return `${p.deltaPercent >= 0 ? '+' : ''}${p.deltaPercent.toFixed(1)}%`;
}

function flagText(p: Comparison): string {
  if (p.flagged) return p.verdict === 'better' ? 'BETTER' : 'WORSE';
  return measurable(p.old) && measurable(p.now) ? 'noise' : `n<${MIN_SAMPLES}`;
}

/** The comparison table, then one line of totals. */
export function compareTable(result: CompareResult, style: TableStyle, oldLabel: string): string[] {
  const header = ['scenario', 'case', 'impl', 'metric', 'old median (min-max)', 'new median (min-max)', 'delta', 'noise', 'change'];
  const rows = result.pairs.map((p) => [
    p.now.scenario,
    p.now.case,
    p.now.impl,
    p.now.metric,
    rangeText(p.old),
    rangeText(p.now),
    deltaText(p),
    `${p.noisePercent.toFixed(1)}%`,
    flagText(p),
  ]);
  const flagged = result.pairs.filter((p) => p.flagged);
  const worse = flagged.filter((p) => p.verdict === 'worse').length;
  const title =
    `Compared with ${oldLabel}: ${result.pairs.length} cases in both, ${flagged.length} changed beyond noise ` +
    `(${flagged.length - worse} better, ${worse} worse); ${result.onlyNew.length} only in this run, ${result.onlyOld.length} only in the old one.`;
  const rule = 'change: flagged when the min-max ranges do not overlap and |delta| > noise (the larger (max-min)/median of the two runs).';
  return [
    style === 'markdown' ? `### Compared with ${oldLabel}` : title,
    '',
    ...renderTable(header, rows, style, 4),
    '',
    ...(style === 'markdown' ? [title, ''] : []),
    rule,
  ];
}
