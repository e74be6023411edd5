/**
 * Greedy one-to-one matching of a frame's detections to its truth objects, as the quality figures score
 * them: candidate pairs best first, each detection and each truth object used at most once.
 */
export interface MatchPair {
  /** Detection index in the frame. */
  d: number;
  /** Truth object id. */
  id: string;
  /** How well they match: an IoU (higher is better) or a distance (lower is better). */
  v: number;
}

export function greedyMatch(pairs: MatchPair[], best: 'highest' | 'lowest'): Map<number, string> {
  pairs.sort(best === 'highest' ? (a, b) => b.v - a.v : (a, b) => a.v - b.v);
  const out = new Map<number, string>();
  const used = new Set<string>();
  for (const p of pairs) {
    if (out.has(p.d) || used.has(p.id)) continue;
    out.set(p.d, p.id);
    used.add(p.id);
  }
  return out;
}
