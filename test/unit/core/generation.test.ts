/** Generation with two lockstep caches on the fake model: per-step measures by hand, seeds, EOS, Monte Carlo flow, identity 6. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { generate } from '../../../src/core/generation';
import { directedInformation } from '../../../src/core/directedInformation';
import { mulberry32, sampleId } from '../../../src/core/sampling';
import { FAKE_VOCAB, FakeModel, fakeInfo, fakeLogits, log2Softmax } from '../../helpers/fakeModel';

const ids = (s: string) => new FakeModel().tokenize(s).ids;
const ctx = (xs: number[]) => xs.map((id, pos) => ({ id, visible: true, pos }));
const close = (a: number, b: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

function klOf(p: number[], q: number[]): number {
  return p.reduce((a, lp, v) => a + 2 ** lp * (lp - q[v]), 0);
}

test('greedy: each step is the argmax, and iota, KL, surprisal and entropy match the two contexts by hand', async () => {
  const prompt = 'abc';
  const model = new FakeModel(fakeInfo({ eosTokenId: null }));
  const r = await generate(model, prompt, { greedy: true, maxTokens: 6 });
  const g = r.generation!;
  assert.equal(g.tokens.length, 6);
  assert.equal(g.stopReason, 'max-tokens');
  const gen: number[] = [];
  let A = 0,
    S = 0;
  g.tokens.forEach((t, k) => {
    const lp = log2Softmax(fakeLogits(ctx([7, ...ids(prompt), ...gen])));
    const lq = log2Softmax(fakeLogits(ctx([7, ...gen])));
    const y = lp.indexOf(Math.max(...lp));
    assert.equal(t.id, y, `step ${k}`);
    const kl = klOf(lp, lq);
    A += kl;
    S += lp[y] - lq[y];
    close(t.iotaBits, lp[y] - lq[y], 1e-9, `iota ${k}`);
    close(t.klBits, kl, 1e-9, `KL ${k}`);
    close(t.surprisalBits, -lp[y], 1e-9, `s ${k}`);
    close(t.entropyBits, -lp.reduce((a, l) => a + 2 ** l * l, 0), 1e-9, `H ${k}`);
    close(t.compensatorBits, A, 1e-9);
    close(t.residualBits, S - A, 1e-9);
    gen.push(y);
  });
  assert.equal(r.text, prompt + gen.map((i) => String.fromCharCode(97 + i)).join(''));
  assert.equal(model.leakedCaches(), 0);
});

test('teacher-forcing the generated tokens through directed information gives the same iota and KL', async () => {
  const r = await generate(new FakeModel(fakeInfo({ eosTokenId: null })), 'abca', { seed: 3, maxTokens: 7 });
  const response = r.text.slice(4);
  const di = await directedInformation(new FakeModel(), { prompt: 'abca', response });
  r.generation!.tokens.forEach((t, k) => {
    close(t.iotaBits, di.di!.tokens[k].iotaBits, 1e-9);
    close(t.klBits, di.di!.tokens[k].klBits, 1e-9);
    assert.equal(t.index, di.di!.tokens[k].index, 'one indexing scheme: the index into result.tokens, as in di');
    assert.equal(r.tokens[t.index].id, t.id);
  });
});

test('sampling is deterministic for a seed, tokens arrive through onToken as produced, EOS stops', async () => {
  const seen: number[] = [];
  const a = await generate(new FakeModel(), 'abc', {
    seed: 42,
    temperature: 0.7,
    maxTokens: 12,
    onToken: (t) => seen.push(t.id),
  });
  const b = await generate(new FakeModel(), 'abc', { seed: 42, temperature: 0.7, maxTokens: 12 });
  assert.deepEqual(
    a.generation!.tokens.map((t) => t.id),
    b.generation!.tokens.map((t) => t.id),
  );
  assert.deepEqual(
    seen,
    a.generation!.tokens.map((t) => t.id),
  );
  const others = await Promise.all(
    [1, 2, 3, 4].map((seed) => generate(new FakeModel(), 'abc', { seed, maxTokens: 12, stopAtEos: false })),
  );
  assert.ok(
    others.some(
      (o) => o.generation!.tokens.map((t) => t.id).join() !== others[0].generation!.tokens.map((t) => t.id).join(),
    ),
  );
  // greedy from "f" goes to g then h (= EOS id 7 in the fake): it stops there
  const e = await generate(new FakeModel(), 'ef', { greedy: true, maxTokens: 10 });
  assert.equal(e.generation!.stopReason, 'eos');
  assert.equal(e.generation!.tokens[e.generation!.tokens.length - 1].id, 7);
  assert.ok(e.tokens[e.tokens.length - 1].special);
});

test('the sampler draws from softmax(l/T): frequencies match the probabilities', () => {
  const row = Float32Array.from([0, 1, 2, -1]);
  const rng = mulberry32(9);
  const n = 40000,
    counts = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) counts[sampleId(row, 1, rng())]++;
  const p = log2Softmax(row).map((l) => 2 ** l);
  p.forEach((pv, v) => assert.ok(Math.abs(counts[v] / n - pv) < 4 * Math.sqrt((pv * (1 - pv)) / n), `id ${v}`));
});

test('Monte Carlo: F(t) is non-decreasing with a spread, samples do not depend on batching', async () => {
  const model = new FakeModel();
  const r = await generate(model, 'abc', { samples: 40, maxTokens: 6, seed: 5, maxBatch: 7 });
  const g = r.generation!;
  assert.equal(g.samples, 40);
  assert.equal(g.sampleDetails!.length, 40);
  assert.ok(g.expectedFlowBits.length >= 1 && g.expectedFlowBits.length <= 6);
  g.expectedFlowBits.forEach((f, t) => t > 0 && assert.ok(f >= g.expectedFlowBits[t - 1], `F(${t})`));
  assert.equal(g.expectedFlowStdBits!.length, g.expectedFlowBits.length);
  assert.equal(model.leakedCaches(), 0);
  const unbatched = await generate(new FakeModel(), 'abc', { samples: 40, maxTokens: 6, seed: 5, maxBatch: 1 });
  assert.deepEqual(
    unbatched.generation!.sampleDetails!.map((s) => s.tokenIds),
    g.sampleDetails!.map((s) => s.tokenIds),
  );
  unbatched.generation!.expectedFlowBits.forEach((f, t) => close(f, g.expectedFlowBits[t], 1e-9));
  await assert.rejects(generate(new FakeModel(), 'abc', { samples: 4, temperature: 0.5 }), /temperature 1/);
  await assert.rejects(generate(new FakeModel(), 'abc', { samples: 4, greedy: true }), /temperature 1/);
});

/** max over t of |mean M_t| / its standard error across samples, with the given per-step KL. */
function maxMartingaleZ(samples: { iota: number[]; kl: number[] }[]): number {
  const T = Math.min(...samples.map((s) => s.iota.length));
  let worst = 0;
  for (let t = 0; t < T; t++) {
    const m = samples.map(
      (s) => s.iota.slice(0, t + 1).reduce((a, b) => a + b, 0) - s.kl.slice(0, t + 1).reduce((a, b) => a + b, 0),
    );
    const mean = m.reduce((a, b) => a + b, 0) / m.length;
    const sd = Math.sqrt(m.reduce((a, b) => a + (b - mean) ** 2, 0) / (m.length - 1));
    worst = Math.max(worst, Math.abs(mean) / (sd / Math.sqrt(m.length)));
  }
  return worst;
}

test('identity 6: under the model’s own samples the mean of Σ iota matches the mean of Σ KL; a wrong KL fails the same check', async () => {
  const prompt = 'abc';
  const r = await generate(new FakeModel(), prompt, {
    samples: 8000,
    maxTokens: 5,
    seed: 11,
    stopAtEos: false,
    maxBatch: 1000,
  });
  const details = r.generation!.sampleDetails!;
  const right = details.map((s) => ({ iota: s.iotaBits, kl: s.klBits }));
  assert.ok(maxMartingaleZ(right) < 4.5, `|z| = ${maxMartingaleZ(right)}`);
  // The same paths with KL computed the wrong way round, KL(p~ || p), recomputed by hand.
  const reversed = details.map((s) => {
    const kl = s.tokenIds.map((_, k) => {
      const lp = log2Softmax(fakeLogits(ctx([7, ...ids(prompt), ...s.tokenIds.slice(0, k)])));
      const lq = log2Softmax(fakeLogits(ctx([7, ...s.tokenIds.slice(0, k)])));
      close(s.klBits[k], klOf(lp, lq), 1e-9, 'reported KL');
      return klOf(lq, lp);
    });
    return { iota: s.iotaBits, kl };
  });
  assert.ok(maxMartingaleZ(reversed) > 6, `a reversed KL must be detected: |z| = ${maxMartingaleZ(reversed)}`);
  // and so would a KL left in nats
  const nats = maxMartingaleZ(right.map((s) => ({ iota: s.iota, kl: s.kl.map((x) => x * Math.LN2) })));
  assert.ok(nats > 6, `a KL in nats must be detected: |z| = ${nats}`);
});

test('cancellation returns the tokens produced so far with stopReason cancelled and closes every cache', async () => {
  const ac = new AbortController();
  const model = new FakeModel();
  let produced = 0;
  const r = await generate(model, 'abc', {
    maxTokens: 50,
    stopAtEos: false,
    signal: ac.signal,
    onToken: () => {
      if (++produced === 4) ac.abort();
    },
  });
  assert.equal(r.generation!.stopReason, 'cancelled');
  assert.equal(r.generation!.tokens.length, 4);
  assert.equal(model.leakedCaches(), 0);
});

test('no BOS and an empty baseline: refused with a clear message; the context window stops generation', async () => {
  await assert.rejects(generate(new FakeModel(fakeInfo({ bosTokenId: null })), 'abc'), /no BOS token/);
  const ok = await generate(new FakeModel(fakeInfo({ bosTokenId: null })), 'abc', {
    baseline: 'text',
    baselineText: 'g',
    maxTokens: 3,
    stopAtEos: false,
  });
  assert.equal(ok.generation!.tokens.length, 3);
  const w = await generate(new FakeModel(fakeInfo({ contextWindow: 8 })), 'abc', { maxTokens: 50, stopAtEos: false });
  assert.equal(w.generation!.stopReason, 'context-window');
  assert.equal(w.generation!.tokens.length, 8 - 4 + 1);
});

test('the prompt tokens get their measures at every chunk boundary: equal to a plain analysis of the prompt', async () => {
  const prompt = 'abcdefgabcdefga';
  const model = new FakeModel(fakeInfo({ eosTokenId: null }));
  const r = await generate(model, prompt, { greedy: true, maxTokens: 1, chunkSize: 4 });
  const ref = await analyzeText(prompt, new FakeModel(), { topK: 2 });
  for (let i = 0; i < prompt.length; i++) {
    assert.notEqual(r.tokens[i].surprisalBits, null, `prompt token ${i}`);
    close(r.tokens[i].surprisalBits!, ref.tokens[i].surprisalBits!, 1e-9, `surprisal ${i}`);
    close(r.tokens[i].entropyBits!, ref.tokens[i].entropyBits!, 1e-9, `entropy ${i}`);
  }
});

test('each id of a list of EOS ids ends a generation (Llama 3 Instruct: end_of_text, eom, eot)', async () => {
  const free = (
    await generate(new FakeModel(fakeInfo({ eosTokenId: null })), 'abc', { greedy: true, maxTokens: 4 })
  ).generation!.tokens.map((t) => t.id);
  const k = free.findIndex((id, i) => i >= 2 && free.indexOf(id) === i); // first produced at step k ≥ 2
  const unused = Array.from({ length: FAKE_VOCAB }, (_, id) => id).find((id) => !free.includes(id) && id !== 7)!;
  assert.ok(k >= 2 && unused !== undefined);
  const r = await generate(new FakeModel(fakeInfo({ eosTokenId: unused, eosTokenIds: [unused, free[k]] })), 'abc', {
    greedy: true,
    maxTokens: 4,
  });
  assert.equal(r.generation!.stopReason, 'eos');
  assert.deepEqual(
    r.generation!.tokens.map((t) => t.id),
    free.slice(0, k + 1),
  );
  assert.equal(
    r.generation!.tokens[k].text.length > 0 && r.text.endsWith(r.generation!.tokens[k].text),
    false,
    'the EOS token adds no text',
  );
});
