/**
 * Recommended Hub models with ONNX exports that transformers.js runs (catalogModels.ts), the files to
 * fetch for a dtype, and the memory a model needs. Sizes drive the progress estimate and the too-large
 * check before a download, never a checksum.
 */
import { SemanticFlowError } from '../../core/errors';
import type { Dtype } from '../../core/result';
import { DTYPE_SUFFIX } from '../onnx/modelFolder';
import { CATALOG } from './catalogModels';
import { HUB_ID } from './modelsDir';

export { CATALOG };

export type Licence = 'MIT' | 'Apache-2.0' | 'Llama-3.2' | 'Gemma';

export interface CatalogFile {
  /** Path inside the repository, `/`-separated. */
  path: string;
  /** A 404 skips the file instead of failing the download. */
  optional?: boolean;
}

export interface CatalogDtype {
  /** Download size of the ONNX file(s) for this dtype, in bytes (0: unknown). */
  approxBytes: number;
  /** 'hub': the repository's file listing; 'derived': computed (catalogModels.ts says how). */
  sizeSource?: 'hub' | 'derived';
  /** External-data files next to the ONNX file (exports over protobuf's 2 GB limit). */
  externalData?: CatalogFile[];
}

/** What the memory a model needs follows from (its config.json). */
export interface ModelShape {
  layers: number;
  /** Heads of the KV cache (num_key_value_heads; fewer than the attention heads with GQA). */
  kvHeads: number;
  headDim: number;
  /** Rows of the logits. */
  vocab: number;
}

export interface CatalogEntry {
  /** Hub id, `owner/name`. */
  id: string;
  label: string;
  /** Architecture family (config.json model_type); the fixture families cover gpt2, llama and qwen2. */
  family?: 'gpt2' | 'llama' | 'qwen2' | 'gemma3';
  /** Parameter count (approximate, as published); null when unknown. */
  parameters: number | null;
  /** null for a Hub id that is not in the catalog. */
  licence: Licence | null;
  /** What the licence asks of the user (acceptance, gating), when it asks something. */
  licenceNote?: string;
  /** Instruction-tuned with a chat template in tokenizer_config.json. */
  chatTemplate: boolean | null;
  /** Context window in tokens (config.json), null when unknown. */
  contextWindow: number | null;
  shape?: ModelShape;
  dtypes: Partial<Record<Dtype, CatalogDtype>>;
  /** True for an entry built from a Hub id outside the catalog (standard layout assumed). */
  adHoc?: boolean;
}

/** The files of a model folder for `dtype`, small ones first. */
export function catalogFiles(entry: CatalogEntry, dtype: Dtype): CatalogFile[] {
  const d = entry.dtypes[dtype];
  if (!d) {
    const have = Object.keys(entry.dtypes);
    throw new SemanticFlowError(
      'bad-argument',
      `${entry.id} has no ${dtype} export in the catalog; choose --dtype ${have.join(' or ')}.`,
    );
  }
  return [
    { path: 'config.json' },
    { path: 'generation_config.json', optional: true },
    { path: 'tokenizer_config.json' },
    { path: 'tokenizer.json' },
    { path: `onnx/model${DTYPE_SUFFIX[dtype]}.onnx` },
    ...(d.externalData ?? []),
  ];
}

/** The dtype a download fetches when none is asked for: the smallest that runs well on a CPU (q8, then q4, fp16, fp32). */
export function defaultDownloadDtype(entry: CatalogEntry): Dtype {
  return (['q8', 'q4', 'fp16', 'fp32'] as const).find((d) => entry.dtypes[d]) ?? 'q8';
}

/** Tokens of context the memory estimate holds in the KV cache. */
export const MEMORY_CONTEXT_TOKENS = 2048;
/** Rows of logits one pass holds (the default chunk size). */
const LOGIT_ROWS = 128;
/** Node, ONNX Runtime and transformers.js in the engine process with a tiny model loaded: 258–272 MB RSS measured (README "Models"). */
export const RUNTIME_BYTES = 260e6;

/**
 * The memory a model needs to analyse MEMORY_CONTEXT_TOKENS tokens of context (or its whole window if
 * shorter), derived, not measured: the ONNX file(s) (ONNX Runtime holds the weights once) + the KV cache
 * (2 × layers × KV heads × head size × tokens, float16 for fp16 models, else float32) + one chunk of
 * float32 logits + the runtime. Null when the size or the shape is unknown.
 */
export function memoryEstimate(entry: CatalogEntry, dtype: Dtype): number | null {
  const d = entry.dtypes[dtype],
    s = entry.shape;
  if (!d || !d.approxBytes || !s) return null;
  const tokens = Math.min(MEMORY_CONTEXT_TOKENS, entry.contextWindow ?? MEMORY_CONTEXT_TOKENS);
  const kv = 2 * s.layers * s.kvHeads * s.headDim * tokens * (dtype === 'fp16' ? 2 : 4);
  return d.approxBytes + kv + LOGIT_ROWS * s.vocab * 4 + RUNTIME_BYTES;
}

/** A catalog entry by Hub id or by its name part ("gpt2", "smollm2-135m"), case-insensitive. */
export function findCatalogEntry(idOrName: string): CatalogEntry | undefined {
  const q = idOrName.trim().toLowerCase();
  return CATALOG.find((e) => e.id.toLowerCase() === q) ?? CATALOG.find((e) => e.id.split('/')[1].toLowerCase() === q);
}

/**
 * The catalog entry for `idOrName`, or, for another Hub id, an entry assuming the standard
 * transformers.js layout (onnx/model{suffix}.onnx) with unknown sizes and licence.
 */
export function entryFor(idOrName: string): CatalogEntry {
  const found = findCatalogEntry(idOrName);
  if (found) return found;
  if (!HUB_ID.test(idOrName)) {
    throw new SemanticFlowError(
      'bad-argument',
      `"${idOrName}" is neither a catalog model nor a Hub id (owner/name). Catalog: ${CATALOG.map((e) => e.id).join(', ')}.`,
    );
  }
  const unknown = { approxBytes: 0 };
  return {
    id: idOrName,
    label: idOrName,
    parameters: null,
    licence: null,
    chatTemplate: null,
    contextWindow: null,
    dtypes: { fp32: unknown, fp16: unknown, q8: unknown, q4: unknown },
    adHoc: true,
  };
}
