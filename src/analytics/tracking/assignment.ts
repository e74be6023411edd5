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
  const alone = unconflicted(cost, cols, allowed);
  if (alone !== null) return alone;
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

/**
 * The pairs when no row and no column has more than one allowed partner (one object by one track, the
 * common frame): every allowed pair is in the optimal assignment and there is nothing to solve. Null
 * when some row or column could pair two ways.
 */
function unconflicted(cost: readonly (readonly number[])[], cols: number, allowed: (c: number) => boolean): Assignment[] | null {
  const out: Assignment[] = [];
  let usedCols = 0;
  for (let row = 0; row < cost.length; row++) {
    let pick = -1;
    for (let j = 0; j < cols; j++) {
      if (!allowed((cost[row] as readonly number[])[j] as number)) continue;
      if (pick >= 0) return null;
      pick = j;
    }
    if (pick < 0) continue;
    // Columns past 31 fall back to the solver rather than track a larger set.
    if (pick > 31 || (usedCols & (1 << pick)) !== 0) return null;
    usedCols |= 1 << pick;
    out.push({ row, col: pick, cost: (cost[row] as readonly number[])[pick] as number });
  }
  return out;
}
