/**
 * The inputs and outputs of an ONNX model, read from the file before ONNX Runtime sees it, so that a
 * folder that cannot work (not a causal LM export, wrong tokenizer) gets one precise message.
 */
import { readFields, utf8String } from './protobuf';

export interface OnnxValue {
  name: string;
  elemType: number;
  /** A number for a fixed dimension, a string for a symbolic one. */
  dims: (number | string)[];
}

export interface OnnxSignature {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

function valueInfo(bytes: Uint8Array): OnnxValue {
  const vi = readFields(bytes);
  const name = utf8String(vi.find((f) => f.field === 1)?.bytes);
  const type = vi.find((f) => f.field === 2)?.bytes;
  const tensor = type ? readFields(type).find((f) => f.field === 1)?.bytes : undefined;
  const tf = tensor ? readFields(tensor) : [];
  const elemType = Number(tf.find((f) => f.field === 1)?.varint ?? 0n);
  const shape = tf.find((f) => f.field === 2)?.bytes;
  const dims = (shape ? readFields(shape).filter((f) => f.field === 1) : []).map((d) => {
    const df = readFields(d.bytes!);
    const v = df.find((f) => f.field === 1)?.varint;
    return v !== undefined ? Number(v) : utf8String(df.find((f) => f.field === 2)?.bytes);
  });
  return { name, elemType, dims };
}

/** Graph inputs (without initializers listed as inputs by old exporters) and outputs. Throws on malformed bytes. */
export function onnxSignature(model: Uint8Array): OnnxSignature {
  const graph = readFields(model).find((f) => f.field === 7)?.bytes;
  if (!graph) throw new Error('no graph in the file');
  const fields = readFields(graph);
  const initializers = new Set(
    fields.filter((f) => f.field === 5).map((f) => utf8String(readFields(f.bytes!).find((x) => x.field === 8)?.bytes)),
  );
  return {
    inputs: fields
      .filter((f) => f.field === 11)
      .map((f) => valueInfo(f.bytes!))
      .filter((v) => !initializers.has(v.name)),
    outputs: fields.filter((f) => f.field === 12).map((f) => valueInfo(f.bytes!)),
  };
}
