/**
 * Every feature on every model family (test/fixtures/models/README.md): analyze, directed information
 * (plain and through the chat template), occlusion flow, generation and live prefix reuse on the
 * Llama 3 (GQA, llama3 RoPE), Llama 2 (SentencePiece, untied, external data), SmolLM2 (no position_ids)
 * and Qwen2 (biases, padded vocabulary, NFC) fixtures, each checked against independent
 * onnxruntime-node passes over the same ids (test/helpers/rawOrt.ts), not against the engine itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { directedInformation } from '../../src/core/directedInformation';
import { generate } from '../../src/core/generation';
import { occlusionFlow } from '../../src/core/occlusionFlow';
import { PrefixCache } from '../../src/core/prefixReuse';
import type { ForwardInput } from '../../src/core/scoringModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { rawFeeds, rawLog2Probs, rawOrtSession } from '../helpers/rawOrt';
import { coveredText } from '../helpers/spanCoverage';
import { FAMILIES, FAMILY_TEXT, MODELS } from '../helpers/families';

const TEXT = FAMILY_TEXT;
const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** log2 softmax of the last row of one raw pass over `ids` with `mask` (positions unchanged). */
async function rawLastRow(
  session: ort.InferenceSession,
  dir: string,
  ids: number[],
  mask = ids.map(() => 1),
): Promise<number[]> {
  const feeds = rawFeeds(session, dir, ids);
  feeds.attention_mask = new ort.Tensor('int64', BigInt64Array.from(mask.map(BigInt)), [1, ids.length]);
  const out = await session.run(feeds);
  const V = out.logits.dims[2];
  const row = (out.logits.data as Float32Array).subarray((ids.length - 1) * V, ids.length * V);
  let m = -Infinity;
  for (const l of row) m = Math.max(m, l);
  let z = 0;
  for (const l of row) z += Math.exp(l - m);
  return Array.from(row, (l) => (l - m - Math.log(z)) / Math.LN2);
}

for (const name of FAMILIES) {
  const dir = join(MODELS, name);

  test(`${name}: analyze, directed information, flow, generation and prefix reuse equal raw ONNX Runtime passes`, async (t) => {
    const model = await OnnxModel.load({ modelDir: dir, threads: 1 });
    const session = await rawOrtSession(dir);
    const bos = model.info.bosTokenId!;
    try {
      await t.test(
        'analyze: spans cover the text; surprisal through 5-token KV chunks equals one full pass',
        async () => {
          const tok = model.tokenize(TEXT);
          assert.equal(coveredText(TEXT, tok.spans), TEXT);
          const raw = await rawLog2Probs(dir, [bos, ...tok.ids]);
          const r = await model.analyze(TEXT, { chunkSize: 5, topK: 3 });
          r.tokens.forEach((x, i) => close(x.surprisalBits!, -raw[i], 1e-4, `token ${i}`));
          close(r.summary.bitsPerByte!, -raw.reduce((a, b) => a + b, 0) / Buffer.byteLength(TEXT), 1e-5, 'bits/byte');
        },
      );

      await t.test(
        'directed information: Σ iota = baseline − prompted surprisal of the response (identity 5)',
        async () => {
          const r = await directedInformation(
            model,
            { prompt: 'Where did the children walk?\n', response: 'Along the stony bed of the river.' },
            { chunkSize: 4 },
          );
          const di = r.di!,
            resp = di.tokens.map((x) => x.id);
          const pa = (await rawLog2Probs(dir, [bos, ...di.promptTokenIds, ...resp])).slice(-resp.length);
          const pb = (await rawLog2Probs(dir, [bos, ...resp])).slice(-resp.length);
          di.tokens.forEach((x, k) => close(x.iotaBits, pa[k] - pb[k], 1e-4, `iota ${k}`));
          close(di.totalBits, pa.reduce((a, b) => a + b, 0) - pb.reduce((a, b) => a + b, 0), 1e-3, 'Σ iota');
        },
      );

      await t.test(
        'occlusion flow with the KV cache sliced and tiled equals independent passes and raw masked passes',
        async () => {
          const text = TEXT.slice(0, 48);
          const independent = await occlusionFlow(model, text, { unit: 'token', reuse: false, maxBatch: 1 });
          const r = await occlusionFlow(model, text, { unit: 'token', maxBatch: 4 });
          assert.equal(r.flow!.kvReuse, true);
          r.flow!.phiBits.forEach((row, j) =>
            row.forEach((v, c) => close(v, independent.flow!.phiBits[j][c], 1e-4, `phi ${j}->${c}`)),
          );
          const seq = [bos, ...model.tokenize(text).ids];
          for (const [j, c] of [
            [0, 3],
            [2, 6],
          ]) {
            // unit j is seq[j + 1]; target c is seq[c + 1], predicted from the row before it
            const lp = await rawLastRow(session, dir, seq.slice(0, c + 1));
            const lq = await rawLastRow(
              session,
              dir,
              seq.slice(0, c + 1),
              seq.slice(0, c + 1).map((_, i) => (i === j + 1 ? 0 : 1)),
            );
            close(r.flow!.phiBits[j][c], lp[seq[c + 1]] - lq[seq[c + 1]], 1e-4, `raw phi ${j}->${c}`);
          }
        },
      );

      await t.test(
        'greedy generation: each token is the argmax of a full raw pass, iota from the two contexts',
        async () => {
          const prompt = 'The children walked';
          const r = await generate(model, prompt, { greedy: true, maxTokens: 5, stopAtEos: false });
          const ctx = [bos, ...model.tokenize(prompt).ids],
            gen: number[] = [];
          for (const [k, x] of r.generation!.tokens.entries()) {
            const lp = await rawLastRow(session, dir, [...ctx, ...gen]);
            const lq = await rawLastRow(session, dir, [bos, ...gen]);
            assert.equal(x.id, lp.indexOf(Math.max(...lp)), `step ${k}`);
            close(x.iotaBits, lp[x.id] - lq[x.id], 1e-4, `iota ${k}`);
            gen.push(x.id);
          }
        },
      );

      await t.test(
        'live prefix reuse: an edit near the end feeds only the tail and equals a fresh analysis',
        async () => {
          let fed = 0;
          const count = (i: ForwardInput) => {
            fed += i.inputIds.length * i.inputIds[0].length;
          };
          const forward = model.forward.bind(model);
          model.forward = (i, s) => {
            count(i);
            return forward(i, s);
          };
          const measures = model.forwardMeasures,
            fm = measures?.bind(model);
          if (fm)
            (model as { forwardMeasures: typeof fm }).forwardMeasures = (q, s) => {
              count(q);
              return fm(q, s);
            };
          const cache = new PrefixCache();
          try {
            await model.analyze(TEXT, { chunkSize: 8, prefixCache: cache });
            const edited = TEXT.replace('f(y)!', 'f(y) + 1;');
            fed = 0;
            const reused = await model.analyze(edited, { chunkSize: 8, prefixCache: cache });
            const fedReused = fed;
            const fresh = await model.analyze(edited, { chunkSize: 8 });
            assert.ok(fedReused < fresh.tokens.length / 2, `fed ${fedReused} of ${fresh.tokens.length + 1} positions`);
            fresh.tokens.forEach((x, i) => {
              assert.deepEqual(
                [reused.tokens[i].id, reused.tokens[i].start, reused.tokens[i].end],
                [x.id, x.start, x.end],
              );
              close(reused.tokens[i].surprisalBits!, x.surprisalBits!, 1e-4, `token ${i}`);
            });
          } finally {
            cache.dispose();
            model.forward = forward;
            if (measures) (model as { forwardMeasures: typeof measures }).forwardMeasures = measures;
          }
        },
      );
    } finally {
      await session.release();
      await model.dispose();
    }
  });
}
