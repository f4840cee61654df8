/**
 * Recommended Hub models with ONNX exports known to load in transformers.js, and the files to fetch
 * for a dtype. Sizes are approximate (best knowledge, not measured against the Hub): they drive the
 * progress estimate and the too-large check before a download, never a checksum.
 */
import { SemanticFlowError } from '../../core/errors';
import type { Dtype } from '../../core/result';
import { DTYPE_SUFFIX } from '../onnx/modelFolder';
import { HUB_ID } from './modelsDir';

export type Licence = 'MIT' | 'Apache-2.0';

export interface CatalogFile {
  /** Path inside the repository, `/`-separated. */
  path: string;
  /** A 404 skips the file instead of failing the download. */
  optional?: boolean;
}

export interface CatalogDtype {
  /** Approximate download size of the ONNX file(s) for this dtype, in bytes. */
  approxBytes: number;
  /** External-data files next to the ONNX file (repos whose export exceeds protobuf's 2 GB limit). */
  externalData?: CatalogFile[];
}

export interface CatalogEntry {
  /** Hub id, `owner/name`. */
  id: string;
  label: string;
  /** Parameter count (approximate, as published); null when unknown. */
  parameters: number | null;
  /** null for a Hub id that is not in the catalog. */
  licence: Licence | null;
  /** Instruction-tuned with a chat template in tokenizer_config.json. */
  chatTemplate: boolean | null;
  /** Context window in tokens (config.json), null when unknown. */
  contextWindow: number | null;
  dtypes: Partial<Record<Dtype, CatalogDtype>>;
  /** True for an entry built from a Hub id outside the catalog (standard layout assumed). */
  adHoc?: boolean;
}

const MB = 1_000_000;
const fp32q8 = (fp32Mb: number, q8Mb: number, fp32Extra?: CatalogFile[]): CatalogEntry['dtypes'] => ({
  fp32: { approxBytes: fp32Mb * MB, ...(fp32Extra ? { externalData: fp32Extra } : {}) },
  q8: { approxBytes: q8Mb * MB },
});

/** Sizes are approximate. Exports keep a separate copy of tied embeddings for the LM head, hence fp32 > 4 × params. */
export const CATALOG: readonly CatalogEntry[] = [
  { id: 'Xenova/distilgpt2', label: 'DistilGPT-2', parameters: 82e6, licence: 'Apache-2.0', chatTemplate: false, contextWindow: 1024, dtypes: fp32q8(480, 125) },
  { id: 'Xenova/gpt2', label: 'GPT-2', parameters: 124e6, licence: 'MIT', chatTemplate: false, contextWindow: 1024, dtypes: fp32q8(650, 165) },
  { id: 'HuggingFaceTB/SmolLM2-135M', label: 'SmolLM2 135M', parameters: 135e6, licence: 'Apache-2.0', chatTemplate: false, contextWindow: 8192, dtypes: fp32q8(540, 140) },
  { id: 'HuggingFaceTB/SmolLM2-135M-Instruct', label: 'SmolLM2 135M Instruct', parameters: 135e6, licence: 'Apache-2.0', chatTemplate: true, contextWindow: 8192, dtypes: fp32q8(540, 140) },
  { id: 'HuggingFaceTB/SmolLM2-360M', label: 'SmolLM2 360M', parameters: 362e6, licence: 'Apache-2.0', chatTemplate: false, contextWindow: 8192, dtypes: fp32q8(1450, 370) },
  { id: 'HuggingFaceTB/SmolLM2-360M-Instruct', label: 'SmolLM2 360M Instruct', parameters: 362e6, licence: 'Apache-2.0', chatTemplate: true, contextWindow: 8192, dtypes: fp32q8(1450, 370) },
  // fp32 is over protobuf's 2 GB limit with the untied LM head: the weights may sit in model.onnx_data.
  // Optional, so an export that keeps them inside model.onnx downloads too.
  {
    id: 'onnx-community/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5 0.5B Instruct', parameters: 494e6, licence: 'Apache-2.0', chatTemplate: true, contextWindow: 32768,
    dtypes: fp32q8(2500, 640, [{ path: 'onnx/model.onnx_data', optional: true }]),
  },
];

/** The files of a model folder for `dtype`, small ones first. */
export function catalogFiles(entry: CatalogEntry, dtype: Dtype): CatalogFile[] {
  const d = entry.dtypes[dtype];
  if (!d) {
    const have = Object.keys(entry.dtypes);
    throw new SemanticFlowError('bad-argument', `${entry.id} has no ${dtype} export in the catalog; choose --dtype ${have.join(' or ')}.`);
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
  return { id: idOrName, label: idOrName, parameters: null, licence: null, chatTemplate: null, contextWindow: null, dtypes: { fp32: unknown, fp16: unknown, q8: unknown, q4: unknown }, adHoc: true };
}
