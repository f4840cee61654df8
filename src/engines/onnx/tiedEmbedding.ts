/**
 * A tied embedding without its packed copy, on the CPU. Models that tie the output head to the token
 * embedding read one [vocab × hidden] initializer twice: the embedding's Gather picks rows of it, the
 * head's Gemm (transB) or MatMul multiplies by it. ONNX Runtime prepacks the head's operand into a copy
 * of its own layout while the Gather keeps the original, so that matrix is held twice: on the 82 M GPT-2
 * 154 MB of its 312 MB (README, Memory). An initializer that is also listed as a graph input can be
 * overridden by a feed, so ONNX Runtime neither folds nor prepacks it; listing the tied embedding there
 * (nothing ever feeds it) leaves one copy, which the head's GEMM packs in blocks as it goes. Measured on
 * that model (bundled CLI, one process each): peak 633 → 478 MB for one token, 889 → 734 MB for 474,
 * analysis no slower; results equal to float32 precision (the GEMM's summation order).
 * Only a head that reads the initializer itself qualifies: behind a Transpose, ONNX Runtime would no
 * longer fold that Transpose at load and would transpose the whole matrix on every pass instead.
 */
import { ONNX_TYPE, appendToGraph, graphNodes, valueInfo } from './onnxGraph';
import { readFields, repeatedVarints, utf8String } from './protobuf';

const MODEL_GRAPH = 7;
const GRAPH = { initializer: 5, input: 11 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8 } as const;

/**
 * The model with every float initializer that a Gather reads as its table and a Gemm or MatMul reads as
 * its second operand listed as a graph input; `tied` names them (empty: the model is returned as it is).
 */
export function withTiedEmbeddingUnpacked(model: Uint8Array): { model: Uint8Array; tied: string[] } {
  const graphBytes = readFields(model).find((f) => f.field === MODEL_GRAPH)?.bytes;
  if (!graphBytes) return { model, tied: [] };
  const graph = readFields(graphBytes);
  const gathered = new Set<string>(),
    multiplied = new Set<string>();
  for (const { op, inputs } of graphNodes(graph)) {
    if (op === 'Gather' && inputs[0]) gathered.add(inputs[0]);
    if ((op === 'Gemm' || op === 'MatMul') && inputs[1]) multiplied.add(inputs[1]);
  }
  const inputs = new Set(
    graph
      .filter((f) => f.field === GRAPH.input)
      .map((f) => utf8String(readFields(f.bytes!).find((x) => x.field === 1)?.bytes)),
  );
  const added: Uint8Array[] = [];
  const tied: string[] = [];
  for (const init of graph.filter((f) => f.field === GRAPH.initializer)) {
    const tf = readFields(init.bytes!);
    const name = utf8String(tf.find((f) => f.field === TENSOR.name)?.bytes);
    const type = Number(tf.find((f) => f.field === TENSOR.dataType)?.varint ?? 0n);
    if (!gathered.has(name) || !multiplied.has(name) || inputs.has(name)) continue;
    if (type !== ONNX_TYPE.FLOAT && type !== ONNX_TYPE.FLOAT16) continue;
    added.push(valueInfo(11, name, type, repeatedVarints(tf, TENSOR.dims)));
    tied.push(name);
  }
  return { model: added.length ? appendToGraph(model, added) : model, tied };
}
