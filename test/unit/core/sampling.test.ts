/** top-k and top-p sampling against hand-computed nuclei: which ids can be drawn, and with what share. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, sampleId, sampleIdFiltered } from '../../../src/core/sampling';

/** Logits whose softmax at temperature 1 is exactly `probs`, in a shuffled id order. */
const PROBS = [0.05, 0.5, 0.15, 0.3];
const ROW = Float32Array.from(PROBS, Math.log);

/** Share of each id over a fine grid of uniforms (the inversion makes the share the probability). */
function shares(draw: (u: number) => number, n = 20000): number[] {
  const count = new Array<number>(PROBS.length).fill(0);
  for (let i = 0; i < n; i++) count[draw((i + 0.5) / n)]++;
  return count.map((c) => c / n);
}

const close = (a: number[], b: number[], tol = 1e-3) =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `id ${i}: ${x} vs ${b[i]} (${a} vs ${b})`));

test('no restriction draws exactly what sampleId draws (the same seed gives the same tokens as generate)', () => {
  const rng = mulberry32(11);
  for (let i = 0; i < 500; i++) {
    const u = rng();
    assert.equal(sampleIdFiltered(ROW, 0.7, u, { topP: 1, topK: 0 }), sampleId(ROW, 0.7, u));
  }
});

test('top-p keeps the fewest most probable ids whose mass reaches p, renormalised', () => {
  // sorted: id1 0.5, id3 0.3, id2 0.15, id0 0.05
  close(
    shares((u) => sampleIdFiltered(ROW, 1, u, { topP: 0.5 })),
    [0, 1, 0, 0],
  );
  close(
    shares((u) => sampleIdFiltered(ROW, 1, u, { topP: 0.6 })),
    [0, 0.5 / 0.8, 0, 0.3 / 0.8],
  );
  close(
    shares((u) => sampleIdFiltered(ROW, 1, u, { topP: 0.9 })),
    [0, 0.5 / 0.95, 0.15 / 0.95, 0.3 / 0.95],
  );
  close(
    shares((u) => sampleIdFiltered(ROW, 1, u, { topP: 1e-9 })),
    [0, 1, 0, 0],
  );
});

test('top-p applies to the tempered distribution; top-k first, then top-p over what top-k kept', () => {
  // T = 2: p ∝ sqrt(p)
  const t = PROBS.map(Math.sqrt);
  const z = t.reduce((a, b) => a + b, 0);
  const q = t.map((x) => x / z); // id1 .372, id3 .288, id2 .205, id0 .118
  assert.ok(q[1] + q[3] < 0.7 && q[1] + q[3] + q[2] >= 0.7);
  const m3 = q[1] + q[3] + q[2];
  close(
    shares((u) => sampleIdFiltered(ROW, 2, u, { topP: 0.7 })),
    [0, q[1] / m3, q[2] / m3, q[3] / m3],
  );
  // top-k 2 at T = 1 keeps {id1, id3}: 0.5/0.8 and 0.3/0.8; top-p 0.6 of that (0.625 ≥ 0.6) keeps id1 alone
  close(
    shares((u) => sampleIdFiltered(ROW, 1, u, { topK: 2 })),
    [0, 0.5 / 0.8, 0, 0.3 / 0.8],
  );
  close(
    shares((u) => sampleIdFiltered(ROW, 1, u, { topK: 2, topP: 0.6 })),
    [0, 1, 0, 0],
  );
});
