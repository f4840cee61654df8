/** Two models on one text: kappa and delta by hand on fake models, and the tokenizer check. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareModels } from '../../../src/core/comparison';
import { pairMeasures, againstReference, referenceRow } from '../../../src/core/divergence';
import { expNeg } from '../../../src/core/fastExp';
import { klBits } from '../../../src/core/tokenMeasures';
import type { ForwardInput, ForwardOutput, TokenizedText } from '../../../src/core/scoringModel';
import { FakeModel, fakeInfo, fakeLogits, log2Softmax } from '../../helpers/fakeModel';

const BIAS = [0.3, -0.2, 0, 0.9, -1, 0.1, 0.5, 0];
/** Model B: the fake's logits plus a fixed bias (a "fine-tuned" copy). */
class BiasedFake extends FakeModel {
  override async forward(input: ForwardInput): Promise<ForwardOutput> {
    const out = await super.forward(input);
    for (let i = 0; i < out.logits.length; i++) out.logits[i] += BIAS[i % 8];
    return out;
  }
}

const close = (a: number, b: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('kappa = KL(p_A || p_B) and delta = log2 p_A − log2 p_B per token, and their totals', async () => {
  const text = 'abcabdhgfe';
  const r = await compareModels(new FakeModel(), new BiasedFake(fakeInfo({ id: 'fake-b' })), text, { chunkSize: 3 });
  const c = r.comparison!;
  assert.equal(c.modelB.id, 'fake-b');
  const seq = [7, ...new FakeModel().tokenize(text).ids];
  let kl = 0,
    delta = 0;
  c.tokens.forEach((t, k) => {
    const ctx = seq.slice(0, k + 1).map((id, pos) => ({ id, visible: true, pos }));
    const la = fakeLogits(ctx);
    const lb = Float32Array.from(la, (l, v) => l + BIAS[v]);
    const pa = log2Softmax(la),
      pb = log2Softmax(lb);
    const refKl = pa.reduce((a, l, v) => a + 2 ** l * (l - pb[v]), 0);
    close(t.klBits!, refKl, 1e-9, `kappa ${k}`);
    close(t.deltaBits!, pa[seq[k + 1]] - pb[seq[k + 1]], 1e-9, `delta ${k}`);
    kl += refKl;
    delta += pa[seq[k + 1]] - pb[seq[k + 1]];
  });
  close(c.totalKlBits, kl);
  close(c.totalDeltaBits!, delta);
  const same = await compareModels(new FakeModel(), new FakeModel(), text);
  assert.ok(same.comparison!.tokens.every((t) => t.klBits === 0 && t.deltaBits === 0));
});

class OtherTokenizer extends FakeModel {
  override tokenize(text: string): TokenizedText {
    const t = super.tokenize(text);
    return { ...t, ids: t.ids.map((id) => (id + 1) % 8) };
  }
}

test('models with different tokenizers are refused before any pass', async () => {
  const b = new FakeModel(fakeInfo({ vocabSize: 9, id: 'wide' }));
  await assert.rejects(
    compareModels(new FakeModel(), b, 'abc'),
    (e: Error & { code?: string }) =>
      e.code === 'tokenizer-mismatch' && /vocabularies of 8 and 9 tokens/.test(e.message),
  );
  assert.equal(b.forwardCalls, 0);
  await assert.rejects(
    compareModels(new FakeModel(), new OtherTokenizer(), 'abc'),
    (e: Error & { code?: string }) => e.code === 'tokenizer-mismatch' && /first differing at token 0/.test(e.message),
  );
  await assert.rejects(
    compareModels(new FakeModel(), new FakeModel(fakeInfo({ bosTokenId: 3 })), 'abc'),
    /BOS ids 7 and 3/,
  );
});

test('the divergence helpers agree with the plain KL of tokenMeasures', () => {
  const p = Float32Array.from([1, 2, -3, 0.5, 4]),
    q = Float32Array.from([0, 2.5, -1, 1, 3]);
  const m = pairMeasures(p, q, 1);
  close(m.klBits, klBits(p, q), 1e-12);
  const lp = log2Softmax(p),
    lq = log2Softmax(q);
  close(m.log2P, lp[1], 1e-12);
  close(m.log2Q, lq[1], 1e-12);
  const ratio = lp.map((l, v) => l - lq[v]);
  const mean = ratio.reduce((a, d, v) => a + 2 ** lp[v] * d, 0);
  close(
    m.logRatioVarBits2,
    ratio.reduce((a, d, v) => a + 2 ** lp[v] * (d - mean) ** 2, 0),
    1e-12,
  );
  const ref = againstReference(referenceRow(p), q, 1);
  close(ref.klBits, m.klBits, 1e-6);
  close(ref.logRatioBits, m.log2P - m.log2Q, 1e-6);
});

test('the fast exponential is within 2e-13 relative of Math.exp, and 0 only far below the largest term', () => {
  for (let i = 0; i <= 8000; i++) {
    const y = i / 100; // 0 … 80
    const e = Math.exp(-y);
    if (y < 80) assert.ok(Math.abs(expNeg(y) / e - 1) < 2e-13, `y = ${y}`);
  }
  assert.equal(expNeg(80), 0);
  assert.equal(expNeg(Infinity), 0);
  assert.equal(expNeg(-2), Math.exp(2));
  assert.ok(Number.isNaN(expNeg(NaN)));
});

test('a row rising far above its reference is still exact (the one-pass shift is redone)', () => {
  const p = Float32Array.from([1, 2, -3, 0.5, 4]);
  for (const bump of [0, 19, 25, 400]) {
    const q = Float32Array.from([0, 2.5, -1, 1 + bump, 3]);
    const ref = againstReference(referenceRow(p), q, 3);
    const m = pairMeasures(p, q, 3);
    close(ref.klBits, m.klBits, 1e-5 * Math.max(1, m.klBits), `KL, bump ${bump}`);
    close(ref.logRatioBits, m.log2P - m.log2Q, 1e-5 * Math.max(1, Math.abs(m.log2P - m.log2Q)), `ratio, bump ${bump}`);
  }
});
