/**
 * The fused scorer, run by ONNX Runtime on the CPU on a graph whose logits are an input.
 * Its two top-k methods give the same alternatives: `grouped` (for GPUs, from the groups and then the
 * subgroups with the largest maxima) against `direct` (one TopK over the vocabulary), for vocabularies of
 * one and of many groups, k from 1 to 50, rows with ties (within and across blocks) and with the top-k
 * crowded into one group.
 * Its sums, target, rank and top-k equal a float64 reduction of the same rows, with all rows at once
 * and in row blocks (the CPU's Loop), from a first row past 0, over a batch of two; so does the GPU's
 * graph (all rows, grouped top-k, flat sums), and at a 50,257-word vocabulary its flat float32 sums give
 * surprisal, entropy and varentropy within 1e-3 bits of float64 (the GPU path's tolerance).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { measuresFromRow, positionMeasures } from '../../../src/core/tokenMeasures';
import {
  SCORER_OUTPUTS,
  type SumMethod,
  finishScorerRows,
  fuseScorer,
  type TopKMethod,
} from '../../../src/engines/onnx/fusedScorer';
import { ONNX_TYPE, modelOf, node, valueInfo } from '../../../src/engines/onnx/onnxGraph';
import { scorerReference as reference } from '../../helpers/scorerReference';

/** A "model" whose logits output is its input, with the scorer appended. */
function scorer(vocab: number, method: TopKMethod, rowBlock?: number, sums?: SumMethod): Uint8Array {
  const identity = modelOf('logits', {
    nodes: [node('Identity', ['x'], ['logits'])],
    inputs: [valueInfo(11, 'x', ONNX_TYPE.FLOAT, ['batch_size', 'seq', vocab])],
    outputs: [valueInfo(12, 'logits', ONNX_TYPE.FLOAT, ['batch_size', 'seq', vocab])],
  });
  return fuseScorer(identity, vocab, { topK: method, rowBlock, sums });
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
  // The 5th largest value (5) is tied in blocks whose maxima rank them after higher blocks: the lowest id
  // (1) must win, as from the direct TopK, at the level of groups (0, 256, 512) and of subgroups (0, 16, 32).
  const tiedAcrossBlocks = new Float32Array(vocab).fill(-1);
  for (const [v, x] of [
    [0, 1],
    [1, 5],
    [16, 9],
    [17, 5],
    [32, 8],
    [256, 9.5],
    [257, 5],
    [512, 8.5],
  ])
    if (v < vocab) tiedAcrossBlocks[v] = x;
  return [spread, crowded, ties, last, tiedAcrossBlocks];
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

/** z, s1, s2, d[target], rank and the top-k ids of one row, in float64 (fusedScorer.ts's definitions). */
test('the sums, target, rank and top-k equal float64 sums, all rows at once (both top-k methods) and in row blocks, from a first row past 0', async () => {
  const vocab = 1000,
    seq = 9,
    firstRow = 2,
    k = 3;
  const batch = [0, 1].map((b) =>
    Array.from({ length: seq }, (_, r) =>
      Float32Array.from({ length: vocab }, (_, v) => Math.sin(v * 0.37 + r * 1.3 + b * 2.1) * (3 + r) + (v % 7) * 0.1),
    ),
  );
  const targets = batch.map((rows, b) => rows.slice(firstRow).map((_, r) => (r * 131 + b * 17 + 5) % vocab));
  const x = new Float32Array(2 * seq * vocab);
  batch.flat().forEach((row, i) => x.set(row, i * vocab));
  const graphs: [TopKMethod, number | undefined, SumMethod?][] = [
    ['direct', undefined],
    ['direct', 2],
    ['direct', 3],
    ['direct', 4],
    ['direct', 64],
    ['grouped', undefined],
    // The GPU's graph (all rows at once, the grouped top-k, one flat sum per row), run here by the CPU provider.
    ['grouped', undefined, 'flat'],
  ];
  for (const [method, rowBlock, sums] of graphs) {
    const s = await ort.InferenceSession.create(scorer(vocab, method, rowBlock, sums));
    const out = await s.run({
      x: new ort.Tensor('float32', x, [2, seq, vocab]),
      sf_first_row: new ort.Tensor('int64', BigInt64Array.of(BigInt(firstRow)), [1]),
      sf_targets: new ort.Tensor('int64', BigInt64Array.from(targets.flat(), BigInt), [2, seq - firstRow]),
      sf_k: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
    });
    await s.release();
    const O = SCORER_OUTPUTS;
    const n = seq - firstRow;
    assert.deepEqual(out[O.z].dims, [2, n], `${method}, rowBlock ${rowBlock}`);
    assert.deepEqual(out[O.topkIds].dims, [2, n, k], `${method}, rowBlock ${rowBlock}`);
    const at = (name: string, i: number) => Number((out[name].data as Float32Array | BigInt64Array)[i]);
    for (let b = 0; b < 2; b++) {
      for (let r = 0; r < n; r++) {
        const ref = reference(batch[b][firstRow + r], targets[b][r], k);
        const i = b * n + r,
          where = `${method}, rowBlock ${rowBlock}, batch ${b}, row ${r}`;
        const close = (name: string, want: number, tol: number) =>
          assert.ok(
            Math.abs(at(name, i) - want) <= tol * Math.max(1, Math.abs(want)),
            `${where}: ${name} ${at(name, i)} vs ${want}`,
          );
        close(O.z, ref.z, 1e-6);
        close(O.s1, ref.s1, 1e-5);
        close(O.s2, ref.s2, 1e-5);
        close(O.targetD, ref.targetD, 1e-6);
        assert.equal(at(O.rank, i), ref.rank, `${where}: rank`);
        assert.deepEqual(
          [0, 1, 2].map((j) => at(O.topkIds, i * k + j)),
          ref.ids,
          `${where}: top-k`,
        );
      }
    }
  }
});

test("the GPU's graph (flat sums) at a 50,257-word vocabulary: surprisal, entropy and varentropy within 1e-3 bits of float64", async () => {
  const vocab = 50257,
    seq = 6;
  const rowsIn = Array.from({ length: seq }, (_, r) =>
    Float32Array.from({ length: vocab }, (_, v) => Math.sin(v * 0.013 + r) * (4 + 3 * r) - (v % 11) * 0.2),
  );
  const targets = rowsIn.map((_, r) => (r * 7919 + 11) % vocab);
  const x = new Float32Array(seq * vocab);
  rowsIn.forEach((row, i) => x.set(row, i * vocab));
  const s = await ort.InferenceSession.create(scorer(vocab, 'grouped', undefined, 'flat'));
  const out = await s.run({
    x: new ort.Tensor('float32', x, [1, seq, vocab]),
    sf_first_row: new ort.Tensor('int64', BigInt64Array.of(0n), [1]),
    sf_targets: new ort.Tensor('int64', BigInt64Array.from(targets, BigInt), [1, seq]),
    sf_k: new ort.Tensor('int64', BigInt64Array.of(5n), [1]),
  });
  await s.release();
  const O = SCORER_OUTPUTS;
  const f32 = (name: string) => out[name].data as Float32Array;
  // What the engine makes of them (its float64 finish, then the measures of a row) against the float64
  // JavaScript reduction of the same logits.
  const k = out[O.topkD].dims[2];
  const rows = {
    ...finishScorerRows({ z: f32(O.z), s1: f32(O.s1), s2: f32(O.s2), targetD: f32(O.targetD), topkD: f32(O.topkD), k }),
    greaterCount: f32(O.rank),
    topkIds: out[O.topkIds].data as BigInt64Array,
    k,
  };
  for (let r = 0; r < seq; r++) {
    const got = measuresFromRow(rows, r, 5),
      want = positionMeasures(rowsIn[r], targets[r], 5);
    for (const m of ['surprisalBits', 'entropyBits', 'varentropyBits2'] as const)
      assert.ok(Math.abs(got[m]! - want[m]!) < 1e-3, `row ${r}: ${m} ${got[m]} vs ${want[m]}`);
    assert.equal(got.rank, want.rank, `row ${r}: rank`);
  }
});
