/**
 * The recommended models: the sizes that transformers.js runs on a laptop, from 82 M to 1.7 B
 * parameters, each with its licence, its ONNX files per dtype and the shape facts (config.json) that
 * its memory needs follow from (catalog.ts memoryEstimate).
 * Sizes marked 'hub' are the repository's file listing on huggingface.co as crawled in 2025–2026
 * (decimal units, rounded as the Hub shows them); 'derived' ones are not in a listing found here and
 * are computed as written next to them. Only dtypes whose file is known to exist are offered, except
 * the base SmolLM2 repositories (derived from their Instruct siblings: same architecture and export).
 * transformers.js's q4f16 and bnb4 files are left out: Semantic Flow loads fp32, fp16, q8 and q4.
 */
import type { CatalogEntry } from './catalog';

const MB = 1e6,
  GB = 1e9;
const hub = (bytes: number, ...externalData: string[]) => ({
  approxBytes: bytes,
  sizeSource: 'hub' as const,
  ...(externalData.length ? { externalData: externalData.map((path) => ({ path })) } : {}),
});
/** Parameters × bytes per weight, for files no listing showed. */
const derived = (bytes: number) => ({ approxBytes: Math.round(bytes), sizeSource: 'derived' as const });

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'Xenova/distilgpt2',
    label: 'DistilGPT-2',
    family: 'gpt2',
    parameters: 82e6,
    licence: 'Apache-2.0',
    chatTemplate: false,
    contextWindow: 1024,
    shape: { layers: 6, kvHeads: 12, headDim: 64, vocab: 50257 },
    // no listing found: 4 and 1 bytes per parameter
    dtypes: { fp32: derived(82e6 * 4), q8: derived(82e6) },
  },
  {
    id: 'Xenova/gpt2',
    label: 'GPT-2',
    family: 'gpt2',
    parameters: 124e6,
    licence: 'MIT',
    chatTemplate: false,
    contextWindow: 1024,
    shape: { layers: 12, kvHeads: 12, headDim: 64, vocab: 50257 },
    // the listing shows model.onnx 501 MB and model_fp16.onnx 251 MB; model_quantized.onnx was cut off: 1 byte per parameter
    dtypes: { fp32: hub(501 * MB), fp16: hub(251 * MB), q8: derived(124e6) },
  },
  {
    id: 'HuggingFaceTB/SmolLM2-135M',
    label: 'SmolLM2 135M',
    family: 'llama',
    parameters: 134.5e6,
    licence: 'Apache-2.0',
    chatTemplate: false,
    contextWindow: 8192,
    shape: { layers: 30, kvHeads: 3, headDim: 64, vocab: 49152 },
    // no listing found for the base repository: the Instruct repository's sizes (same shape and export)
    dtypes: { fp32: derived(654 * MB), fp16: derived(327 * MB), q4: derived(200 * MB) },
  },
  {
    id: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    label: 'SmolLM2 135M Instruct',
    family: 'llama',
    parameters: 134.5e6,
    licence: 'Apache-2.0',
    chatTemplate: true,
    contextWindow: 8192,
    shape: { layers: 30, kvHeads: 3, headDim: 64, vocab: 49152 },
    dtypes: { fp32: hub(654 * MB), fp16: hub(327 * MB), q4: hub(200 * MB) },
  },
  {
    id: 'HuggingFaceTB/SmolLM2-360M',
    label: 'SmolLM2 360M',
    family: 'llama',
    parameters: 361.8e6,
    licence: 'Apache-2.0',
    chatTemplate: false,
    contextWindow: 8192,
    shape: { layers: 32, kvHeads: 5, headDim: 64, vocab: 49152 },
    // no listing found for the base repository: the Instruct repository's sizes (same shape and export)
    dtypes: { fp32: derived(1.64 * GB), fp16: derived(819 * MB), q4: derived(417 * MB) },
  },
  {
    id: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    label: 'SmolLM2 360M Instruct',
    family: 'llama',
    parameters: 361.8e6,
    licence: 'Apache-2.0',
    chatTemplate: true,
    contextWindow: 8192,
    shape: { layers: 32, kvHeads: 5, headDim: 64, vocab: 49152 },
    dtypes: { fp32: hub(1.64 * GB), fp16: hub(819 * MB), q4: hub(417 * MB) },
  },
  {
    id: 'HuggingFaceTB/SmolLM2-1.7B-Instruct',
    label: 'SmolLM2 1.7B Instruct',
    family: 'llama',
    parameters: 1.71e9,
    licence: 'Apache-2.0',
    chatTemplate: true,
    contextWindow: 8192,
    shape: { layers: 24, kvHeads: 32, headDim: 64, vocab: 49152 },
    // fp32 and fp16 keep (part of) their weights in external data files
    dtypes: {
      fp32: hub(166e3 + 6.85 * GB, 'onnx/model.onnx_data'),
      fp16: hub(1.33 * GB + 2.1 * GB, 'onnx/model_fp16.onnx_data'),
      q8: hub(1.71 * GB),
      q4: hub(1.41 * GB),
    },
  },
  {
    id: 'onnx-community/Qwen2.5-0.5B-Instruct',
    label: 'Qwen2.5 0.5B Instruct',
    family: 'qwen2',
    parameters: 494e6,
    licence: 'Apache-2.0',
    chatTemplate: true,
    contextWindow: 32768,
    shape: { layers: 24, kvHeads: 2, headDim: 64, vocab: 151936 },
    dtypes: { fp32: hub(1.99 * GB), fp16: hub(997 * MB), q8: hub(512 * MB), q4: hub(786 * MB) },
  },
  {
    id: 'onnx-community/Qwen2.5-1.5B-Instruct',
    label: 'Qwen2.5 1.5B Instruct',
    family: 'qwen2',
    parameters: 1.54e9,
    licence: 'Apache-2.0',
    chatTemplate: true,
    contextWindow: 32768,
    shape: { layers: 28, kvHeads: 2, headDim: 128, vocab: 151936 },
    dtypes: {
      fp32: hub(1.06 * MB + 6.21 * GB, 'onnx/model.onnx_data'),
      fp16: hub(1.1 * MB + 3.1 * GB, 'onnx/model_fp16.onnx_data'),
      q8: hub(1.58 * GB),
      q4: hub(1.79 * GB),
    },
  },
  {
    id: 'onnx-community/Llama-3.2-1B-Instruct',
    label: 'Llama 3.2 1B Instruct',
    family: 'llama',
    parameters: 1.24e9,
    licence: 'Llama-3.2',
    chatTemplate: true,
    contextWindow: 131072,
    licenceNote: "Llama 3.2 Community License: by downloading you accept it; Meta's own repository is gated behind it",
    shape: { layers: 16, kvHeads: 8, headDim: 64, vocab: 128256 },
    dtypes: {
      fp32: hub(524e3 + 4.94 * GB, 'onnx/model.onnx_data'),
      fp16: hub(532e3 + 2.47 * GB, 'onnx/model_fp16.onnx_data'),
      q8: hub(1.24 * GB),
      q4: hub(1.66 * GB),
    },
  },
  {
    id: 'onnx-community/gemma-3-1b-it-ONNX',
    label: 'Gemma 3 1B IT',
    family: 'gemma3',
    parameters: 1.0e9,
    licence: 'Gemma',
    chatTemplate: true,
    contextWindow: 32768,
    licenceNote:
      'Gemma Terms of Use: the repository is gated (accept the terms on huggingface.co); Semantic Flow downloads public models only, so fetch it with huggingface-cli and select the folder',
    shape: { layers: 26, kvHeads: 1, headDim: 256, vocab: 262144 },
    // listed: model_fp16.onnx 2 GB and model_q4.onnx 1.65 GB (fp32 and q8 not found)
    dtypes: { fp16: hub(2 * GB), q4: hub(1.65 * GB) },
  },
];
