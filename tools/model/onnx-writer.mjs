// A small ONNX writer with no dependencies: encodes just enough of onnx.proto (IR version 8) in
// protobuf wire format to describe an inference graph with its initializers.

// --- protobuf encoding ---
function varint(n) {
  // non-negative numbers/bigints; negative int64 values become their 64-bit two's complement
  let v = BigInt.asUintN(64, BigInt(n));
  const bytes = [];
  for (; v >= 0x80n; v >>= 7n) bytes.push(Number((v & 0x7fn) | 0x80n));
  bytes.push(Number(v));
  return Buffer.from(bytes);
}
const tag = (field, wire) => varint((field << 3) | wire);
const asVarint = (field, n) => Buffer.concat([tag(field, 0), varint(n)]);
const asBytes = (field, buf) => Buffer.concat([tag(field, 2), varint(buf.length), buf]);
const asString = (field, s) => asBytes(field, Buffer.from(s, 'utf8'));
const asMessage = (field, parts) => asBytes(field, Buffer.concat(parts));
const asFloat = (field, x) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return Buffer.concat([tag(field, 5), b]);
};
const asPacked = (field, values) => asBytes(field, Buffer.concat(values.map(varint)));

// --- ONNX enums ---
export const DT = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10 };
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 };

// TensorProto { dims = 1; data_type = 2; name = 8; raw_data = 9 }
function tensor(name, dataType, dims, data) {
  const parts = [];
  if (dims.length) parts.push(asPacked(1, dims));
  parts.push(asVarint(2, dataType), asString(8, name));
  parts.push(asBytes(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  return parts;
}

// AttributeProto { name = 1; f = 2; i = 3; s = 4; t = 5; ints = 8; type = 20 }
function attribute(name, value) {
  const parts = [asString(1, name)];
  if (typeof value === 'bigint' || Number.isInteger(value)) parts.push(asVarint(3, value), asVarint(20, ATTR.INT));
  else if (typeof value === 'number') throw new Error(`attribute ${name}: write floats as {float: x}`);
  else if (value?.float !== undefined) parts.push(asFloat(2, value.float), asVarint(20, ATTR.FLOAT));
  else if (typeof value === 'string') parts.push(asString(4, value), asVarint(20, ATTR.STRING));
  else if (Array.isArray(value)) parts.push(asPacked(8, value), asVarint(20, ATTR.INTS));
  else if (value?.tensor) parts.push(asMessage(5, value.tensor), asVarint(20, ATTR.TENSOR));
  else throw new Error(`attribute ${name}: unsupported value`);
  return parts;
}

// NodeProto { input = 1; output = 2; name = 3; op_type = 4; attribute = 5; domain = 7 }
function node({ op, inputs, outputs, name, attrs, domain }) {
  const parts = [...inputs.map((i) => asString(1, i)), ...outputs.map((o) => asString(2, o)), asString(3, name), asString(4, op)];
  for (const [k, v] of Object.entries(attrs)) parts.push(asMessage(5, attribute(k, v)));
  if (domain) parts.push(asString(7, domain));
  return parts;
}

// ValueInfoProto { name = 1; type = 2 } / TypeProto.Tensor { elem_type = 1; shape = 2 }
// TensorShapeProto.Dimension { dim_value = 1; dim_param = 2 }
function valueInfo(name, elemType, shape) {
  const dims = shape.map((d) => asMessage(1, [typeof d === 'number' ? asVarint(1, d) : asString(2, d)]));
  return [asString(1, name), asMessage(2, [asMessage(1, [asVarint(1, elemType), asMessage(2, dims)])])];
}

/** Graph builder: input(), init(), op() (returns the output name or names), output(), toModel(). */
export class Graph {
  constructor(name) {
    Object.assign(this, { name, nodes: [], inits: [], inputs: [], outputs: [], n: 0 });
  }
  input(name, elemType, shape) {
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }
  init(name, dataType, dims, data) {
    this.inits.push(tensor(name, dataType, dims, data));
    return name;
  }
  constI64(values, dims = [values.length]) {
    return this.init(`const_${this.n++}`, DT.int64, dims, BigInt64Array.from(values.map(BigInt)));
  }
  constF32(values, dims = [values.length]) {
    return this.init(`const_${this.n++}`, DT.float, dims, Float32Array.from(values));
  }
  op(op, inputs, attrs = {}, { outputs, nOut = 1, domain } = {}) {
    const id = this.n++;
    const outs = outputs ?? Array.from({ length: nOut }, (_, k) => (nOut > 1 ? `${op}_${id}_${k}` : `${op}_${id}`));
    this.nodes.push(node({ op, inputs, outputs: outs, name: `${op}_${id}`, attrs, domain }));
    return outs.length === 1 ? outs[0] : outs;
  }
  /** declares a graph output; a different public name is attached with an Identity node */
  output(value, elemType, shape, name = value) {
    if (name !== value) this.op('Identity', [value], {}, { outputs: [name] });
    this.outputs.push(valueInfo(name, elemType, shape));
    return name;
  }
  toModel({ opset = 17, irVersion = 8, producer = 'semantic-flow tools/model' } = {}) {
    // GraphProto { node = 1; name = 2; initializer = 5; input = 11; output = 12 }
    const graph = [
      ...this.nodes.map((x) => asMessage(1, x)),
      asString(2, this.name),
      ...this.inits.map((x) => asMessage(5, x)),
      ...this.inputs.map((x) => asMessage(11, x)),
      ...this.outputs.map((x) => asMessage(12, x)),
    ];
    // ModelProto { ir_version = 1; producer_name = 2; graph = 7; opset_import = 8 }
    return Buffer.concat([asVarint(1, irVersion), asString(2, producer), asMessage(7, graph), asMessage(8, [asString(1, ''), asVarint(2, opset)])]);
  }
}
