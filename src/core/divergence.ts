/**
 * Two next-token distributions over the full vocabulary, compared in bits: the log-probabilities of
 * one id under both, KL(p || q) and the variance of the log-ratio log2 p − log2 q under p
 * (measures.md, "Directed information", "Two models on one text"). Logits are float32; sums run in
 * float64 from max-shifted values, like tokenMeasures.ts.
 */
import * as fastExp from './fastExp';
import { LN2 } from './units';

// Module-local bindings: under a CommonJS transform an imported name is a getter call on every use,
// which costs more than the exponential itself in the loops below.
const { expNeg, EXP_FRACTION, EXP_LIMIT, EXP_PER_UNIT, EXP_STEP, EXP_WHOLE } = fastExp;

export interface PairMeasures {
  /** log2 p(target) and log2 q(target). */
  log2P: number;
  log2Q: number;
  /** KL(p || q) in bits, ≥ 0. */
  klBits: number;
  /** Var_p[log2 p − log2 q] in bits². */
  logRatioVarBits2: number;
}

let scratch = new Float64Array(0);

function maxOf(row: Float32Array, from: number, to: number): number {
  let m = -Infinity;
  for (let v = from; v < to; v++) if (row[v] > m) m = row[v];
  return m;
}

/** Measures of the pair (p, q) given as logits rows; `target` is the id whose log-probabilities are wanted. */
export function pairMeasures(p: Float32Array, q: Float32Array, target: number): PairMeasures {
  const V = p.length;
  if (q.length !== V) throw new Error(`pairMeasures: rows of ${V} and ${q.length} logits`);
  if (scratch.length < V) scratch = new Float64Array(V);
  const mp = maxOf(p, 0, V),
    mq = maxOf(q, 0, V);
  let zp = 0,
    zq = 0;
  for (let v = 0; v < V; v++) {
    const e = expNeg(mp - p[v]);
    scratch[v] = e;
    zp += e;
    zq += expNeg(mq - q[v]);
  }
  const logZp = Math.log(zp) + mp,
    logZq = Math.log(zq) + mq;
  // log p_v − log q_v = (p_v − q_v) − c; centring on c keeps the sums of small differences exact.
  const c = logZp - logZq;
  let s1 = 0,
    s2 = 0;
  for (let v = 0; v < V; v++) {
    const pv = scratch[v] / zp;
    if (pv === 0) continue;
    const d = p[v] - q[v] - c;
    s1 += pv * d;
    s2 += pv * d * d;
  }
  return {
    log2P: (p[target] - logZp) / LN2,
    log2Q: (q[target] - logZq) / LN2,
    klBits: Math.max(0, s1 / LN2),
    logRatioVarBits2: Math.max(0, (s2 - s1 * s1) / (LN2 * LN2)),
  };
}

/** log Σ e^l of a logits row (natural log). */
export function logSumExp(row: Float32Array): number {
  const m = maxOf(row, 0, row.length);
  let z = 0;
  for (let v = 0; v < row.length; v++) z += expNeg(m - row[v]);
  return Math.log(z) + m;
}

/**
 * A reference distribution p kept for many comparisons against it (occlusion: one clean row against
 * every occluded row of the same target). Keeps its logits and probabilities so each comparison
 * costs one exp per entry.
 */
export interface ReferenceRow {
  logits: Float32Array;
  probs: Float32Array;
  /** Σ probs as stored (≈ 1). */
  mass: number;
  logZ: number;
  max: number;
}

export function referenceRow(row: Float32Array): ReferenceRow {
  const logits = new Float32Array(row.length),
    probs = new Float32Array(row.length);
  return { logits, probs, ...referenceRowInto(row, logits, probs) };
}

/**
 * Fills `logits` and `probs` (views of a row's length, e.g. into a shared table) from a logits row;
 * `known` is the row's logZ and max when the caller has them already (positionMeasures computes both).
 */
export function referenceRowInto(
  row: Float32Array,
  logits: Float32Array,
  probs: Float32Array,
  known?: { logZ: number; max: number },
): Pick<ReferenceRow, 'mass' | 'logZ' | 'max'> {
  logits.set(row);
  const logZ = known ? known.logZ : logSumExp(logits);
  let mass = 0;
  for (let v = 0; v < logits.length; v++) {
    probs[v] = Math.exp(logits[v] - logZ);
    mass += probs[v];
  }
  return { mass, logZ, max: known ? known.max : maxOf(logits, 0, logits.length) };
}

/** How far above the reference's largest logit an occluded row may reach before its own maximum is needed. */
const SHIFT_MARGIN = 20;

/**
 * log2 p(target) − log2 q(target) and KL(p || q) in bits, p a reference row, q the logits row at
 * `offset` of `logits` (a forward output, read in place). One pass: the exponentials are shifted by
 * the reference's largest logit plus a margin (an occluded row stays near its clean row), and the
 * rare row that rises above that is redone with its own maximum.
 */
export function againstReference(
  p: ReferenceRow,
  logits: Float32Array,
  target: number,
  offset = 0,
): { logRatioBits: number; klBits: number } {
  const { logits: lp, probs } = p;
  const V = lp.length;
  let shift = p.max + SHIFT_MARGIN,
    zq = 0,
    s = 0,
    lowest = Infinity;
  for (let v = 0; v < V; v++) {
    const l = logits[offset + v];
    s += probs[v] * (lp[v] - l);
    const y = shift - l;
    if (y < lowest) lowest = y;
    if (y < EXP_LIMIT) {
      // expNeg(y), inlined (this loop runs once per vocabulary entry per matrix cell); y < 0 is redone below
      const sc = y * EXP_PER_UNIT;
      const n = (sc + 0.5) | 0;
      const r = (n - sc) * EXP_STEP;
      zq += EXP_WHOLE[n >> 8] * EXP_FRACTION[n & 255] * (1 + r * (1 + r * (0.5 + r * (1 / 6))));
    }
  }
  if (!(lowest >= 0) || !(zq > 0)) {
    shift = maxOf(logits, offset, offset + V);
    zq = 0;
    for (let v = 0; v < V; v++) zq += expNeg(shift - logits[offset + v]);
  }
  const logZq = Math.log(zq) + shift;
  const c = p.logZ - logZq;
  return {
    logRatioBits: (lp[target] - logits[offset + target] - c) / LN2,
    klBits: Math.max(0, (s - c * p.mass) / LN2),
  };
}
