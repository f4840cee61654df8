/**
 * Per-position measures from one row of logits over the full vocabulary (measures.md, "Per token").
 * Logits are read as float32 (fp16 outputs are converted before they reach here); the log-softmax is
 * accumulated in float64 from the max-shifted float32 values, so nothing is lost to rounding.
 */
import type { MeasureRows } from './scoringModel';
import { LN2 } from './units';

export interface TopKEntry {
  id: number;
  probability: number;
  bits: number;
}

export interface PositionMeasures {
  /** -log2 p(target); null when no target was given. */
  surprisalBits: number | null;
  probability: number | null;
  entropyBits: number;
  /** Σ p (log2 p)² − H², in bits². */
  varentropyBits2: number;
  /** 1 + #{v : p(v) > p(target)}; null when no target. */
  rank: number | null;
  topK: TopKEntry[];
  /** Natural-log normaliser, kept for callers that need log p of other ids (logSumExp of the row). */
  logZ: number;
  max: number;
}

/** Reduces one logits row to the per-token measures. `target` < 0 means "no target". */
export function positionMeasures(row: Float32Array, target: number, k: number): PositionMeasures {
  const V = row.length;
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (row[v] > max) max = row[v];
  // One exp per entry: z = Σ e^(l-m), s1 = Σ e^(l-m)(l-m), s2 = Σ e^(l-m)(l-m)².
  let z = 0,
    s1 = 0,
    s2 = 0;
  for (let v = 0; v < V; v++) {
    const d = row[v] - max;
    const e = Math.exp(d);
    z += e;
    const ed = e * d;
    s1 += ed;
    s2 += ed * d;
  }
  const logZ = Math.log(z) + max; // log Σ e^l
  const lz = logZ - max; // log z
  const meanD = s1 / z; // E[l - m]
  const entropyNats = lz - meanD; // -E[log p] with log p = d - lz
  const meanLogP2 = s2 / z - 2 * lz * meanD + lz * lz; // E[(log p)²]
  const entropyBits = Math.max(0, entropyNats / LN2);
  const varentropyBits2 = Math.max(0, (meanLogP2 - entropyNats * entropyNats) / (LN2 * LN2));

  let surprisalBits: number | null = null,
    probability: number | null = null,
    rank: number | null = null;
  if (target >= 0) {
    const t = row[target];
    const logp = t - logZ;
    surprisalBits = -logp / LN2;
    probability = Math.exp(logp);
    let greater = 0;
    for (let v = 0; v < V; v++) if (row[v] > t) greater++;
    rank = greater + 1;
  }
  return { surprisalBits, probability, entropyBits, varentropyBits2, rank, topK: topKOfRow(row, k, logZ), logZ, max };
}

/** The k most probable ids of a row, most probable first (ties: lower id first). */
export function topKOfRow(row: Float32Array, k: number, logZ: number): TopKEntry[] {
  if (k <= 0) return [];
  const ids: number[] = [];
  let floor = -Infinity; // smallest logit kept once the list is full
  for (let v = 0; v < row.length; v++) {
    const l = row[v];
    if (ids.length === k && l <= floor) continue;
    let i = ids.length;
    if (i === k) {
      ids.pop();
      i--;
    }
    while (i > 0 && row[ids[i - 1]] < l) i--;
    ids.splice(i, 0, v);
    if (ids.length === k) floor = row[ids[k - 1]];
  }
  return ids.map((id) => {
    const logp = row[id] - logZ;
    return { id, probability: Math.exp(logp), bits: -logp / LN2 };
  });
}

/** Log-softmax of a row in natural log (float64 accumulation of float32 inputs). */
export function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < row.length; v++) if (row[v] > max) max = row[v];
  let z = 0;
  for (let v = 0; v < row.length; v++) z += Math.exp(row[v] - max);
  const lz = Math.log(z) + max;
  const out = new Float64Array(row.length);
  for (let v = 0; v < row.length; v++) out[v] = row[v] - lz;
  return out;
}

/** KL(p || q) in bits between the softmaxes of two logit rows over the full vocabulary. */
export function klBits(p: Float32Array, q: Float32Array): number {
  const lp = logSoftmax(p),
    lq = logSoftmax(q);
  let kl = 0;
  for (let v = 0; v < lp.length; v++) {
    const pv = Math.exp(lp[v]);
    if (pv > 0) kl += pv * (lp[v] - lq[v]);
  }
  return Math.max(0, kl / LN2);
}

/** Measures of one reduced row from an engine that reduces logits itself (MeasureRows, nats). */
export function measuresFromRow(
  m: Pick<
    MeasureRows,
    'targetLogProb' | 'negEntropy' | 'secondMoment' | 'greaterCount' | 'topkLogProb' | 'topkIds' | 'k'
  >,
  i: number,
  k: number,
): Omit<PositionMeasures, 'logZ' | 'max'> {
  const logp = m.targetLogProb[i];
  const entropyNats = -m.negEntropy[i];
  const topK: TopKEntry[] = [];
  for (let j = 0; j < Math.min(k, m.k); j++) {
    const lp = m.topkLogProb[i * m.k + j];
    topK.push({ id: Number(m.topkIds[i * m.k + j]), probability: Math.exp(lp), bits: -lp / LN2 });
  }
  return {
    surprisalBits: -logp / LN2,
    probability: Math.exp(logp),
    entropyBits: Math.max(0, entropyNats / LN2),
    varentropyBits2: Math.max(0, (m.secondMoment[i] - entropyNats * entropyNats) / (LN2 * LN2)),
    rank: m.greaterCount[i] + 1,
    topK,
  };
}
