import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { planScoring } from '../../../src/core/chunkPlan';
import { FakeModel, fakeInfo, fakeLogits, log2Softmax } from '../../helpers/fakeModel';

const TEXT = 'abcabdhgfeabcaacbdefgh';

/** Surprisal of every token from the model's definition, one context at a time (no chunks, no cache). */
function referenceSurprisals(text: string, bos: number | null): (number | null)[] {
  const ids = new FakeModel().tokenize(text).ids;
  const seq = bos === null ? ids : [bos, ...ids];
  const off = bos === null ? 0 : 1;
  return ids.map((id, i) => {
    const p = i + off;
    if (p === 0) return null;
    const ctx = seq.slice(0, p).map((x, k) => ({ id: x, visible: true, pos: k }));
    return -log2Softmax(fakeLogits(ctx))[id];
  });
}

test('every token gets the surprisal of its own context; BOS gives the first token a prediction', async () => {
  const r = await analyzeText(TEXT, new FakeModel(), { chunkSize: 4 });
  const ref = referenceSurprisals(TEXT, 7);
  r.tokens.forEach((t, i) => assert.ok(Math.abs(t.surprisalBits! - ref[i]!) < 1e-9, `token ${i}`));
  assert.equal(r.options?.bos, true);
});

test('without BOS the first token has null measures and is left out of the aggregates', async () => {
  const r = await analyzeText(TEXT, new FakeModel(fakeInfo({ bosTokenId: null })), { chunkSize: 5 });
  const t0 = r.tokens[0];
  assert.equal(t0.surprisalBits, null);
  assert.equal(t0.entropyBits, null);
  assert.equal(t0.rank, null);
  assert.equal(t0.topK, null);
  assert.equal(r.summary.scoredTokens, TEXT.length - 1);
  const ref = referenceSurprisals(TEXT, null);
  const total = ref.slice(1).reduce((a, b) => a! + b!, 0)!;
  assert.ok(Math.abs(r.summary.totalBits - total) < 1e-9); // chain rule over the scored tokens
});

test('chunked scoring with the KV cache equals one pass, for every chunk size (identities 2 and 8)', async () => {
  const full = await analyzeText(TEXT, new FakeModel(), { chunkSize: 1000 });
  for (const chunkSize of [1, 2, 3, 7, 22, 23]) {
    const model = new FakeModel();
    const r = await analyzeText(TEXT, model, { chunkSize });
    r.tokens.forEach((t, i) => assert.ok(Math.abs(t.surprisalBits! - full.tokens[i].surprisalBits!) < 1e-9));
    assert.equal(r.summary.bitsPerByte, full.summary.bitsPerByte);
    assert.equal(model.forwardCalls, Math.ceil((TEXT.length + 1) / chunkSize));
    assert.equal(model.leakedCaches(), 0, 'every KV cache is disposed');
  }
});

test('past the context window a sliding window scores each token once and flags it', async () => {
  const W = 8;
  const model = new FakeModel(fakeInfo({ contextWindow: W }));
  const r = await analyzeText(TEXT, model, { chunkSize: 3, stride: 3 });
  assert.ok(r.tokens.every((t) => t.surprisalBits !== null));
  // tokens 0..W-2 are in the first window (BOS at 0): full context, not flagged
  assert.ok(r.tokens.slice(0, W - 1).every((t) => !t.truncatedContext));
  assert.ok(r.tokens.slice(W - 1).every((t) => t.truncatedContext));
  assert.equal(r.summary.truncatedContextTokens, TEXT.length - (W - 1));
  // a flagged token's measures equal the model on its truncated context of at least W - stride tokens
  const seq = [7, ...model.tokenize(TEXT).ids];
  const plan = planScoring({ length: seq.length, firstTarget: 1, contextWindow: W, chunkSize: 3, stride: 3 });
  for (const w of plan.windows) {
    assert.ok(w.end - w.begin <= W);
    for (let target = w.targetStart; target < w.targetEnd; target++) {
      if (w.begin > 0) assert.ok(target - w.begin >= W - 3);
      const ctx = seq.slice(w.begin, target).map((id, k) => ({ id, visible: true, pos: k }));
      const expected = -log2Softmax(fakeLogits(ctx))[seq[target]];
      assert.ok(Math.abs(r.tokens[target - 1].surprisalBits! - expected) < 1e-9);
    }
  }
  assert.equal(model.leakedCaches(), 0);
});

test('progress reaches the total, and an aborted signal cancels with a cancelled error', async () => {
  const seen: number[] = [];
  await analyzeText(TEXT, new FakeModel(), {
    chunkSize: 5,
    onProgress: (p) => seen.push(p.doneTokens / p.totalTokens),
  });
  assert.equal(seen[seen.length - 1], 1);
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]));
  const ac = new AbortController();
  const model = new FakeModel();
  const p = analyzeText(TEXT, model, {
    chunkSize: 2,
    signal: ac.signal,
    onProgress: (x) => {
      if (x.doneTokens >= 4) ac.abort();
    },
  });
  await assert.rejects(p, (e: Error & { code?: string }) => e.code === 'cancelled');
  assert.equal(model.leakedCaches(), 0);
});

test('empty text is refused with a clear message', async () => {
  await assert.rejects(analyzeText('', new FakeModel()), /input is empty/);
});

test('measures are consistent: entropy within [0, log2 V], rank 1 exactly at the argmax, Σ top-k p ≤ 1 (identity 3)', async () => {
  const r = await analyzeText(TEXT, new FakeModel(), { topK: 3 });
  for (const t of r.tokens) {
    assert.ok(t.entropyBits! >= 0 && t.entropyBits! <= Math.log2(8) + 1e-12);
    assert.equal(t.rank === 1, t.topK![0].id === t.id || t.topK![0].probability === t.probability);
    assert.ok(t.topK!.reduce((a, k) => a + k.probability, 0) <= 1 + 1e-12);
    assert.ok(Math.abs(t.surpriseExcessBits! - (t.surprisalBits! - t.entropyBits!)) < 1e-12);
  }
});

test('keepTokens: false streams every token in order (unscored ones too) and keeps none; the summary is the same', async () => {
  for (const info of [fakeInfo(), fakeInfo({ bosTokenId: null }), fakeInfo({ contextWindow: 8 })]) {
    const kept = await analyzeText(TEXT, new FakeModel(info), { chunkSize: 3 });
    const seen: unknown[] = [];
    const streamed = await analyzeText(TEXT, new FakeModel(info), {
      chunkSize: 3,
      keepTokens: false,
      onToken: (t) => seen.push(structuredClone(t)),
    });
    assert.deepEqual(streamed.tokens, [], 'nothing kept');
    assert.deepEqual(
      seen,
      kept.tokens,
      `every token once, in order, as kept (bos ${info.bosTokenId}, window ${info.contextWindow})`,
    );
    assert.deepEqual(streamed.summary, kept.summary);
  }
  const withUnits = await analyzeText(TEXT, new FakeModel(), { keepTokens: false, units: true });
  assert.equal(withUnits.tokens.length, TEXT.length, 'units need the tokens: keepTokens is ignored');
});
