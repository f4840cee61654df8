/**
 * The fused scorer's reduction over blocks of rows, for the CPU: an ONNX Loop whose body takes a block
 * of at most `rowBlock` rows of the logits (from sf_first_row on; blocks of equal size, the last padded
 * with whole rows), pads their vocabulary to whole groups and computes the measures on them, so each
 * intermediate is [block × vocab] instead of [rows × vocab]. At 512 rows of a 50,257-word vocabulary
 * each of those was 103 MB in float32, five of them alive at once, and a session's first run paid for
 * touching every new page (README, Devices: peak memory and first-run time measured with bench/scale.ts).
 * The Loop stacks the blocks' outputs as [blocks, batch, block, …]; they are laid back out as
 * [batch, rows, …] and the padded rows dropped. GPUs keep the single pass: a Loop runs on the CPU.
 * When the model's output head is known (scorerHead.ts), a block's logits come from the head on its rows
 * of hidden states, unless the pass writes the `logits` output for every row, which the block then reads.
 */
import { ONNX_TYPE as ONNX, attrGraph, attrInt, attrInts, constInts, node, valueInfo } from './onnxGraph';

/**
 * Most rows per block on the CPU. With the output head inside the blocks (scorerHead.ts) a block of 32
 * rows of a 49,152-word vocabulary holds 6 MB per intermediate, and analysing 512 tokens in the default
 * chunks peaked at 758 MB on the 135 M Llama-shaped model against 786 MB with 64 rows (bundled CLI),
 * for passes 10–14 % slower there and ~25 % on the 82 M GPT-2, whose tied head is repacked by each
 * block's GEMM and is a larger share of its work (README, Memory).
 */
export const CPU_ROW_BLOCK = 32;

export interface RowBlockLoop {
  /** The scorer's inputs: sf_first_row, sf_targets [batch, rows], sf_k. */
  inputs: { firstRow: string; targets: string; k: string };
  /** The scorer's outputs: [batch, rows] each, and the top-k's values and ids [batch, rows, k]. */
  rowOutputs: string[];
  topkOutputs: [string, string];
  /** The float32 logits [batch, seq, vocab]. */
  logits: string;
  /** When given, each block's logits come from the head on its rows of hidden states instead (scorerHead.ts). */
  head?: {
    hidden: string;
    apply(rows: string, out: string, p: string): Uint8Array[];
    /** A bool [1]: `logits` holds every row this pass (so the blocks read it instead of running the head). */
    logitsWritten: string;
  };
  rowBlock: number;
  /** Entries that make the vocabulary whole groups of SUM_GROUP. */
  vocabPad: number;
  /** The measure nodes on `rows` against `targets`, writing each SCORER_OUTPUT under `out(name)`. */
  measures(io: { rows: string; targets: string; out: (name: string) => string }): Uint8Array[];
}

const block = (name: string) => `${name}_block`;
const blocks = (name: string) => `${name}_blocks`;

/** Nodes of the outer graph (which defines sf_pad_value) that write every SCORER_OUTPUT. */
export function rowBlockLoop(o: RowBlockLoop): Uint8Array[] {
  const I = o.inputs,
    [topkD, topkIds] = o.topkOutputs;
  const rowsOf = (tensor: string, shape: string, out: string) => [
    node('Shape', [tensor], [shape]),
    node('Gather', [shape, 'sf_axis_seq'], [out], [attrInt('axis', 0)]),
  ];
  const ceilDiv = (a: string, b: string, out: string) => [
    node('Add', [a, b], [`${out}_sum`]),
    node('Sub', [`${out}_sum`, 'sf_one'], [`${out}_up`]),
    node('Div', [`${out}_up`, b], [out]),
  ];
  const body = [
    node('Unsqueeze', ['sf_iter', 'sf_zero1'], ['sf_iter1']),
    node('Mul', ['sf_iter1', 'sf_block_size'], ['sf_start']),
    node('Add', ['sf_start', 'sf_block_size'], ['sf_end']),
    node('Add', ['sf_start', I.firstRow], ['sf_from']),
    node('Add', ['sf_end', I.firstRow], ['sf_to']),
    ...(o.head
      ? [
          // When the pass writes the model's logits for every row it reads them (no second head pass);
          // otherwise the head runs on this block's rows of hidden states.
          node(
            'If',
            [o.head.logitsWritten],
            ['sf_block_logits'],
            [
              attrGraph('then_branch', {
                name: 'sf_block_from_logits',
                nodes: [node('Slice', [o.logits, 'sf_from', 'sf_to', 'sf_axis_seq'], ['sf_block_logits_read'])],
                inputs: [],
                outputs: [valueInfo(12, 'sf_block_logits_read', ONNX.FLOAT, ['batch_size', 'sf_block_size', 'vocab'])],
              }),
              attrGraph('else_branch', {
                name: 'sf_block_from_head',
                nodes: [
                  node('Slice', [o.head.hidden, 'sf_from', 'sf_to', 'sf_axis_seq'], ['sf_block_hidden']),
                  ...o.head.apply('sf_block_hidden', 'sf_block_logits_made', 'sf_block_head'),
                ],
                inputs: [],
                outputs: [valueInfo(12, 'sf_block_logits_made', ONNX.FLOAT, ['batch_size', 'sf_block_size', 'vocab'])],
              }),
            ],
          ),
        ]
      : [node('Slice', [o.logits, 'sf_from', 'sf_to', 'sf_axis_seq'], ['sf_block_logits'])]),
    node('Slice', [I.targets, 'sf_start', 'sf_end', 'sf_axis_seq'], ['sf_block_targets']),
    ...rowsOf('sf_block_targets', 'sf_block_shape', 'sf_block_rows'),
    node('Sub', ['sf_block_size', 'sf_block_rows'], ['sf_block_short']),
    node('Concat', ['sf_zeros4', 'sf_block_short', 'sf_vocab_pad'], ['sf_block_pads'], [attrInt('axis', 0)]),
    node('Pad', ['sf_block_logits', 'sf_block_pads', 'sf_pad_value'], ['sf_rows']),
    node('Concat', ['sf_zeros3', 'sf_block_short'], ['sf_target_pads'], [attrInt('axis', 0)]),
    node('Pad', ['sf_block_targets', 'sf_target_pads'], ['sf_block_targets_whole']),
    ...o.measures({ rows: 'sf_rows', targets: 'sf_block_targets_whole', out: block }),
    node('Identity', ['sf_cond'], ['sf_cond_out']),
  ];
  const rowsInfo = (name: string) => valueInfo(12, block(name), ONNX.FLOAT, ['batch_size', 'sf_block_size']);
  const bodyGraph = {
    name: 'sf_row_block',
    nodes: body,
    inputs: [valueInfo(11, 'sf_iter', ONNX.INT64, []), valueInfo(11, 'sf_cond', ONNX.BOOL, [])],
    outputs: [
      valueInfo(12, 'sf_cond_out', ONNX.BOOL, []),
      ...o.rowOutputs.map(rowsInfo),
      valueInfo(12, block(topkD), ONNX.FLOAT, ['batch_size', 'sf_block_size', 'sf_k']),
      valueInfo(12, block(topkIds), ONNX.INT64, ['batch_size', 'sf_block_size', 'sf_k']),
    ],
  };
  /** [blocks, batch, rowBlock, …] → [batch, rows, …]. */
  const layOut = (name: string, perm: number[], shape: string) => [
    node('Transpose', [blocks(name)], [`${name}_t`], [attrInts('perm', perm)]),
    node('Reshape', [`${name}_t`, shape], [`${name}_flat`]),
    node('Slice', [`${name}_flat`, 'sf_zero1', 'sf_count', 'sf_axis_seq'], [name]),
  ];
  return [
    constInts('sf_axis_seq', [1]),
    constInts('sf_zero1', [0]),
    constInts('sf_zeros3', [0, 0, 0]),
    constInts('sf_zeros4', [0, 0, 0, 0]),
    constInts('sf_vocab_pad', [o.vocabPad]),
    constInts('sf_block', [o.rowBlock]),
    constInts('sf_one', [1]),
    ...rowsOf(I.targets, 'sf_targets_shape', 'sf_count'),
    // ⌈rows / rowBlock⌉ blocks of equal size, ⌈rows / blocks⌉: a pass of one row scores one row, not rowBlock.
    ...ceilDiv('sf_count', 'sf_block', 'sf_trips1'),
    ...ceilDiv('sf_count', 'sf_trips1', 'sf_block_size'),
    node('Squeeze', ['sf_trips1', 'sf_zero1'], ['sf_trips']),
    node('Loop', ['sf_trips', ''], [...o.rowOutputs, topkD, topkIds].map(blocks), [attrGraph('body', bodyGraph)]),
    constInts('sf_rows_shape', [0, -1]),
    ...o.rowOutputs.flatMap((n) => layOut(n, [1, 0, 2], 'sf_rows_shape')),
    node('Concat', ['sf_rows_shape', I.k], ['sf_topk_shape'], [attrInt('axis', 0)]),
    ...layOut(topkD, [1, 0, 2, 3], 'sf_topk_shape'),
    ...layOut(topkIds, [1, 0, 2, 3], 'sf_topk_shape'),
  ];
}
