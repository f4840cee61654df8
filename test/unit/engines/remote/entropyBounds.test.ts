/** measures.md "Bounds from top-k": the true entropy always lies between the bounds; they are tight when nothing is missing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { entropyBoundsBits } from '../../../../src/engines/remote/entropyBounds';

const H = (p: number[]) => p.reduce((a, q) => (q > 0 ? a - q * Math.log2(q) : a), 0);

test('random distributions: lower ≤ H ≤ upper for top-k (+ the scored token outside it) and for the scored token alone', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -12, max: 6, noNaN: true }), { minLength: 2, maxLength: 300 }),
      fc.nat(10),
      fc.nat(299),
      (logits, k, target) => {
        const z = logits.reduce((a, l) => a + Math.exp(l), 0);
        const p = logits.map((l) => Math.exp(l) / z);
        const V = p.length;
        const order = p.map((_, i) => i).sort((a, b) => p[b] - p[a]);
        const kk = Math.min(k, V);
        const top = order.slice(0, kk);
        const t = target % V;
        const known = top.map((i) => p[i]);
        if (!top.includes(t)) known.push(p[t]);
        const b = entropyBoundsBits({ known, vocabSize: V, cap: kk > 0 ? p[top[kk - 1]] : null });
        const h = H(p);
        assert.ok(b.lower <= h + 1e-9 && h <= b.upper + 1e-9, `${b.lower} ≤ ${h} ≤ ${b.upper}`);
        assert.ok(b.upper <= Math.log2(V) + 1e-9);
      },
    ),
    { numRuns: 300 },
  );
});

test('a text-keyed top list that collapsed is not a cap: the bounds from rows still contain H', async () => {
  const { rowsToTokens } = await import('../../../../src/engines/remote/rowsToResult');
  // true distribution over 6 tokens; two of the top-3 share the text "?" and the server kept one
  const p = [0.4, 0.3, 0.2, 0.05, 0.03, 0.02];
  const lp = (q: number) => Math.log(q);
  const row = {
    id: null,
    piece: 'z',
    logprob: lp(0.02),
    rank: null,
    top: [
      { id: null, piece: '?', logprob: lp(0.4) },
      { id: null, piece: 'b', logprob: lp(0.05) },
    ],
    topComplete: false,
  };
  const t = rowsToTokens('az', [{ id: null, piece: 'a', logprob: null, rank: null, top: null }, row], 3, 6).tokens[1];
  const b = t.entropyBoundsBits!;
  assert.ok(b.lower <= H(p) && H(p) <= b.upper, `${b.lower} ≤ ${H(p)} ≤ ${b.upper}`);
});

test('the lower bound is reached by the residual on as few tokens as q_k allows; the upper by uniform spreading', () => {
  // known 0.5, 0.2; r = 0.3 over 8 others, each ≤ 0.2 → lower: 0.2 + 0.1; upper: 8 × 0.0375
  const b = entropyBoundsBits({ known: [0.5, 0.2], vocabSize: 10, cap: 0.2 });
  assert.ok(Math.abs(b.lower - H([0.5, 0.2, 0.2, 0.1])) < 1e-12);
  assert.ok(Math.abs(b.upper - H([0.5, 0.2, ...Array(8).fill(0.0375)])) < 1e-12);
});

test('nothing missing: both bounds equal the entropy; float rounding above 1 is no residual', () => {
  const b = entropyBoundsBits({ known: [0.5, 0.25, 0.25000001], vocabSize: 50257, cap: 0.25 });
  assert.ok(Math.abs(b.lower - 1.5) < 1e-6 && Math.abs(b.upper - b.lower) < 1e-12);
});
