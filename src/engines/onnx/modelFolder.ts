/**
 * Checks a local model folder before anything is loaded, with one precise message per problem
 * (missing folder or files, unreadable config, no ONNX file for the requested dtype).
 */
import { existsSync, readFileSync, readdirSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { SemanticFlowError } from '../../core/errors';
import type { Dtype } from '../../core/result';
import { formatBytes } from '../../core/units';
import { onnxSignature, type OnnxSignature } from './onnxSignature';
import { readWeightlessModel } from './weightlessModel';

/** File name suffix transformers.js uses for each dtype (runtime-notes.md §1.5). */
export const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };
export const DTYPES = Object.keys(DTYPE_SUFFIX) as Dtype[];

export interface ModelFolder {
  dir: string;
  config: Record<string, unknown>;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  onnxFile: string;
  onnxBytes: number;
  signature: OnnxSignature;
  /** The model without its weights (weightlessModel.ts): ONNX Runtime reads them from `onnxFile` itself. */
  weightless: Uint8Array;
  /** The ONNX file and its external-data files, with their sizes. */
  weightFiles: { path: string; bytes: number }[];
  /** Size of the model's output vocabulary (last dimension of `logits`), when the export fixes it. */
  outputVocab: number | null;
}

export interface InspectOptions {
  /** Refuse models whose ONNX files (with external data) are larger than this; default half the machine's memory. */
  maxModelBytes?: number;
  /** onnx/<fileStem>.onnx instead of the dtype's file. */
  fileStem?: string;
}

/** Allowed excess of the model's output rows over the tokenizer's ids (exports pad the embedding, e.g. Qwen2 by 271). */
export const VOCAB_PADDING_ALLOWANCE = 1024;

function readJson(file: string, what: string, dir: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new SemanticFlowError('model-not-found', `The model folder ${dir} has no ${what}.`);
  }
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new SemanticFlowError('model-corrupt', `${file} is not valid JSON (${(e as Error).message}).`);
  }
}

export function inspectModelFolder(dirIn: string, dtype: Dtype, options: InspectOptions = {}): ModelFolder {
  const dir = resolve(dirIn);
  if (!existsSync(dir)) throw new SemanticFlowError('model-not-found', `Model folder not found: ${dir}.`);
  if (!statSync(dir).isDirectory())
    throw new SemanticFlowError(
      'model-not-found',
      `${dir} is not a folder; a model folder holds config.json, tokenizer.json and onnx/model*.onnx.`,
    );
  const config = readJson(join(dir, 'config.json'), 'config.json', dir);
  const tokenizerJson = readJson(join(dir, 'tokenizer.json'), 'tokenizer.json', dir);
  const tokenizerConfig = existsSync(join(dir, 'tokenizer_config.json'))
    ? readJson(join(dir, 'tokenizer_config.json'), 'tokenizer_config.json', dir)
    : {};
  if (!(dtype in DTYPE_SUFFIX)) {
    throw new SemanticFlowError('bad-argument', `Unknown dtype "${dtype}". Should be one of: ${DTYPES.join(', ')}.`);
  }
  const stem = options.fileStem ?? `model${DTYPE_SUFFIX[dtype]}`;
  const onnxFile = join(dir, 'onnx', `${stem}.onnx`);
  if (options.fileStem && !existsSync(onnxFile))
    throw new SemanticFlowError('model-not-found', `The model folder ${dir} has no onnx/${stem}.onnx.`);
  if (!existsSync(onnxFile)) {
    const have = DTYPES.filter((d) => existsSync(join(dir, 'onnx', `model${DTYPE_SUFFIX[d]}.onnx`)));
    throw new SemanticFlowError(
      'model-not-found',
      `The model folder ${dir} has no onnx/model${DTYPE_SUFFIX[dtype]}.onnx for dtype ${dtype}` +
        (have.length ? `; available dtypes: ${have.join(', ')}.` : '; it has no ONNX model at all.'),
    );
  }
  const onnxBytes = statSync(onnxFile).size;
  const base = `${stem}.onnx`;
  const weightFiles = readdirSync(join(dir, 'onnx'))
    .filter((f) => f === base || f.startsWith(`${base}_data`) || f.startsWith(`${base}.data`))
    .map((f) => ({ path: join(dir, 'onnx', f), bytes: statSync(join(dir, 'onnx', f)).size }));
  const total = weightFiles.reduce((n, f) => n + f.bytes, 0);
  const limit = options.maxModelBytes ?? Math.floor(totalmem() / 2);
  if (total > limit) {
    throw new SemanticFlowError(
      'too-large',
      `The model in ${dir} is ${formatBytes(total)}, more than the ${formatBytes(limit)} this machine can load safely; choose a smaller model or dtype (q8, q4).`,
    );
  }
  checkOnnxHeader(onnxFile, onnxBytes);
  let signature: OnnxSignature, weightless: Uint8Array;
  try {
    weightless = readWeightlessModel(onnxFile).bytes;
    signature = onnxSignature(weightless);
  } catch (e) {
    throw new SemanticFlowError('model-corrupt', `${onnxFile} is not a valid ONNX model (${(e as Error).message}).`);
  }
  const inputs = signature.inputs.map((i) => i.name);
  for (const required of ['input_ids', 'attention_mask']) {
    if (!inputs.includes(required)) {
      throw new SemanticFlowError(
        'unsupported-model',
        `The ONNX model in ${dir} has no input "${required}" (its inputs: ${inputs.join(', ') || 'none'}); Semantic Flow needs a decoder-only causal LM export such as Optimum's text-generation-with-past.`,
      );
    }
  }
  const logits = signature.outputs.find((o) => o.name === 'logits');
  if (!logits) {
    throw new SemanticFlowError(
      'unsupported-model',
      `The ONNX model in ${dir} has no "logits" output (its outputs: ${signature.outputs.map((o) => o.name).join(', ')}); it is not a causal LM export.`,
    );
  }
  const last = logits.dims[logits.dims.length - 1];
  return {
    dir,
    config,
    tokenizerJson,
    tokenizerConfig,
    onnxFile,
    onnxBytes,
    signature,
    weightless,
    weightFiles,
    outputVocab: typeof last === 'number' && last > 0 ? last : null,
  };
}

// An ONNX ModelProto starts with field 1 (ir_version, varint): byte 0x08. Catches empty, truncated-to-zero
// and non-ONNX files before ONNX Runtime reports a less readable protobuf error.
function checkOnnxHeader(file: string, size: number): void {
  if (size < 16)
    throw new SemanticFlowError('model-corrupt', `${file} is not a valid ONNX model (only ${size} bytes).`);
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(2);
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  if (head[0] !== 0x08)
    throw new SemanticFlowError('model-corrupt', `${file} is not a valid ONNX model (unexpected header).`);
}

/** Context window from a config (GPT-2 n_positions, Llama max_position_embeddings). */
export function contextWindowOf(config: Record<string, unknown>): number | null {
  for (const k of ['n_positions', 'max_position_embeddings', 'n_ctx', 'seq_length']) {
    const v = config[k];
    if (typeof v === 'number' && v > 0) return v;
  }
  return null;
}
