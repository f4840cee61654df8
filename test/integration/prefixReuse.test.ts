/**
 * Live mode's prefix reuse (src/core/prefixReuse.ts) on the fixture model with a real KV cache: an
 * edited text re-scored from the previous analysis's cache gives the same measures as a fresh
 * analysis, and an edit near the end feeds only the tail to the model.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { PrefixCache } from '../../src/core/prefixReuse';
import type { AnalysisResult } from '../../src/core/result';
import type { ForwardInput } from '../../src/core/scoringModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';

const TINY = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
const BASE = 'The river carried the old boat past the mill, where the miller waved at the children. '.repeat(2);

let model: OnnxModel;
let fed = 0; // token positions fed to the model since the last reset
const load = OnnxModel.load({ modelDir: TINY, threads: 1 }).then((m) => {
  model = m;
  const count = (i: ForwardInput) => {
    fed += i.inputIds.length * i.inputIds[0].length;
  };
  const forward = m.forward.bind(m);
  m.forward = (i, s) => {
    count(i);
    return forward(i, s);
  };
  if (m.forwardMeasures) {
    const fm = m.forwardMeasures.bind(m);
    (m as { forwardMeasures: typeof fm }).forwardMeasures = (r, s) => {
      count(r);
      return fm(r, s);
    };
  }
  return m;
});
after(async () => {
  await model?.dispose();
});

function assertSameMeasures(a: AnalysisResult, b: AnalysisResult): void {
  assert.equal(a.tokens.length, b.tokens.length);
  a.tokens.forEach((t, i) => {
    const u = b.tokens[i];
    assert.deepEqual([t.id, t.start, t.end, t.text], [u.id, u.start, u.end, u.text], `token ${i}`);
    if (t.surprisalBits === null) return assert.equal(u.surprisalBits, null);
    assert.ok(
      Math.abs(t.surprisalBits - (u.surprisalBits as number)) < 1e-4,
      `surprisal of token ${i}: ${t.surprisalBits} vs ${u.surprisalBits}`,
    );
    assert.ok(Math.abs(t.entropyBits! - u.entropyBits!) < 1e-4, `entropy of token ${i}`);
    assert.equal(t.rank, u.rank, `rank of token ${i}`);
    assert.deepEqual(
      t.topK!.map((e) => e.id),
      u.topK!.map((e) => e.id),
      `top-k of token ${i}`,
    );
  });
  assert.ok(Math.abs(a.summary.totalBits - b.summary.totalBits) < 1e-3);
}

test('an edit near the end re-scores only the tail and equals a fresh analysis', async () => {
  await load;
  const cache = new PrefixCache();
  const first = await analyzeText(BASE, model, { topK: 3, chunkSize: 16, prefixCache: cache });
  assert.deepEqual(cache.lastStats, { reusedTargets: 0, scoredTargets: first.tokens.length });
  const edited = BASE.replace(/children\. $/, 'children on the bank. ');
  fed = 0;
  const reused = await analyzeText(edited, model, { topK: 3, chunkSize: 16, prefixCache: cache });
  const fedReused = fed;
  fed = 0;
  const fresh = await analyzeText(edited, model, { topK: 3, chunkSize: 16 });
  assertSameMeasures(reused, fresh);
  const changedFrom = fresh.tokens.findIndex((t, i) => t.id !== first.tokens[i]?.id);
  assert.ok(changedFrom > fresh.tokens.length / 2, 'the edit is in the second half');
  // BOS + tokens: the pass restarts one position before the first changed token.
  assert.equal(fedReused, fresh.tokens.length + 1 - changedFrom);
  assert.equal(fed, fresh.tokens.length + 1);
  assert.equal(cache.lastStats!.reusedTargets, changedFrom);
  cache.dispose();
});

test('edits at the start, deletions, unchanged text and a changed top-k all stay exact', async () => {
  await load;
  const cache = new PrefixCache();
  const texts = [BASE, 'A' + BASE, 'A' + BASE, 'A' + BASE.slice(0, 39), 'A' + BASE.slice(0, 39) + ' and more', BASE];
  for (const [i, text] of texts.entries()) {
    const topK = i === 4 ? 2 : 3;
    fed = 0;
    const r = await analyzeText(text, model, { topK, chunkSize: 8, prefixCache: cache });
    const fedHere = fed;
    const fresh = await analyzeText(text, model, { topK, chunkSize: 8 });
    assertSameMeasures(r, fresh);
    if (i === 2) assert.equal(fedHere, 1, 'unchanged text feeds one position (the last, to rebuild the cache)');
    if (i === 3)
      assert.ok(
        cache.lastStats!.scoredTargets <= 1,
        'a prefix of the previous text reuses every measure but perhaps the cut token',
      );
    if (i === 4) assert.equal(cache.lastStats!.reusedTargets, 0, 'another top-k reuses nothing');
  }
  cache.dispose();
});

test('a text longer than the context window is scored in full and drops the held cache', async () => {
  await load;
  const cache = new PrefixCache();
  await analyzeText(BASE, model, { topK: 1, prefixCache: cache });
  const long = BASE.repeat(20);
  const r = await analyzeText(long, model, { topK: 1, prefixCache: cache });
  assert.ok(
    r.tokens.some((t) => t.truncatedContext),
    'the long text used sliding windows',
  );
  assert.equal(cache.lastStats, null);
  fed = 0;
  await analyzeText(BASE, model, { topK: 1, prefixCache: cache });
  assert.equal(fed, model.tokenize(BASE).ids.length + 1, 'nothing was held from before the long text');
  cache.dispose();
});
