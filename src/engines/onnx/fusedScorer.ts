/**
 * Appends the per-token measures to a causal LM's ONNX graph, so ONNX Runtime reduces the logits
 * natively (vectorised, multi-threaded) and only a few numbers per position cross into JavaScript,
 * instead of a [seq × vocab] float array. The added subgraph reads the model's `logits` output:
 *
 *   rows = logits[:, sf_first_row:]         positions that have a target (fp16 logits are cast to float32),
 *                                           padded with −1e30 to a multiple of GROUP entries (one Pad)
 *   d    = rows − max(rows)                 so every e^d ≤ 1 (and padding gives e^d = 0)
 *   sf_z  = Σ_v e^d,   sf_s1 = Σ_v e^d·d,   sf_s2 = Σ_v e^d·d²   summed per group of GROUP, then over groups
 *                                           (on WebGPU one flat sum: SumMethod)
 *   sf_target_d = d[target],   sf_rank = #{v : d_v > d_target},   sf_topk_d, sf_topk_ids = TopK(d, sf_k)
 *
 * The engine finishes in float64: ln p = d − ln z, H = ln z − s1/z, E[(ln p)²] = s2/z − 2 ln z·s1/z + (ln z)².
 * Why the grouping: a float32 running sum of 50,000 small terms drifts (ONNX Runtime's LogSoftmax and a
 * flat ReduceSum were both off by 2e-4 relative on probable tokens, above the 1e-4-bit tolerance);
 * two levels of a few hundred terms each keep the error near 1e-6.
 * On the CPU the rows are taken a block at a time (scorerRowBlocks.ts), so no intermediate is [seq × vocab],
 * and where the output head's form is known it runs inside the blocks (scorerHead.ts): `logits` is then
 * written from the row sf_logits_from on. Otherwise the model's own nodes are untouched; `logits` and
 * `present.*` stay available as outputs either way.
 */
import {
  ONNX_TYPE as ONNX,
  SUM_GROUP as GROUP,
  appendToGraph,
  attrFloat,
  attrInt,
  constInts,
  node,
  reductions,
  valueInfo,
} from './onnxGraph';
import { readFields, utf8String } from './protobuf';
import { rowBlockLoop } from './scorerRowBlocks';
import { HEAD_INPUT, outputHead } from './scorerHead';

export const SCORER_INPUTS = { targets: 'sf_targets', firstRow: 'sf_first_row', k: 'sf_k' } as const;
export const SCORER_OUTPUTS = {
  z: 'sf_z',
  s1: 'sf_s1',
  s2: 'sf_s2',
  targetD: 'sf_target_d',
  rank: 'sf_rank',
  topkD: 'sf_topk_d',
  topkIds: 'sf_topk_ids',
} as const;

export interface GraphFacts {
  opset: number;
  logitsElemType: number;
}

/** Reads the default-domain opset and the element type of the `logits` output. */
export function graphFacts(model: Uint8Array): GraphFacts {
  const fields = readFields(model);
  let opset = 0;
  for (const f of fields.filter((x) => x.field === 8 && x.bytes)) {
    const sub = readFields(f.bytes!);
    const domain = utf8String(sub.find((s) => s.field === 1)?.bytes);
    const version = Number(sub.find((s) => s.field === 2)?.varint ?? 0n);
    if (domain === '' || domain === 'ai.onnx') opset = version;
  }
  const graph = fields.find((f) => f.field === 7)?.bytes;
  if (!graph) throw new Error('the model has no graph');
  let logitsElemType = 0;
  for (const out of readFields(graph).filter((f) => f.field === 12 && f.bytes)) {
    const vi = readFields(out.bytes!);
    if (utf8String(vi.find((x) => x.field === 1)?.bytes) !== 'logits') continue;
    const type = vi.find((x) => x.field === 2)?.bytes;
    const tensorType = type && readFields(type).find((x) => x.field === 1)?.bytes;
    logitsElemType = Number((tensorType && readFields(tensorType).find((x) => x.field === 1)?.varint) ?? 0n);
  }
  return { opset, logitsElemType };
}

/**
 * How the top-k is found. `direct`: one TopK over the vocabulary (ONNX Runtime's CPU kernel selects in
 * a few ms). `grouped`, for GPUs: ONNX Runtime's WebGPU TopK costs in proportion to every entry it sees
 * (23 s for 64 rows of 50,257 on lavapipe), so the top-k comes from the k groups of SUM_GROUP entries
 * with the largest maxima (every entry of the top-k lies in one of them: a group holding one has a
 * maximum at least as large, and at most k groups can), and within those from the k subgroups of
 * SUBGROUP entries with the largest maxima (the same argument): TopK sees 197 group maxima, k·16
 * subgroup maxima and k·16 candidates per row instead of 50,257. The second level took analyze of 512
 * tokens on lavapipe from 1.30 to 1.18 × the bare run (k·256 candidates cost TopK ~0.3 s; README).
 */
export type TopKMethod = 'direct' | 'grouped';

/** Entries per subgroup of a candidate group (see TopKMethod): 16 subgroups of a group of SUM_GROUP. */
const SUBGROUP = 16;

/**
 * TopK(sf_d, sf_k) from the groups with the largest maxima, then from the subgroups with the largest maxima
 * among those groups' (see TopKMethod).
 */
function groupedTopK(vocabSize: number, reduce: ReturnType<typeof reductions>['reduce']): Uint8Array[] {
  const I = SCORER_INPUTS,
    O = SCORER_OUTPUTS;
  const groups = Math.ceil(vocabSize / GROUP);
  const topK = (input: string, k: string, values: string, indices: string) =>
    node('TopK', [input, k], [values, indices], [attrInt('axis', -1), attrInt('largest', 1), attrInt('sorted', 1)]);
  /**
   * The `k` blocks (along the second-to-last axis of `blocks`) whose maxima are largest, in ascending
   * order, so that equal values come out lowest id first, as from the direct TopK: [..., k, block].
   */
  const largestBlocks = (p: string, blocks: string, maxima: string, k: string, blockSize: number) => [
    topK(maxima, k, `${p}_top_max`, `${p}_ranked`),
    node('Cast', [`${p}_ranked`], [`${p}_ranked_f`], [attrInt('to', ONNX.FLOAT)]),
    node(
      'TopK',
      [`${p}_ranked_f`, k],
      [`${p}_sorted_f`, `${p}_order`],
      [attrInt('axis', -1), attrInt('largest', 0), attrInt('sorted', 1)],
    ),
    node('Cast', [`${p}_sorted_f`], [`${p}_sorted`], [attrInt('to', ONNX.INT64)]),
    node('Unsqueeze', [`${p}_sorted`, 'sf_axis_last'], [`${p}_sorted4`]),
    constInts(`${p}_zeros`, new Array<number>(blockSize).fill(0)),
    node('Add', [`${p}_sorted4`, `${p}_zeros`], [`${p}_index`]),
    node('GatherElements', [blocks, `${p}_index`], [`${p}_values`], [attrInt('axis', 2)]),
  ];
  return [
    constInts('sf_group_count', [groups]),
    node('Min', [I.k, 'sf_group_count'], ['sf_kg']),
    node('Reshape', ['sf_d', 'sf_groups'], ['sf_dg']),
    reduce('ReduceMax', 'sf_dg', 'sf_group_max', 0),
    ...largestBlocks('sf_top_groups', 'sf_dg', 'sf_group_max', 'sf_kg', GROUP),
    // The vocabulary ids of those groups' entries, laid out as their values: [batch, rows, kg, GROUP].
    constInts('sf_group_size', [GROUP]),
    constInts(
      'sf_group_offsets',
      Array.from({ length: GROUP }, (_, i) => i),
    ),
    node('Mul', ['sf_top_groups_sorted4', 'sf_group_size'], ['sf_group_starts']),
    node('Add', ['sf_group_starts', 'sf_group_offsets'], ['sf_group_ids']),
    // The same again inside the kg groups, with subgroups of SUBGROUP entries: TopK then sees
    // k·SUBGROUP candidates per row instead of k·GROUP.
    constInts('sf_subgroups', [0, 0, -1, SUBGROUP]),
    node('Reshape', ['sf_top_groups_values', 'sf_subgroups'], ['sf_sub']),
    node('Reshape', ['sf_group_ids', 'sf_subgroups'], ['sf_sub_ids']),
    reduce('ReduceMax', 'sf_sub', 'sf_sub_max', 0),
    constInts('sf_sub_unit', [GROUP / SUBGROUP]),
    node('Mul', ['sf_kg', 'sf_sub_unit'], ['sf_sub_count']),
    node('Min', [I.k, 'sf_sub_count'], ['sf_ks']),
    ...largestBlocks('sf_top_subs', 'sf_sub', 'sf_sub_max', 'sf_ks', SUBGROUP),
    node('GatherElements', ['sf_sub_ids', 'sf_top_subs_index'], ['sf_candidate_ids4'], [attrInt('axis', 2)]),
    constInts('sf_flat_last', [0, 0, -1]),
    node('Reshape', ['sf_top_subs_values', 'sf_flat_last'], ['sf_candidates']),
    node('Reshape', ['sf_candidate_ids4', 'sf_flat_last'], ['sf_candidate_ids']),
    topK('sf_candidates', I.k, O.topkD, 'sf_top_candidates'),
    node('GatherElements', ['sf_candidate_ids', 'sf_top_candidates'], [O.topkIds], [attrInt('axis', -1)]),
  ];
}

/**
 * How z, s1 and s2 are summed over the vocabulary. `grouped`: in two levels of GROUP entries (a flat
 * float32 ReduceSum on the CPU drifts, see above). `flat`, for WebGPU: one ReduceSum over the row, whose
 * WebGPU kernel sums in parallel partial sums, not one running sum: analyze of 512 tokens with a 50,257
 * vocabulary differs from the float64 path by the same largest amounts either way (README), and the
 * grouped sum costs ~180 ms a measure on lavapipe for [512 × 50,257] rows against ~10 ms flat
 * (bench/gpuReductionKernels.ts).
 */
export type SumMethod = 'grouped' | 'flat';

/** What the measure nodes read and write: rows [batch, n, vocab padded to whole groups], targets [batch, n]. */
interface MeasureIo {
  rows: string;
  targets: string;
  /** The name each of SCORER_OUTPUTS is written under. */
  out: (name: string) => string;
}

/** The per-row measures of `io.rows` (the graph defines sf_axis_last and sf_groups). */
function measureNodes(
  io: MeasureIo,
  opset: number,
  vocabSize: number,
  topK: TopKMethod,
  sums: SumMethod,
): Uint8Array[] {
  const I = SCORER_INPUTS,
    O = SCORER_OUTPUTS;
  const { reduce, groupSum: grouped } = reductions(opset);
  const groupSum = (input: string, output: string) =>
    sums === 'flat' ? [reduce('ReduceSum', input, output, 0)] : grouped(input, output, 'sf_groups');
  return [
    reduce('ReduceMax', io.rows, 'sf_max', 1),
    node('Sub', [io.rows, 'sf_max'], ['sf_d']),
    node('Exp', ['sf_d'], ['sf_e']),
    ...groupSum('sf_e', io.out(O.z)),
    node('Mul', ['sf_e', 'sf_d'], ['sf_ed']),
    ...groupSum('sf_ed', io.out(O.s1)),
    node('Mul', ['sf_ed', 'sf_d'], ['sf_edd']),
    ...groupSum('sf_edd', io.out(O.s2)),
    node('Unsqueeze', [io.targets, 'sf_axis_last'], ['sf_targets3']),
    node('GatherElements', ['sf_d', 'sf_targets3'], ['sf_target_d3'], [attrInt('axis', -1)]),
    node('Squeeze', ['sf_target_d3', 'sf_axis_last'], [io.out(O.targetD)]),
    node('Greater', ['sf_d', 'sf_target_d3'], ['sf_greater']),
    node('Cast', ['sf_greater'], ['sf_greater_f'], [attrInt('to', ONNX.FLOAT)]),
    reduce('ReduceSum', 'sf_greater_f', io.out(O.rank), 0),
    ...(topK === 'grouped'
      ? groupedTopK(vocabSize, reduce)
      : [
          node(
            'TopK',
            ['sf_d', I.k],
            [io.out(O.topkD), io.out(O.topkIds)],
            [attrInt('axis', -1), attrInt('largest', 1), attrInt('sorted', 1)],
          ),
        ]),
  ];
}

/**
 * How the scorer is built for a device: the top-k (default 'direct'), the sums (default 'grouped'), and
 * `rowBlock` (the CPU): the rows are reduced `rowBlock` at a time in a Loop (scorerRowBlocks.ts), so the
 * intermediates are [rowBlock × vocab] instead of [rows × vocab]; without it (a GPU, where a Loop would
 * run on the CPU) all rows at once.
 */
export interface ScorerOptions {
  topK?: TopKMethod;
  sums?: SumMethod;
  rowBlock?: number;
}

/** The model with the scorer subgraph appended. Throws when the graph cannot take it. */
export function fuseScorer(
  model: Uint8Array,
  vocabSize: number,
  { topK = 'direct', sums = 'grouped', rowBlock }: ScorerOptions = {},
): Uint8Array {
  const { opset, logitsElemType } = graphFacts(model);
  if (opset < 13) throw new Error(`opset ${opset} is older than 13`);
  if (logitsElemType !== ONNX.FLOAT && logitsElemType !== ONNX.FLOAT16)
    throw new Error('the model has no float logits output');
  if (rowBlock && topK !== 'direct') throw new Error('row blocks take the direct top-k');
  const I = SCORER_INPUTS,
    O = SCORER_OUTPUTS;
  const logits = logitsElemType === ONNX.FLOAT16 ? 'sf_logits32' : 'logits';
  const vocabPad = (GROUP - (vocabSize % GROUP)) % GROUP;
  const graph = readFields(model).find((f) => f.field === 7)?.bytes;
  // On the CPU with float32 logits the head runs inside the row blocks when its form is known (scorerHead.ts).
  const head = rowBlock && logitsElemType === ONNX.FLOAT && graph ? outputHead(graph) : null;
  const nodes = [
    constInts('sf_axis_last', [-1]),
    constInts('sf_groups', [0, 0, -1, GROUP]),
    // float32 logits are read as they are (an Identity would be one more pass over [rows × vocab]).
    ...(logitsElemType === ONNX.FLOAT16 ? [node('Cast', ['logits'], [logits], [attrInt('to', ONNX.FLOAT)])] : []),
    node('Constant', [], ['sf_pad_value'], [attrFloat('value_float', -1e30)]),
    ...(rowBlock
      ? rowBlockLoop({
          inputs: I,
          rowOutputs: [O.z, O.s1, O.s2, O.targetD, O.rank],
          topkOutputs: [O.topkD, O.topkIds],
          logits,
          ...(head ? { head: { ...head, logitsWritten: 'sf_logits_whole' } } : {}),
          rowBlock,
          vocabPad,
          measures: (io) => measureNodes(io, opset, vocabSize, topK, sums),
        })
      : [
          // One Pad both drops the rows before sf_first_row (a negative pad) and pads the vocabulary to
          // whole groups (padding gives e^d = 0): a Slice before it would be one more copy of [rows × vocab].
          node('Neg', [I.firstRow], ['sf_crop']),
          constInts('sf_pad_zero', [0]),
          constInts('sf_pad_ends', [0, 0, 0, vocabPad]),
          node('Concat', ['sf_pad_zero', 'sf_crop', 'sf_pad_ends'], ['sf_pads'], [attrInt('axis', 0)]),
          node('Pad', [logits, 'sf_pads', 'sf_pad_value'], ['sf_rows']),
          ...measureNodes({ rows: 'sf_rows', targets: I.targets, out: (n) => n }, opset, vocabSize, topK, sums),
        ]),
  ];
  const headNodes = head
    ? [
        ...head.prelude,
        constInts('sf_logits_end', [2 ** 31 - 1]),
        constInts('sf_logits_all', [0]),
        node('Equal', [HEAD_INPUT, 'sf_logits_all'], ['sf_logits_whole']),
        node('Slice', [head.hidden, HEAD_INPUT, 'sf_logits_end', 'sf_axis_seq'], ['sf_logits_rows']),
        ...head.apply('sf_logits_rows', 'logits', 'sf_logits_head'),
      ]
    : [];
  const inputs = [
    ...(head ? [valueInfo(11, HEAD_INPUT, ONNX.INT64, [1])] : []),
    valueInfo(11, I.targets, ONNX.INT64, ['batch_size', 'sf_rows']),
    valueInfo(11, I.firstRow, ONNX.INT64, [1]),
    valueInfo(11, I.k, ONNX.INT64, [1]),
  ];
  const rowsOut = (name: string) => valueInfo(12, name, ONNX.FLOAT, ['batch_size', 'sf_rows']);
  const outputs = [
    rowsOut(O.z),
    rowsOut(O.s1),
    rowsOut(O.s2),
    rowsOut(O.targetD),
    rowsOut(O.rank),
    valueInfo(12, O.topkD, ONNX.FLOAT, ['batch_size', 'sf_rows', 'sf_k']),
    valueInfo(12, O.topkIds, ONNX.INT64, ['batch_size', 'sf_rows', 'sf_k']),
  ];
  return appendToGraph(model, [...headNodes, ...nodes, ...inputs, ...outputs], head?.replaced);
}

/** The scorer's row outputs as the engine reads them (Float32 from ONNX Runtime). */
export interface ScorerRows {
  z: Float32Array;
  s1: Float32Array;
  s2: Float32Array;
  targetD: Float32Array;
  /** [rows · k]. */
  topkD: Float32Array;
  k: number;
}

/**
 * The engine's float64 finish (see the header), in nats: ln p of the target and of the top-k, Σ p ln p
 * and Σ p (ln p)², per row.
 */
export function finishScorerRows({ z, s1, s2, targetD, topkD, k }: ScorerRows) {
  const n = z.length;
  const targetLogProb = new Float32Array(n),
    negEntropy = new Float32Array(n),
    secondMoment = new Float32Array(n),
    topkLogProb = new Float32Array(topkD.length);
  for (let i = 0; i < n; i++) {
    const lz = Math.log(z[i]),
      m1 = s1[i] / z[i];
    targetLogProb[i] = targetD[i] - lz;
    negEntropy[i] = m1 - lz;
    secondMoment[i] = s2[i] / z[i] - 2 * lz * m1 + lz * lz;
    for (let j = 0; j < k; j++) topkLogProb[i * k + j] = topkD[i * k + j] - lz;
  }
  return { targetLogProb, negEntropy, secondMoment, topkLogProb };
}
