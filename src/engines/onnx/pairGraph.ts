/**
 * The graph that compares logits rows pairwise on the device where they were computed (occlusion flow on
 * a GPU): row p_rows[i] of P (the clean pass) against row q_rows[i] of Q (an occluded pass), for N pairs:
 *
 *   d_p = p − max(p),  d_q = q − max(q)          each row shifted so every e^d ≤ 1 (padding: e^d = 0)
 *   z_p = Σ_v e^{d_p},  z_q = Σ_v e^{d_q},  s = Σ_v e^{d_p}·(d_p − d_q)     grouped sums (fusedScorer.ts)
 *   d_p[target],  d_q[target]
 *
 * What comes back is five floats per pair instead of two vocabulary rows; pairResult finishes in
 * float64: with c = ln z_q − ln z_p, KL(p‖q) = s/z_p + c and ln p(t) − ln q(t) = d_p[t] − d_q[t] + c.
 */
import { LN2 } from '../../core/units';
import { ONNX_TYPE, SUM_GROUP, attrFloat, attrInt, constInts, modelOf, node, reductions, valueInfo } from './onnxGraph';

export const PAIR_OUTPUTS = ['zp', 'zq', 's', 'dpt', 'dqt'] as const;
export type PairOutputs = Record<(typeof PAIR_OUTPUTS)[number], Float32Array>;

/** Pair `i` of the graph's outputs in bits, as divergence.ts's pairMeasures gives it from the two rows. */
export function pairResult(r: PairOutputs, i: number): { logRatioBits: number; klBits: number } {
  const c = Math.log(r.zq[i]) - Math.log(r.zp[i]);
  return { logRatioBits: (r.dpt[i] - r.dqt[i] + c) / LN2, klBits: Math.max(0, (r.s[i] / r.zp[i] + c) / LN2) };
}

/** The pair graph for logits of element type `logitsType` and `vocab` entries per row. */
export function pairGraph(logitsType: 'float32' | 'float16', vocab: number): Uint8Array {
  const OPSET = 17;
  const { reduce, groupSum } = reductions(OPSET);
  const T = logitsType === 'float16' ? ONNX_TYPE.FLOAT16 : ONNX_TYPE.FLOAT;
  // The rows are picked before anything else: a whole [batch × seq × vocab] tensor is never copied.
  const side = (x: 'p' | 'q') => [
    node('Reshape', [x, 'rows_shape'], [`${x}_flat`]),
    ...(T === ONNX_TYPE.FLOAT16
      ? [
          node('Gather', [`${x}_flat`, `${x}_rows`], [`${x}_picked16`], [attrInt('axis', 0)]),
          node('Cast', [`${x}_picked16`], [`${x}_picked`], [attrInt('to', ONNX_TYPE.FLOAT)]),
        ]
      : [node('Gather', [`${x}_flat`, `${x}_rows`], [`${x}_picked`], [attrInt('axis', 0)])]),
    node('Pad', [`${x}_picked`, 'pads', 'pad_value'], [`${x}_padded`]),
    reduce('ReduceMax', `${x}_padded`, `${x}_max`, 1),
    node('Sub', [`${x}_padded`, `${x}_max`], [`d${x}`]),
    node('Exp', [`d${x}`], [`e${x}`]),
    ...groupSum(`e${x}`, `z${x}`, 'groups'),
    node('GatherElements', [`d${x}`, 'targets2'], [`d${x}t2`], [attrInt('axis', -1)]),
    node('Squeeze', [`d${x}t2`, 'sf_axis_last'], [`d${x}t`]),
  ];
  const nodes = [
    constInts('sf_axis_last', [-1]),
    constInts('rows_shape', [-1, vocab]),
    constInts('pads', [0, 0, 0, (SUM_GROUP - (vocab % SUM_GROUP)) % SUM_GROUP]),
    node('Constant', [], ['pad_value'], [attrFloat('value_float', -1e30)]),
    constInts('groups', [0, -1, SUM_GROUP]),
    node('Unsqueeze', ['targets', 'sf_axis_last'], ['targets2']),
    ...side('p'),
    ...side('q'),
    node('Sub', ['dp', 'dq'], ['diff']),
    node('Mul', ['ep', 'diff'], ['ediff']),
    ...groupSum('ediff', 's', 'groups'),
  ];
  const logits = (name: string) => valueInfo(11, name, T, [`${name}_batch`, `${name}_seq`, vocab]);
  const index = (name: string) => valueInfo(11, name, ONNX_TYPE.INT64, ['pairs']);
  return modelOf(
    'sf_pairs',
    {
      nodes,
      inputs: [logits('p'), logits('q'), index('p_rows'), index('q_rows'), index('targets')],
      outputs: PAIR_OUTPUTS.map((n) => valueInfo(12, n, ONNX_TYPE.FLOAT, ['pairs'])),
    },
    OPSET,
  );
}
