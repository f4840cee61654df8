/**
 * The fused scorer's two top-k methods give the same alternatives: `grouped` (for GPUs, from the groups
 * with the largest maxima) against `direct` (one TopK over the vocabulary), run by ONNX Runtime on the
 * CPU on a graph whose logits are an input, for vocabularies of one and of many groups, k from 1 to 50,
 * rows with ties and with the top-k crowded into one group.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { SCORER_OUTPUTS, fuseScorer, type TopKMethod } from '../../../src/engines/onnx/fusedScorer';
import { ONNX_TYPE, modelOf, node, valueInfo } from '../../../src/engines/onnx/onnxGraph';

/** A "model" whose logits output is its input, with the scorer appended. */
function scorer(vocab: number, method: TopKMethod): Uint8Array {
  const identity = modelOf('logits', {
    nodes: [node('Identity', ['x'], ['logits'])],
    inputs: [valueInfo(11, 'x', ONNX_TYPE.FLOAT, ['batch_size', 'seq', vocab])],
    outputs: [valueInfo(12, 'logits', ONNX_TYPE.FLOAT, ['batch_size', 'seq', vocab])],
  });
  return fuseScorer(identity, vocab, method);
}

async function topK(
  vocab: number,
  method: TopKMethod,
  rows: Float32Array[],
  k: number,
): Promise<{ ids: number[]; d: number[] }> {
  const s = await ort.InferenceSession.create(scorer(vocab, method));
  const x = new Float32Array(rows.length * vocab);
  rows.forEach((r, i) => x.set(r, i * vocab));
  const out = await s.run(
    {
      x: new ort.Tensor('float32', x, [1, rows.length, vocab]),
      sf_first_row: new ort.Tensor('int64', BigInt64Array.of(0n), [1]),
      sf_targets: new ort.Tensor('int64', new BigInt64Array(rows.length), [1, rows.length]),
      sf_k: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
    },
    [SCORER_OUTPUTS.topkIds, SCORER_OUTPUTS.topkD],
  );
  await s.release();
  return {
    ids: Array.from(out[SCORER_OUTPUTS.topkIds].data as BigInt64Array, Number),
    d: Array.from(out[SCORER_OUTPUTS.topkD].data as Float32Array),
  };
}

function rows(vocab: number): Float32Array[] {
  const spread = Float32Array.from({ length: vocab }, (_, v) => Math.sin(v * 0.37 + (v % 977) * 0.01) * 5);
  const crowded = Float32Array.from({ length: vocab }, (_, v) => (v >= 512 && v < 600 ? 10 + v / 100 : Math.cos(v)));
  const ties = Float32Array.from({ length: vocab }, (_, v) => (v % 300 === 7 ? 9 : v % 3));
  const last = Float32Array.from({ length: vocab }, (_, v) => (v >= vocab - 3 ? 20 - (vocab - v) : 0));
  return [spread, crowded, ties, last];
}

test('grouped top-k equals the direct TopK: the same ids in the same order and the same values', async () => {
  for (const vocab of [400, 50257]) {
    for (const k of [1, 5, 50]) {
      const [direct, grouped] = [
        await topK(vocab, 'direct', rows(vocab), k),
        await topK(vocab, 'grouped', rows(vocab), k),
      ];
      assert.deepEqual(grouped.ids, direct.ids, `vocab ${vocab}, k ${k}`);
      assert.deepEqual(grouped.d, direct.d, `vocab ${vocab}, k ${k}`);
    }
  }
});
