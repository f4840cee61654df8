/**
 * The output head inside the CPU scorer's row blocks (scorerHead.ts), on small graphs of each form the
 * engine recognises: MatMul(hidden, W) as Optimum exports it, and Identity(Reshape(Gemm(hidden2d, W,
 * transB, alpha))) as the fixtures write it. The hidden states and W are inputs, so the logits are
 * computed here in float64 independently of ONNX Runtime.
 * - The measures of every row equal the float64 reduction of those logits, while the model's `logits`
 *   output holds only the rows from sf_logits_from on (so the blocks cannot have read it).
 * - `logits` from row 0 equals hidden·W (times alpha) for every row.
 * - A head of another form (the logits behind an Add) keeps the old graph: no sf_logits_from input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { SCORER_OUTPUTS, fuseScorer } from '../../../src/engines/onnx/fusedScorer';
import {
  ONNX_TYPE,
  attrFloat,
  attrInt,
  constInts,
  modelOf,
  node,
  valueInfo,
} from '../../../src/engines/onnx/onnxGraph';
import { HEAD_INPUT } from '../../../src/engines/onnx/scorerHead';
import { scorerReference } from '../../helpers/scorerReference';

const B = 2,
  S = 7,
  E = 5,
  V = 300,
  K = 3,
  ROW_BLOCK = 3;
const F = ONNX_TYPE.FLOAT;

type HeadForm = 'matmul' | 'gemm' | 'other';

/** hidden [B, S, E] and W ([E, V] for MatMul, [V, E] for the Gemm's transB) as inputs, logits out. */
function headModel(form: HeadForm): Uint8Array {
  const inputs = [
    valueInfo(11, 'input_ids', ONNX_TYPE.INT64, ['batch_size', 'sequence_length']),
    valueInfo(11, 'hidden', F, ['batch_size', 'sequence_length', E]),
    valueInfo(11, 'w', F, form === 'gemm' ? [V, E] : [E, V]),
  ];
  const outputs = [valueInfo(12, 'logits', F, ['batch_size', 'sequence_length', V])];
  const nodes =
    form === 'matmul'
      ? [node('MatMul', ['hidden', 'w'], ['logits'])]
      : form === 'gemm'
        ? [
            constInts('flat_shape', [-1, E]),
            node('Reshape', ['hidden', 'flat_shape'], ['hidden2d']),
            node('Gemm', ['hidden2d', 'w'], ['gemm'], [attrInt('transB', 1), attrFloat('alpha', 0.5)]),
            node('Shape', ['input_ids'], ['bs']),
            constInts('v', [V]),
            node('Concat', ['bs', 'v'], ['logits_shape'], [attrInt('axis', 0)]),
            node('Reshape', ['gemm', 'logits_shape'], ['reshaped']),
            node('Identity', ['reshaped'], ['logits']),
          ]
        : [
            node('MatMul', ['hidden', 'w'], ['product']),
            node('Constant', [], ['bias'], [attrFloat('value_float', 0.25)]),
            node('Add', ['product', 'bias'], ['logits']),
          ];
  return modelOf('head', { nodes, inputs, outputs }, 17);
}

const hidden = Float32Array.from({ length: B * S * E }, (_, i) => Math.sin(i * 0.71) * 2);
const w = Float32Array.from({ length: E * V }, (_, i) => Math.cos(i * 0.13) * (1 + (i % 5)));

/** The logits in float64 from the same inputs: [b][s] → row of V. */
function logitsOf(form: HeadForm): Float32Array[][] {
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: S }, (_, s) =>
      Float32Array.from({ length: V }, (_, v) => {
        let sum = 0;
        for (let e = 0; e < E; e++)
          sum += hidden[(b * S + s) * E + e] * (form === 'gemm' ? w[v * E + e] : w[e * V + v]);
        return form === 'gemm' ? 0.5 * sum : form === 'other' ? sum + 0.25 : sum;
      }),
    ),
  );
}

async function run(form: HeadForm, logitsFrom: number, firstRow: number) {
  const session = await ort.InferenceSession.create(fuseScorer(headModel(form), V, { rowBlock: ROW_BLOCK }));
  const n = S - firstRow;
  const targets = Array.from({ length: B * n }, (_, i) => (i * 37 + 11) % V);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', new BigInt64Array(B * S), [B, S]),
    hidden: new ort.Tensor('float32', hidden, [B, S, E]),
    w: new ort.Tensor('float32', w, form === 'gemm' ? [V, E] : [E, V]),
    sf_first_row: new ort.Tensor('int64', BigInt64Array.of(BigInt(firstRow)), [1]),
    sf_targets: new ort.Tensor('int64', BigInt64Array.from(targets, BigInt), [B, n]),
    sf_k: new ort.Tensor('int64', BigInt64Array.of(BigInt(K)), [1]),
  };
  const takesHead = session.inputNames.includes(HEAD_INPUT);
  if (takesHead) feeds[HEAD_INPUT] = new ort.Tensor('int64', BigInt64Array.of(BigInt(logitsFrom)), [1]);
  const out = await session.run(feeds);
  await session.release();
  return { out, targets, n, takesHead };
}

function assertMeasures(form: HeadForm, r: Awaited<ReturnType<typeof run>>, firstRow: number) {
  const O = SCORER_OUTPUTS;
  const rows = logitsOf(form);
  const at = (name: string, i: number) => Number((r.out[name].data as Float32Array | BigInt64Array)[i]);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < r.n; s++) {
      const i = b * r.n + s;
      const ref = scorerReference(rows[b][firstRow + s], r.targets[i], K);
      const where = `${form}, batch ${b}, row ${firstRow + s}`;
      const close = (name: string, want: number) =>
        assert.ok(
          Math.abs(at(name, i) - want) <= 1e-4 * Math.max(1, Math.abs(want)),
          `${where}: ${name} ${at(name, i)} vs ${want}`,
        );
      close(O.z, ref.z);
      close(O.s1, ref.s1);
      close(O.s2, ref.s2);
      close(O.targetD, ref.targetD);
      assert.equal(at(O.rank, i), ref.rank, `${where}: rank`);
      assert.deepEqual(
        Array.from({ length: K }, (_, j) => at(O.topkIds, i * K + j)),
        ref.ids,
        `${where}: top-k`,
      );
    }
  }
}

for (const form of ['matmul', 'gemm'] as const) {
  test(`${form} head: every row's measures come from the head in the blocks while logits holds only the last row`, async () => {
    const r = await run(form, S - 1, 1);
    assert.ok(r.takesHead, `the ${form} head was not recognised`);
    assert.deepEqual(r.out.logits.dims, [B, 1, V]);
    assertMeasures(form, r, 1);
    // and the one row it holds is the last one
    const last = logitsOf(form).map((rows) => rows[S - 1]);
    const got = r.out.logits.data as Float32Array;
    for (let b = 0; b < B; b++)
      for (let v = 0; v < V; v++) assert.ok(Math.abs(got[b * V + v] - last[b][v]) < 1e-4, `batch ${b} logit ${v}`);
  });

  test(`${form} head: logits from row 0 equal hidden·W for every row, the measures unchanged`, async () => {
    const r = await run(form, 0, 0);
    assert.deepEqual(r.out.logits.dims, [B, S, V]);
    const rows = logitsOf(form);
    const got = r.out.logits.data as Float32Array;
    for (let b = 0; b < B; b++)
      for (let s = 0; s < S; s++)
        for (let v = 0; v < V; v++)
          assert.ok(Math.abs(got[(b * S + s) * V + v] - rows[b][s][v]) < 1e-4, `batch ${b} row ${s} logit ${v}`);
    assertMeasures(form, r, 0);
  });
}

test('a head of another form keeps the graph as it was (logits read by the blocks), measures unchanged', async () => {
  const r = await run('other', 0, 2);
  assert.equal(r.takesHead, false);
  assert.deepEqual(r.out.logits.dims, [B, S, V]);
  assertMeasures('other', r, 2);
});
