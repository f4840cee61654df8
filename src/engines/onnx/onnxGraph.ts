/**
 * Writing ONNX nodes, graph inputs and outputs, and whole small models as protobuf bytes: what the
 * fused scorer appends to a model's graph, and the small graphs the GPU path runs beside a model
 * (deviceGraphs.ts); and a model's nodes read back (the output head, a tied embedding). Field numbers
 * from onnx/onnx.proto.
 */
import { type PbField, concat, pbBytes, pbMessage, pbString, pbVarint, readFields, utf8String } from './protobuf';

/** TensorProto.DataType values used here. */
export const ONNX_TYPE = { FLOAT: 1, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
const ATTR = { FLOAT: 1, INT: 2, GRAPH: 5, INTS: 7 } as const;
const IR_VERSION = 8;

export function attrInt(name: string, v: number): Uint8Array {
  return pbMessage(5, [pbString(1, name), pbVarint(20, ATTR.INT), pbVarint(3, v)]);
}

export function attrFloat(name: string, v: number): Uint8Array {
  const f = new Uint8Array(4);
  new DataView(f.buffer).setFloat32(0, v, true);
  return pbMessage(5, [pbString(1, name), pbVarint(20, ATTR.FLOAT), concat([Uint8Array.of((2 << 3) | 5), f])]);
}

export function attrInts(name: string, vs: number[]): Uint8Array {
  return pbMessage(5, [pbString(1, name), pbVarint(20, ATTR.INTS), ...vs.map((v) => pbVarint(8, v))]);
}

/** A graph attribute (a Loop's body): the graph's nodes, name, inputs and outputs. */
export function attrGraph(
  name: string,
  graph: { name: string; nodes: Uint8Array[]; inputs: Uint8Array[]; outputs: Uint8Array[] },
): Uint8Array {
  const g = concat([...graph.nodes, pbString(2, graph.name), ...graph.inputs, ...graph.outputs]);
  return pbMessage(5, [pbString(1, name), pbVarint(20, ATTR.GRAPH), pbBytes(6, g)]);
}

/** A NodeProto named after its first output (prefixed `sf_`, so it never collides with a model's own). */
export function node(op: string, inputs: string[], outputs: string[], attrs: Uint8Array[] = []): Uint8Array {
  return pbMessage(1, [
    ...inputs.map((i) => pbString(1, i)),
    ...outputs.map((o) => pbString(2, o)),
    pbString(3, `sf_${outputs[0]}`),
    pbString(4, op),
    ...attrs,
  ]);
}

/** A Constant node `name` holding the int64 list `vs` (axes, shapes, pads). */
export const constInts = (name: string, vs: number[]): Uint8Array =>
  node('Constant', [], [name], [attrInts('value_ints', vs)]);

/** A graph input (field 11) or output (field 12) with its element type and shape. */
export function valueInfo(field: 11 | 12, name: string, elemType: number, dims: (string | number)[]): Uint8Array {
  const shape = dims.map((d) => pbMessage(1, [typeof d === 'number' ? pbVarint(1, d) : pbString(2, d)]));
  const tensorType = pbMessage(1, [pbVarint(1, elemType), pbMessage(2, shape)]);
  return pbMessage(field, [pbString(1, name), pbMessage(2, [tensorType])]);
}

/** Entries per group of the two-level sums (fusedScorer.ts says why a flat float32 sum is not enough). */
export const SUM_GROUP = 256;

/**
 * Reductions over the last axis written for `opset` (ReduceSum takes its axes as an input from opset 13,
 * the other reductions from 18; the graph must define the constant `sf_axis_last` = [-1]), and the sum
 * over the last axis in two levels of SUM_GROUP entries (`groups`: the name of a Reshape target that
 * splits the last axis into groups, e.g. [0, -1, SUM_GROUP]).
 */
export function reductions(opset: number) {
  const reduce = (op: string, input: string, output: string, keepdims: number): Uint8Array =>
    op === 'ReduceSum' || opset >= 18
      ? node(op, [input, 'sf_axis_last'], [output], [attrInt('keepdims', keepdims)])
      : node(op, [input], [output], [attrInts('axes', [-1]), attrInt('keepdims', keepdims)]);
  const groupSum = (input: string, output: string, groups: string): Uint8Array[] => [
    node('Reshape', [input, groups], [`${input}_g`]),
    reduce('ReduceSum', `${input}_g`, `${input}_gs`, 0),
    reduce('ReduceSum', `${input}_gs`, output, 0),
  ];
  return { reduce, groupSum };
}

/** A ModelProto of one graph in the default domain at `opset`. */
export function modelOf(
  name: string,
  parts: { nodes: Uint8Array[]; inputs: Uint8Array[]; outputs: Uint8Array[] },
  opset = 17,
): Uint8Array {
  const graph = concat([...parts.nodes, pbString(2, name), ...parts.inputs, ...parts.outputs]);
  return concat([pbVarint(1, IR_VERSION), pbBytes(7, graph), pbMessage(8, [pbString(1, ''), pbVarint(2, opset)])]);
}

/**
 * The ModelProto with `parts` (nodes, inputs, outputs, initializers: any GraphProto entries) added to its
 * graph, less the graph's entries in `dropped` (as readFields gives them from the graph's bytes); every
 * other field is kept byte for byte. Throws when the model has no graph.
 */
export function appendToGraph(model: Uint8Array, parts: Uint8Array[], dropped: readonly PbField[] = []): Uint8Array {
  const fields = readFields(model);
  const graphField = fields.find((f) => f.field === 7);
  if (!graphField?.bytes) throw new Error('the model has no graph');
  const own = graphField.bytes;
  const starts = new Set(dropped.map((d) => d.start));
  const kept = starts.size
    ? readFields(own)
        .filter((f) => !starts.has(f.start))
        .map((f) => own.subarray(f.start, f.end))
    : [own];
  const graph = concat([...kept, ...parts]);
  return concat(fields.map((f) => (f === graphField ? pbBytes(7, graph) : model.subarray(f.start, f.end))));
}

const GRAPH_NODE = 1;
const NODE = { input: 1, output: 2, opType: 4, attribute: 5, domain: 7 } as const;

/** A NodeProto as read from a model: where it is in its graph, its op, domain, inputs and outputs. */
export interface GraphNode {
  field: PbField;
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** The attribute entries, bytes as they are in the model. */
  attributes: Uint8Array[];
}

/** The nodes of a graph's top-level fields (readFields of the GraphProto), in order. */
export function graphNodes(graph: PbField[]): GraphNode[] {
  return graph
    .filter((f) => f.field === GRAPH_NODE && f.bytes)
    .map((field) => {
      const nf = readFields(field.bytes!);
      const strings = (n: number) => nf.filter((f) => f.field === n).map((f) => utf8String(f.bytes));
      return {
        field,
        op: strings(NODE.opType)[0] ?? '',
        domain: strings(NODE.domain)[0] ?? '',
        inputs: strings(NODE.input),
        outputs: strings(NODE.output),
        attributes: nf.filter((f) => f.field === NODE.attribute).map((f) => field.bytes!.subarray(f.start, f.end)),
      };
    });
}
