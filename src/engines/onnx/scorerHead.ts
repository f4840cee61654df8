/**
 * The model's output head, taken out of the graph for the CPU's row blocks. The head writes the logits,
 * [rows × vocab]: for a chunk of 128 tokens of a 49,152-word vocabulary a 24 MB array that the
 * reduction then reads a block at a time (scorerRowBlocks.ts). Run inside each block instead, the head
 * only ever writes [block × vocab], and the model's `logits` output is written only for the rows a pass
 * asks for (sf_logits_from on, the last row when it asks for none: ONNX Runtime runs every node whether
 * or not its output is fetched, and some kernels fault on empty inputs). The head's cost is the same:
 * each row goes through it once, in the block or in the `logits` output, not both, unless a pass asks
 * for the logits and the measures of the same rows.
 *
 * Two forms are recognised (others keep the head where it is): MatMul(hidden [batch, seq, h], W), as
 * Optimum exports, and Reshape(Gemm(hidden2d [batch·seq, h], W, …), shape), as the fixtures write it
 * (tools/fixtures). W and the Gemm's bias are read from the outer graph, so a tied embedding is still
 * held once (tiedEmbedding.ts).
 */
import { type GraphNode, attrInt, constInts, graphNodes, node } from './onnxGraph';
import { type PbField, readFields, utf8String } from './protobuf';

export const HEAD_INPUT = 'sf_logits_from';

const GRAPH = { node: 1, output: 12 } as const;
const ATTRIBUTE = { name: 1, i: 3 } as const;

export interface OutputHead {
  /** Nodes for the outer graph: the hidden states as [batch, seq, h] under the name `hidden`. */
  prelude: Uint8Array[];
  hidden: string;
  /** The head on `rows` [batch, n, h], writing `out` [batch, n, vocab]; `p` prefixes its other names. */
  apply(rows: string, out: string, p: string): Uint8Array[];
  /** The graph's node entries that the head replaces. */
  replaced: PbField[];
}

const intAttr = (n: GraphNode, name: string): number | undefined => {
  for (const entry of n.attributes) {
    // an attribute entry is the AttributeProto's bytes behind the node's field key and a length
    const inner = readFields(readFields(entry)[0]?.bytes ?? new Uint8Array());
    if (utf8String(inner.find((f) => f.field === ATTRIBUTE.name)?.bytes) === name)
      return Number(inner.find((f) => f.field === ATTRIBUTE.i)?.varint ?? 0n);
  }
  return undefined;
};

/** The head that writes the graph's `logits`, or null when it has neither form. */
export function outputHead(graphBytes: Uint8Array): OutputHead | null {
  const graph = readFields(graphBytes);
  const nodes = graphNodes(graph);
  const producer = new Map<string, GraphNode>();
  const readers = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  }
  const graphOutputs = graph
    .filter((f) => f.field === GRAPH.output)
    .map((f) => utf8String(readFields(f.bytes!).find((x) => x.field === 1)?.bytes));
  const own = (name: string) => (readers.get(name) ?? 0) === 1 && !graphOutputs.includes(name);
  if ((readers.get('logits') ?? 0) > 0) return null;
  let last = producer.get('logits');
  // an Identity that only names the output (the fixtures' writer ends with one)
  const named = last?.op === 'Identity' && last.domain === '' && own(last.inputs[0]) ? last : undefined;
  if (named) last = producer.get(named.inputs[0]);
  if (!last || last.domain !== '') return null;
  const replaced = (...fields: PbField[]) => (named ? [...fields, named.field] : fields);
  if (last.op === 'MatMul' && last.inputs.length === 2) {
    const [hidden, weight] = last.inputs;
    return {
      prelude: [],
      hidden,
      apply: (rows, out) => [node('MatMul', [rows, weight], [out])],
      replaced: replaced(last.field),
    };
  }
  const gemm = last.op === 'Reshape' ? producer.get(last.inputs[0]) : undefined;
  if (!gemm || gemm.op !== 'Gemm' || gemm.domain !== '' || !own(last.inputs[0]) || intAttr(gemm, 'transA')) return null;
  const [hidden2d, ...operands] = gemm.inputs;
  // [batch, seq] from input_ids and h from the Gemm's input: the rows the head's Reshape lays out.
  const prelude = [
    node('Shape', ['input_ids'], ['sf_head_bs']),
    node('Shape', [hidden2d], ['sf_head_h2']),
    constInts('sf_head_one', [1]),
    constInts('sf_head_two', [2]),
    constInts('sf_head_zero', [0]),
    node('Slice', ['sf_head_h2', 'sf_head_one', 'sf_head_two'], ['sf_head_h']),
    node('Concat', ['sf_head_bs', 'sf_head_h'], ['sf_head_shape'], [attrInt('axis', 0)]),
    node('Reshape', [hidden2d, 'sf_head_shape'], ['sf_head_hidden']),
  ];
  const apply = (rows: string, out: string, p: string) => [
    node('Flatten', [rows], [`${p}_flat`], [attrInt('axis', 2)]),
    // the Gemm's own attributes (alpha, beta, transB), copied as they are
    node('Gemm', [`${p}_flat`, ...operands], [`${p}_gemm`], gemm.attributes),
    node('Shape', [rows], [`${p}_rows_shape`]),
    node('Shape', [`${p}_gemm`], [`${p}_gemm_shape`]),
    node('Slice', [`${p}_rows_shape`, 'sf_head_zero', 'sf_head_two'], [`${p}_bn`]),
    node('Slice', [`${p}_gemm_shape`, 'sf_head_one', 'sf_head_two'], [`${p}_v`]),
    node('Concat', [`${p}_bn`, `${p}_v`], [`${p}_out_shape`], [attrInt('axis', 0)]),
    node('Reshape', [`${p}_gemm`, `${p}_out_shape`], [out]),
  ];
  return {
    prelude,
    hidden: 'sf_head_hidden',
    apply,
    replaced: replaced(gemm.field, last.field),
  };
}
