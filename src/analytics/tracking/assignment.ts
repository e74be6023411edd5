/**
 * Gated linear assignment: the pairs of rows and columns with the least total cost, where only pairs at
 * or under `maxCost` may be paired. Solved optimally by the Munkres (Hungarian) algorithm of the
 * `munkres` package (rectangular matrices, O(n^2 m)); a tracker's matrices are a few tracks by a few
 * detections, so the solver's cost is negligible next to a greedy loop's mistakes in a crossing.
 *
 * Forbidden pairs get a cost larger than any sum of allowed ones, so the solver first pairs as many
 * rows as the allowed pairs permit, then minimises their cost; forbidden pairs it had to make are
 * dropped from the answer. This is SORT's rule (solve, then discard pairs over the threshold).
 */
import { munkres } from 'munkres';

export interface Assignment {
  row: number;
  col: number;
  cost: number;
}

/**
 * `cost[row][col]`, every row as long as `cols`; NaN, infinite or above `maxCost` means forbidden.
 * Pairs are returned in row order.
 */
export function assign(cost: readonly (readonly number[])[], cols: number, maxCost: number): Assignment[] {
  const rows = cost.length;
  if (rows === 0 || cols === 0) return [];
  const allowed = (c: number): boolean => Number.isFinite(c) && c <= maxCost;
  let any = false;
  let worst = 0;
  for (const row of cost) {
    for (let j = 0; j < cols; j++) {
      const c = row[j] as number;
      if (!allowed(c)) continue;
      any = true;
      worst = Math.max(worst, Math.abs(c));
    }
  }
  if (!any) return [];
  // Larger than the cost of any set of allowed pairs (at most min(rows, cols) of them, each >= -worst).
  const forbidden = (Math.min(rows, cols) + 1) * (2 * worst + 1);
  const matrix = cost.map((row) => Array.from({ length: cols }, (_, j) => (allowed(row[j] as number) ? (row[j] as number) : forbidden)));
  const out: Assignment[] = [];
  for (const [row, col] of munkres(matrix)) {
    const c = (cost[row] as readonly number[])[col] as number;
    if (allowed(c)) out.push({ row, col, cost: c });
  }
  return out.sort((a, b) => a.row - b.row);
}
