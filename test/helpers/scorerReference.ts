/**
 * What the fused scorer computes for one row of logits (fusedScorer.ts's header), in float64: the sums
 * z, s1, s2 of e^d, e^d·d, e^d·d² with d = logit − max, the target's d, its rank (entries above it) and
 * the top-k ids, ties lowest id first.
 */
export function scorerReference(row: Float32Array, target: number, k: number) {
  const max = row.reduce((m, x) => Math.max(m, x), -Infinity);
  let z = 0,
    s1 = 0,
    s2 = 0,
    rank = 0;
  const targetD = row[target] - max;
  for (const x of row) {
    const d = x - max,
      e = Math.exp(d);
    z += e;
    s1 += e * d;
    s2 += e * d * d;
    if (d > targetD) rank++;
  }
  const ids = [...row.keys()].sort((a, b) => row[b] - row[a] || a - b).slice(0, k);
  return { z, s1, s2, targetD, rank, ids };
}
