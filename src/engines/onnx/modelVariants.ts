/**
 * The ONNX variants of one model folder (measures.md, "Rate–distortion of a quantised model"): every
 * onnx/model*.onnx with its bytes on disk (external data included), and the parameter count of the fp32
 * graph read from its initializers, without ONNX Runtime and without reading the weights (weightlessModel.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SemanticFlowError } from '../../core/errors';
import type { Dtype } from '../../core/result';
import { DTYPE_SUFFIX } from './modelFolder';
import { readFields, repeatedVarints } from './protobuf';
import { readWeightlessModel } from './weightlessModel';

export interface ModelVariant {
  /** fp32, fp16, q8, q4, or the file's suffix (model_int8.onnx: int8). */
  name: string;
  /** Relative to the model folder, e.g. onnx/model_quantized.onnx. */
  file: string;
  /** The .onnx file plus its external-data files. */
  bytes: number;
  /** The dtype the engine loads it as, or null for a file outside the four standard names. */
  dtype: Dtype | null;
  /** The file name without `.onnx` (what transformers.js calls model_file_name). */
  stem: string;
}

const DTYPE_OF_SUFFIX = new Map(Object.entries(DTYPE_SUFFIX).map(([d, s]) => [s, d as Dtype]));

/** Bytes of `onnx/<base>` and the external-data files exported beside it (as inspectModelFolder counts them). */
function variantBytes(onnxDir: string, base: string, names: string[]): number {
  return names
    .filter((f) => f === base || f.startsWith(`${base}_data`) || f.startsWith(`${base}.data`))
    .reduce((n, f) => n + statSync(join(onnxDir, f)).size, 0);
}

/** Every onnx/model*.onnx of `dir`, smallest first (ascending rate); ties by name. */
export function modelVariants(dir: string): ModelVariant[] {
  const onnxDir = join(dir, 'onnx');
  if (!existsSync(onnxDir))
    throw new SemanticFlowError(
      'model-not-found',
      `The model folder ${dir} has no onnx/ folder, so it has no variants to compare.`,
    );
  const names = readdirSync(onnxDir);
  return names
    .filter((f) => /^model.*\.onnx$/.test(f))
    .map((f) => {
      const stem = f.slice(0, -'.onnx'.length);
      const suffix = stem.slice('model'.length);
      const dtype = DTYPE_OF_SUFFIX.get(suffix) ?? null;
      return {
        name: dtype ?? suffix.replace(/^[_.-]/, ''),
        file: `onnx/${f}`,
        bytes: variantBytes(onnxDir, f, names),
        dtype,
        stem,
      };
    })
    .sort((a, b) => a.bytes - b.bytes || a.name.localeCompare(b.name));
}

// TensorProto.DataType values that hold weights: FLOAT, FLOAT16, DOUBLE, BFLOAT16 and the FLOAT8 kinds.
const FLOAT_TYPES = new Set([1, 10, 11, 16, 17, 18, 19, 20]);

/** Product of a TensorProto's or SparseTensorProto's dims (repeated int64, packed or not); 0 for a scalar. */
function dimsProduct(fields: ReturnType<typeof readFields>, dimsField: number): number {
  const dims = repeatedVarints(fields, dimsField);
  return dims.length === 0 ? 0 : dims.reduce((a, d) => a * d, 1);
}

/**
 * Elements of the floating-point initializers (dense and sparse) of an ONNX model: its weights. Scalars
 * (constants such as 1/√d or a mask value) and integer initializers (shapes, indices) are not weights; a
 * tensor used twice (a tied embedding) is stored, and counted, once.
 */
export function parameterCount(model: Uint8Array): number {
  const graph = readFields(model).find((f) => f.field === 7)?.bytes;
  if (!graph) throw new Error('no graph in the file');
  let n = 0;
  for (const f of readFields(graph)) {
    if (f.field === 5) {
      const t = readFields(f.bytes!);
      if (FLOAT_TYPES.has(Number(t.find((x) => x.field === 2)?.varint ?? 0n))) n += dimsProduct(t, 1);
    } else if (f.field === 15) {
      const sparse = readFields(f.bytes!);
      const values = sparse.find((x) => x.field === 1)?.bytes;
      const type = values ? Number(readFields(values).find((x) => x.field === 2)?.varint ?? 0n) : 0;
      if (FLOAT_TYPES.has(type)) n += dimsProduct(sparse, 3);
    }
  }
  return n;
}

/** The parameter count of the folder's fp32 graph (onnx/model.onnx), the reference of every rate. */
export function referenceParameters(dir: string): number {
  const file = join(dir, 'onnx', 'model.onnx');
  if (!existsSync(file)) {
    throw new SemanticFlowError(
      'model-not-found',
      `The model folder ${dir} has no onnx/model.onnx: rate–distortion compares every variant with the fp32 model, so it needs that file.`,
    );
  }
  let n: number;
  try {
    n = parameterCount(readWeightlessModel(file).bytes);
  } catch (e) {
    throw new SemanticFlowError('model-corrupt', `${file} is not a valid ONNX model (${(e as Error).message}).`);
  }
  if (n <= 0)
    throw new SemanticFlowError(
      'model-corrupt',
      `${file} has no floating-point initializers, so its parameters cannot be counted.`,
    );
  return n;
}
