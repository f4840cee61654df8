/**
 * Directed information, generation, occlusion flow and comparison on the real engine with the tiny
 * fixture models (byte-level BPE, 400 tokens, peaked predictions), checked against independent
 * onnxruntime-node passes where a number can be recomputed from scratch.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { builtinModelDir } from '../../src/engines/builtinModel';
import { directedInformation } from '../../src/core/directedInformation';
import { generate } from '../../src/core/generation';
import { occlusionFlow } from '../../src/core/occlusionFlow';
import { compareModels } from '../../src/core/comparison';
import type { ScoringModel } from '../../src/core/scoringModel';
import { rawFeeds, rawLog2Probs, rawOrtSession } from '../helpers/rawOrt';

const DIR = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
const DIR_B = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2-b');
const TEXT =
  'The cat sat on the mat. Then the cat ran to the door, and the dog sat where the cat had been.\ndef main():\n    return 0\n';
let model: OnnxModel;

before(async () => {
  model = await OnnxModel.load({ modelDir: DIR });
});
after(async () => {
  await model.dispose();
});

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('identity 5 against raw ONNX Runtime: Σ iota = baseline surprisal − prompted surprisal of the response', async () => {
  const prompt = 'Question: where did the cat sit?\nAnswer:',
    response = ' The cat sat on the mat.';
  const r = await directedInformation(model, { prompt, response });
  const di = r.di!;
  const respIds = di.tokens.map((t) => t.id);
  const prompted = await rawLog2Probs(DIR, [399, ...di.promptTokenIds, ...respIds]);
  const baseline = await rawLog2Probs(DIR, [399, ...respIds]);
  const pResp = prompted.slice(-respIds.length),
    bResp = baseline.slice(-respIds.length);
  di.tokens.forEach((t, k) =>
    assert.ok(
      Math.abs(t.iotaBits - (pResp[k] - bResp[k])) < 1e-4,
      `iota ${k}: ${t.iotaBits} vs ${pResp[k] - bResp[k]}`,
    ),
  );
  const expected = -sum(bResp) - -sum(pResp);
  assert.ok(Math.abs(di.totalBits - expected) < 1e-3, `${di.totalBits} vs ${expected}`);
  assert.ok(Math.abs(di.totalBits - (di.baselineResponseBits! - di.promptedResponseBits!)) < 1e-9);
  assert.ok(di.tokens.every((t) => t.klBits >= 0 && t.compensatorBits >= 0));
  assert.ok(
    di.tokens.every((t, k) => k === 0 || t.compensatorBits >= di.tokens[k - 1].compensatorBits),
    'A_t is non-decreasing',
  );
});

test('chunked directed information equals one pass to 1e-4 bits per token', async () => {
  const input = { prompt: TEXT.slice(0, 60), response: TEXT.slice(60) };
  const full = await directedInformation(model, input, { chunkSize: 4096 });
  for (const chunkSize of [1, 7, 32]) {
    const r = await directedInformation(model, input, { chunkSize });
    r.di!.tokens.forEach((t, k) => {
      assert.ok(Math.abs(t.iotaBits - full.di!.tokens[k].iotaBits) < 1e-4);
      assert.ok(Math.abs(t.klBits - full.di!.tokens[k].klBits) < 1e-4);
    });
  }
});

test('a BPE merge across the prompt/response cut: the response starts at the merged token, ids are reused', async () => {
  const r = await directedInformation(model, { prompt: 'Hello th', response: 'ere' });
  const di = r.di!;
  assert.equal(di.cutInsideToken, true);
  assert.equal(di.tokens[0].text, ' the');
  assert.deepEqual(
    di.tokens.map((t) => t.id),
    model.tokenize('Hello there').ids.slice(4),
  );
});

/** phi and Φ of one cell from a raw ONNX Runtime pass with the unit masked and positions unchanged. */
async function rawCell(session: ort.InferenceSession, seq: number[], unit: [number, number], target: number) {
  const lsm = async (mask: number[], upto: number) => {
    const ids = seq.slice(0, upto);
    const feeds = rawFeeds(session, DIR, ids);
    feeds.attention_mask = new ort.Tensor('int64', BigInt64Array.from(mask.slice(0, upto).map(BigInt)), [1, upto]);
    const out = await session.run(feeds);
    const V = out.logits.dims[2];
    const row = (out.logits.data as Float32Array).subarray((upto - 1) * V, upto * V);
    const m = Math.max(...row);
    const z = Math.log(row.reduce((a, l) => a + Math.exp(l - m), 0)) + m;
    return Array.from(row, (l) => (l - z) / Math.LN2);
  };
  const lp = await lsm(
    seq.map(() => 1),
    target,
  );
  // the target right after the unit is predicted from the last visible token before it
  const upto = target === unit[1] ? unit[0] : target;
  const lq = await lsm(
    seq.map((_, i) => (i >= unit[0] && i < unit[1] ? 0 : 1)),
    upto,
  );
  const y = seq[target];
  return { phi: lp[y] - lq[y], kl: lp.reduce((a, l, v) => a + 2 ** l * (l - lq[v]), 0) };
}

test('occlusion with KV reuse equals independent full passes to 1e-4 bits (mask, replace, delete; sliced and held caches)', async () => {
  const text = TEXT.slice(0, 70);
  const noSlice: ScoringModel = {
    info: model.info,
    tokenize: (t) => model.tokenize(t),
    tokenText: (i) => model.tokenText(i),
    forward: (i, s) => model.forward(i, s),
    tileCache: (c, b) => model.tileCache(c, b),
  };
  for (const method of ['attention-mask', 'replace', 'delete'] as const) {
    const independent = await occlusionFlow(model, text, { unit: 'token', method, reuse: false, maxBatch: 1 });
    for (const [m, maxBatch] of [
      [model, 1],
      [model, 4],
      [noSlice, 3],
    ] as const) {
      const r = await occlusionFlow(m, text, { unit: 'token', method, maxBatch });
      let worst = 0;
      r.flow!.phiBits.forEach((row, j) =>
        row.forEach((v, c) => {
          worst = Math.max(
            worst,
            Math.abs(v - independent.flow!.phiBits[j][c]),
            Math.abs(r.flow!.expectedBits[j][c] - independent.flow!.expectedBits[j][c]),
          );
        }),
      );
      assert.ok(worst < 1e-4, `${method}, batch ${maxBatch}: ${worst} bits`);
    }
  }
  // a few cells against raw ONNX Runtime with the mask built by hand
  const session = await rawOrtSession(DIR);
  const r = await occlusionFlow(model, text, { unit: 'token' });
  const seq = [399, ...model.tokenize(text).ids];
  for (const [j, t] of [
    [0, 1],
    [0, 5],
    [3, 4],
    [3, 9],
    [10, 20],
  ]) {
    const ref = await rawCell(session, seq, [j + 1, j + 2], t + 1);
    assert.ok(
      Math.abs(r.flow!.phiBits[j][t] - ref.phi) < 1e-4,
      `phi ${j}->${t}: ${r.flow!.phiBits[j][t]} vs ${ref.phi}`,
    );
    assert.ok(Math.abs(r.flow!.expectedBits[j][t] - ref.kl) < 1e-4, `Phi ${j}->${t}`);
  }
  await session.release();
});

test('occlusion compared by WebAssembly SIMD equals the float64 scalar loop to 1e-5 bits (fixture and built-in model)', async () => {
  const builtin = await OnnxModel.load({ modelDir: builtinModelDir() });
  try {
    for (const [m, text] of [
      [model, TEXT.slice(0, 60)],
      [builtin, 'The river rose after the storm, and the old bridge closed.'],
    ] as const) {
      const wasm = await occlusionFlow(m, text, { unit: 'token' });
      const js = await occlusionFlow(m, text, { unit: 'token', kernel: 'js' });
      let worst = 0,
        cells = 0;
      wasm.flow!.phiBits.forEach((row, j) =>
        row.forEach((v, c) => {
          if (v !== 0) cells++;
          worst = Math.max(
            worst,
            Math.abs(v - js.flow!.phiBits[j][c]),
            Math.abs(wasm.flow!.expectedBits[j][c] - js.flow!.expectedBits[j][c]),
          );
        }),
      );
      assert.ok(cells > 50, `${m.info.id}: ${cells} cells`);
      assert.ok(worst < 1e-5, `${m.info.id}: ${worst} bits`);
    }
  } finally {
    await builtin.dispose();
  }
});

test('forward writes the logits into a given buffer, equal to a forward without one; a buffer of the wrong size is refused', async () => {
  const ids = [model.tokenize(TEXT.slice(0, 40)).ids.slice(0, 9)];
  const plain = await model.forward({ inputIds: ids });
  const into = new Float32Array(plain.logits.length);
  const out = await model.forward({ inputIds: ids, logitsInto: into });
  assert.equal(out.logits, into);
  assert.deepEqual(Array.from(into), Array.from(plain.logits));
  await assert.rejects(
    model.forward({ inputIds: ids, logitsInto: new Float32Array(plain.logits.length - 1) }),
    /logitsInto/,
  );
});

test('a later unit has exactly zero flow on earlier targets, and flow is not zero where it should not be', async () => {
  const r = await occlusionFlow(model, TEXT, { unit: 'sentence' });
  const f = r.flow!;
  assert.ok(f.sources.length >= 3);
  f.sources.forEach((s, j) =>
    f.targets.forEach((t, c) => {
      if (t < s.tokenEnd!) assert.ok(f.phiBits[j][c] === 0 && f.expectedBits[j][c] === 0, `${j}->${t}`);
    }),
  );
  assert.ok(sum(f.expectedBits[0]) > 1, 'the first sentence informs the rest');
});

test('occlusion is cancellable: it settles with a cancelled error after the first rows', async () => {
  const ac = new AbortController();
  let rows = 0;
  await assert.rejects(
    occlusionFlow(model, TEXT, {
      unit: 'token',
      signal: ac.signal,
      onRow: () => {
        if (++rows === 2) ac.abort();
      },
    }),
    (e: Error & { code?: string }) => e.code === 'cancelled',
  );
  assert.ok(rows >= 2 && rows < 10);
});

test('generation: greedy is reproducible; Monte Carlo F(t) is non-decreasing; identity 6 holds on the tiny model', async () => {
  const a = await generate(model, 'The cat', { greedy: true, maxTokens: 8 });
  const b = await generate(model, 'The cat', { greedy: true, maxTokens: 8 });
  assert.deepEqual(
    a.generation!.tokens.map((t) => t.id),
    b.generation!.tokens.map((t) => t.id),
  );
  const mc = await generate(model, 'The cat', {
    samples: 2000,
    maxTokens: 4,
    seed: 7,
    stopAtEos: false,
    maxBatch: 250,
  });
  const g = mc.generation!;
  g.expectedFlowBits.forEach((f, t) => t > 0 && assert.ok(f >= g.expectedFlowBits[t - 1]));
  for (let t = 0; t < g.expectedFlowBits.length; t++) {
    const m = g.sampleDetails!.map((s) => sum(s.iotaBits.slice(0, t + 1)) - sum(s.klBits.slice(0, t + 1)));
    const mean = sum(m) / m.length;
    const se = Math.sqrt(sum(m.map((x) => (x - mean) ** 2)) / (m.length - 1) / m.length);
    assert.ok(Math.abs(mean) < 4.5 * se, `t=${t}: mean M = ${mean}, standard error ${se}`);
    assert.ok(Math.abs(g.expectedIotaBits![t] - g.expectedFlowBits[t] - mean) < 1e-9);
  }
});

test('two models with one tokenizer are compared; different tokenizers are refused', async () => {
  const other = await OnnxModel.load({ modelDir: DIR_B });
  try {
    const r = await compareModels(model, other, TEXT.slice(0, 80));
    const c = r.comparison!;
    assert.ok(c.tokens.every((t) => t.klBits! >= 0));
    assert.ok(c.totalKlBits > 1);
    const a = await model.analyze(TEXT.slice(0, 80));
    const b = await other.analyze(TEXT.slice(0, 80));
    c.tokens.forEach((t, i) =>
      assert.ok(Math.abs(t.deltaBits! - (b.tokens[i].surprisalBits! - a.tokens[i].surprisalBits!)) < 1e-4),
    );
    const self = await compareModels(model, model, TEXT.slice(0, 40));
    assert.ok(self.comparison!.tokens.every((t) => Math.abs(t.klBits!) < 1e-9));
  } finally {
    await other.dispose();
  }
  const builtin = await OnnxModel.load({ modelDir: builtinModelDir() });
  try {
    await assert.rejects(
      compareModels(model, builtin, 'The cat'),
      (e: Error & { code?: string }) => e.code === 'tokenizer-mismatch',
    );
  } finally {
    await builtin.dispose();
  }
});
