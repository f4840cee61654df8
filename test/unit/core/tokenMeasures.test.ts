import { test } from 'node:test';
import assert from 'node:assert/strict';
import { positionMeasures, topKOfRow, klBits, logSoftmax } from '../../../src/core/tokenMeasures';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('uniform distribution over V has entropy log2 V, varentropy 0, surprisal log2 V', () => {
  const V = 1024;
  const m = positionMeasures(new Float32Array(V).fill(0.3), 17, 3);
  close(m.entropyBits, 10);
  close(m.varentropyBits2, 0);
  close(m.surprisalBits!, 10);
  close(m.probability!, 1 / V);
  assert.equal(m.rank, 1); // ties are not counted: no token is strictly more probable
});

test('[1/2, 1/4, 1/4] gives 1.5 bits of entropy and 0.25 bits² of varentropy (by hand)', () => {
  const row = Float32Array.from([Math.log(0.5), Math.log(0.25), Math.log(0.25)]);
  const m = positionMeasures(row, 1, 2);
  close(m.entropyBits, 1.5, 1e-6);
  // surprisals 1,2,2 with p .5,.25,.25: E[s²] = .5 + 1 + 1 = 2.5; minus 1.5² = 0.25
  close(m.varentropyBits2, 0.25, 1e-6);
  close(m.surprisalBits!, 2, 1e-6);
  assert.equal(m.rank, 2);
  assert.deepEqual(
    m.topK.map((t) => t.id),
    [0, 1],
  );
  close(m.topK[0].bits, 1, 1e-6);
});

test('extreme logits stay finite: [1000, 1] (scipy log_softmax gives [0, -999])', () => {
  const m = positionMeasures(Float32Array.from([1000, 1]), 1, 2);
  close(m.surprisalBits!, 999 / Math.LN2, 1e-6);
  assert.ok(m.entropyBits >= 0 && m.entropyBits < 1e-100 + 1e-300 + 1e-9);
  assert.equal(m.rank, 2);
  const ls = logSoftmax(Float32Array.from([1000, 1]));
  close(ls[0], 0);
  close(ls[1], -999);
});

test('one-hot distribution has zero entropy and rank 1 for its argmax', () => {
  const row = new Float32Array(50).fill(-1e4);
  row[7] = 0;
  const m = positionMeasures(row, 7, 1);
  close(m.entropyBits, 0, 1e-9);
  assert.equal(m.rank, 1);
  close(m.surprisalBits!, 0, 1e-9);
});

test('topK returns the k largest in order and its probabilities sum to at most 1', () => {
  const row = Float32Array.from([0.1, 2, -1, 2, 5, 0]);
  const logZ = Math.log(Array.from(row).reduce((a, l) => a + Math.exp(l), 0));
  const k = topKOfRow(row, 3, logZ);
  assert.deepEqual(
    k.map((e) => e.id),
    [4, 1, 3],
  );
  assert.ok(k.reduce((a, e) => a + e.probability, 0) <= 1);
  assert.deepEqual(topKOfRow(row, 0, logZ), []);
  assert.equal(topKOfRow(row, 10, logZ).length, 6);
});

test('KL divergence: zero for identical rows, matches the hand value for two-point distributions', () => {
  const p = Float32Array.from([Math.log(0.5), Math.log(0.5)]);
  const q = Float32Array.from([Math.log(0.9), Math.log(0.1)]);
  close(klBits(p, p), 0, 1e-12);
  const expected = 0.5 * Math.log2(0.5 / 0.9) + 0.5 * Math.log2(0.5 / 0.1);
  close(klBits(p, q), expected, 1e-6);
});
