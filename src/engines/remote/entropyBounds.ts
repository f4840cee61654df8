/**
 * Entropy bounds from a partial distribution (measures.md, "Bounds from top-k"). Known: the
 * probabilities of some tokens (the top-k, plus the scored token when it is outside them); the residual
 * mass r = 1 − Σ known lies on the other V − |known| tokens, each at most `cap` (q_k, the smallest
 * top-k probability: an unlisted token cannot beat a listed one).
 *   lower: r on as few tokens as the cap allows: ⌊r/cap⌋ tokens at cap, the rest on one more token;
 *   upper: r spread uniformly over the V − |known| other tokens.
 * Never a renormalised guess: the true entropy lies between the two.
 */

export interface EntropyBoundsInput {
  /** Probabilities of distinct known tokens. */
  known: readonly number[];
  vocabSize: number;
  /** Largest probability an unknown token can have (null: no constraint beyond the residual mass). */
  cap: number | null;
}

const h = (p: number): number => (p > 0 ? -p * Math.log2(p) : 0);

export function entropyBoundsBits({ known, vocabSize, cap }: EntropyBoundsInput): { lower: number; upper: number } {
  let mass = 0,
    knownBits = 0;
  for (const q of known) {
    mass += q;
    knownBits += h(q);
  }
  const r = Math.max(0, 1 - mass);
  const others = Math.max(0, vocabSize - known.length);
  if (r <= 1e-15 || others === 0) return { lower: knownBits, upper: knownBits };
  const upper = knownBits + r * Math.log2(others / r);
  const c = cap === null || cap <= 0 ? r : Math.min(cap, r);
  let full = Math.floor(r / c + 1e-12);
  let rest = r - full * c;
  if (full >= others) {
    full = others;
    rest = 0;
  }
  if (rest < 1e-15) rest = 0;
  const lower = knownBits + full * h(c) + h(rest);
  return { lower: Math.min(lower, upper), upper: Math.max(lower, upper) };
}
